using System.Text.Json;
using System.Text.Json.Nodes;

namespace Payments.PaypalEmulator;

/// <summary>One entry of an error's <c>details</c>: PayPal's fine-grained <c>issue</c> and where it is.</summary>
internal sealed record ErrorDetail(string Issue, string? Field = null, string? Value = null, string? Location = null, string? Description = null);

/// <summary>A PayPal error answer: <c>{name, message, details[], debug_id, links[]}</c> with its HTTP status.</summary>
internal sealed class PaypalErrorException(int status, string name, string message, IReadOnlyList<ErrorDetail> details)
    : Exception($"{status} {name}: {string.Join(", ", details.Select(d => d.Issue))}")
{
    public int Status { get; } = status;

    public string Name { get; } = name;

    public string ErrorMessage { get; } = message;

    public IReadOnlyList<ErrorDetail> Details { get; } = details;

    public string? FirstIssue => Details.Count > 0 ? Details[0].Issue : null;

    public JsonObject ToJson(string debugId, string operation)
    {
        var body = new JsonObject { ["name"] = Name };
        if (Details.Count > 0)
        {
            var details = new JsonArray();
            foreach (var d in Details)
            {
                var detail = new JsonObject();
                if (d.Field is not null)
                {
                    detail["field"] = d.Field;
                }

                if (d.Value is not null)
                {
                    detail["value"] = d.Value;
                }

                if (d.Location is not null)
                {
                    detail["location"] = d.Location;
                }

                detail["issue"] = d.Issue;
                detail["description"] = d.Description ?? IssueTable.Describe(operation, d.Issue);
                details.Add(detail);
            }

            body["details"] = details;
        }

        body["message"] = ErrorMessage;
        body["debug_id"] = debugId;
        body["links"] = new JsonArray(new JsonObject
        {
            ["href"] = $"https://developer.paypal.com/docs/api/{DocsFor(operation)}/#error-{FirstIssue ?? Name}",
            ["rel"] = "information_link",
            ["method"] = "GET",
        });
        return body;
    }

    public IResult ToResult(string debugId, string operation) =>
        Results.Text(ToJson(debugId, operation).ToJsonString(Json.Options), "application/json", statusCode: Status);

    private static string DocsFor(string operation) => operation switch
    {
        _ when operation.StartsWith("orders.", StringComparison.Ordinal) => "orders/v2",
        _ when operation.StartsWith("notifications.", StringComparison.Ordinal) => "webhooks/v1",
        _ => "payments/v2",
    };
}

/// <summary>PayPal's error names and messages by status, as its OpenAPI files define them.</summary>
internal static class PaypalErrors
{
    public static PaypalErrorException InvalidRequest(params ErrorDetail[] details) =>
        new(400, "INVALID_REQUEST", "Request is not well-formed, syntactically incorrect, or violates schema.", details);

    public static PaypalErrorException Unprocessable(params ErrorDetail[] details) =>
        new(422, "UNPROCESSABLE_ENTITY", "The requested action could not be performed, semantically incorrect, or failed business validation.", details);

    public static PaypalErrorException NotFound(string field, string value) =>
        new(404, "RESOURCE_NOT_FOUND", "The specified resource does not exist.", [new ErrorDetail("INVALID_RESOURCE_ID", field, value, "path")]);

    public static PaypalErrorException Conflict(params ErrorDetail[] details) =>
        new(409, "RESOURCE_CONFLICT", "The server has detected a conflict while processing this request.", details);

    public static PaypalErrorException UnsupportedMediaType() =>
        new(415, "UNSUPPORTED_MEDIA_TYPE", "The server does not support the request payload's media type.", []);

    public static PaypalErrorException NotAuthorized(params ErrorDetail[] details) =>
        new(403, "NOT_AUTHORIZED", "Authorization failed due to insufficient permissions.", details);

    public static PaypalErrorException RateLimited() =>
        new(429, "RATE_LIMIT_REACHED", "Too many requests. Blocked due to rate limiting.", []);

    public static PaypalErrorException Internal() =>
        new(500, "INTERNAL_SERVER_ERROR", "An internal server error occurred.", []);

    public static PaypalErrorException Unavailable() =>
        new(503, "SERVICE_UNAVAILABLE", "Service Unavailable.", []);

    /// <summary>An error of the status PayPal's documents give <paramref name="issue"/> for this operation.</summary>
    public static PaypalErrorException ForIssue(int status, ErrorDetail detail) => status switch
    {
        400 => InvalidRequest(detail),
        401 => new PaypalErrorException(401, "AUTHENTICATION_FAILURE", "Authentication failed due to missing authorization header, or invalid authentication credentials.", [detail]),
        403 => NotAuthorized(detail),
        404 => new PaypalErrorException(404, "RESOURCE_NOT_FOUND", "The specified resource does not exist.", [detail]),
        409 => Conflict(detail),
        _ => Unprocessable(detail),
    };

    /// <summary>An injected fault's status as PayPal would shape it.</summary>
    public static PaypalErrorException ForStatus(int status) => status switch
    {
        429 => RateLimited(),
        503 => Unavailable(),
        >= 500 => new PaypalErrorException(status, "INTERNAL_SERVER_ERROR", "An internal server error occurred.", []),
        409 => Conflict(new ErrorDetail("PREVIOUS_REQUEST_IN_PROGRESS")),
        _ => new PaypalErrorException(status, "INVALID_REQUEST", "Request is not well-formed, syntactically incorrect, or violates schema.", []),
    };
}

/// <summary>
/// The issues PayPal documents for each operation (status and description), read from <c>Resources/issues.json</c>,
/// which was extracted from PayPal's published OpenAPI files (checkout_orders_v2, payments_payment_v2).
/// </summary>
internal static class IssueTable
{
    private static readonly Dictionary<string, Dictionary<string, (int Status, string Description)>> Operations = Load();

    /// <summary>Issues the emulator raises that PayPal's files leave out of an operation's list (or describe nowhere).</summary>
    private static readonly Dictionary<string, string> Extra = new(StringComparer.Ordinal)
    {
        ["CURRENCY_NOT_SUPPORTED"] = "Currency code is invalid or is not currently supported. Please refer https://developer.paypal.com/api/rest/reference/currency-codes/ for list of supported currency codes.",
        ["DECIMALS_NOT_SUPPORTED"] = "Currency does not support decimals. Please refer to https://developer.paypal.com/docs/api/reference/currency-codes/ for more information.",
        ["PREVIOUS_REQUEST_IN_PROGRESS"] = "A previous request on this resource is currently in progress. Please wait for sometime and try again. It is best to space out the initial and the subsequent request(s) to avoid receiving this error.",
        ["ORDER_EXPIRED"] = "Order is expired and hence cannot be authorized. Please contact Customer Support if you need to increase your order validity period.",
        ["ACTION_DOES_NOT_MATCH_INTENT"] = "Order was created with an intent to 'AUTHORIZE'. Please use v2/checkout/orders/order_id/authorize to complete the transaction or alternately Create an order with an intent of 'CAPTURE'.",
        ["AUTHORIZATION_EXPIRED"] = "An expired authorization cannot be captured.",
    };

    public static string Describe(string operation, string issue)
    {
        if (Operations.TryGetValue(operation, out var table) && table.TryGetValue(issue, out var entry) && entry.Description.Length > 0)
        {
            return entry.Description;
        }

        if (Extra.TryGetValue(issue, out var extra))
        {
            return extra;
        }

        foreach (var other in Operations.Values)
        {
            if (other.TryGetValue(issue, out var found) && found.Description.Length > 0)
            {
                return found.Description;
            }
        }

        return issue;
    }

    /// <summary>The status PayPal documents for <paramref name="issue"/> on <paramref name="operation"/>, or null when it lists no such issue there.</summary>
    public static int? StatusOf(string operation, string issue) =>
        Operations.TryGetValue(operation, out var table) && table.TryGetValue(issue, out var entry) ? entry.Status : null;

    private static Dictionary<string, Dictionary<string, (int, string)>> Load()
    {
        using var stream = typeof(IssueTable).Assembly.GetManifestResourceStream("issues.json")
            ?? throw new InvalidOperationException("issues.json is not embedded");
        using var doc = JsonDocument.Parse(stream);
        var result = new Dictionary<string, Dictionary<string, (int, string)>>(StringComparer.Ordinal);
        foreach (var op in doc.RootElement.EnumerateObject())
        {
            var table = new Dictionary<string, (int, string)>(StringComparer.Ordinal);
            foreach (var issue in op.Value.EnumerateObject())
            {
                table[issue.Name] = (issue.Value[0].GetInt32(), issue.Value[1].GetString() ?? "");
            }

            result[op.Name] = table;
        }

        return result;
    }
}
