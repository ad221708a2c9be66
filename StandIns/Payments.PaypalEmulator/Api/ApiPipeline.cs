using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Payments.PaypalEmulator;

/// <summary>One authenticated API request, as an operation's handler sees it (under the state lock).</summary>
internal sealed record ApiCall(EmulatorState State, string ClientId, string Operation, JsonElement? Body, string? RequestId, HttpRequest Request)
{
    public DateTimeOffset Now => State.Clock.Now;
}

/// <summary>
/// What an operation produced: the resource it answers with (re-read for <c>PayPal-Request-Id</c> repeats) and the
/// status of a first answer. <see cref="NoContentWhenMinimal"/>: a minimal answer is 204 with no body (void).
/// </summary>
/// <see cref="Body"/>: an answer that is not a payment resource (webhook events, verification), sent as it is.
internal sealed record Outcome(int Status, string Kind, string Id, bool NoContentWhenMinimal = false, JsonObject? Body = null);

/// <summary>An API operation: its PayPal operation id, and how long its <c>PayPal-Request-Id</c>s are kept (null: not idempotent).</summary>
internal sealed record Operation(string Name, TimeSpan? Retention, Func<ApiCall, Outcome> Handler);

/// <summary>
/// Every PayPal API request goes through here, in this order: injected faults (before), the bearer token (401),
/// <c>Content-Type: application/json</c> on POSTs (415), the JSON body (400 MALFORMED_REQUEST_JSON),
/// <c>PayPal-Mock-Response</c> (the forced error, nothing executed), the <c>PayPal-Request-Id</c> (a repeat answers
/// the first result's latest state with 200), the operation itself under the state lock after the background
/// sweep, injected faults (after: the effect stays, the answer is lost), then the answer shaped by <c>Prefer</c>.
/// Every answer carries <c>Paypal-Debug-Id</c> and is in the request log.
/// </summary>
internal static class ApiPipeline
{
    public static IEndpointConventionBuilder MapPost(this IEndpointRouteBuilder app, string pattern, Operation operation) =>
        app.MapPost(pattern, (RequestDelegate)(http => HandleAsync(http, operation)));

    public static IEndpointConventionBuilder MapGet(this IEndpointRouteBuilder app, string pattern, Operation operation) =>
        app.MapGet(pattern, (RequestDelegate)(http => HandleAsync(http, operation)));

    private static async Task HandleAsync(HttpContext http, Operation operation)
    {
        var state = http.RequestServices.GetRequiredService<EmulatorState>();
        var method = http.Request.Method;
        var path = http.Request.Path.Value ?? "/";
        var debugId = Ids.DebugId();
        http.Response.Headers["Paypal-Debug-Id"] = debugId;
        var requestId = http.Request.Headers["PayPal-Request-Id"].FirstOrDefault() is { Length: > 0 } rid ? rid : null;
        string? claimed = null;
        var replayed = false;
        string? issue = null;
        try
        {
            if (state.Faults.Take(f => f.Matches(method, path, FaultPhase.Before)) is { } before)
            {
                await Task.Delay(before.DelayMs, http.RequestAborted);
                throw PaypalErrors.ForStatus(before.Status);
            }

            var clientId = state.Tokens.Authenticate(http.Request.Headers.Authorization.FirstOrDefault());
            var body = HttpMethods.IsPost(method) ? await ReadBodyAsync(http) : null;
            MockResponse.Throw(http.Request.Headers["PayPal-Mock-Response"].FirstOrDefault(), operation.Name);
            var representation = WantsRepresentation(http.Request);
            if (operation.Retention is not null && requestId is not null)
            {
                var key = IdempotencyStore.Key(clientId, method, path, requestId);
                if (state.Idempotency.Claim(key) is { } saved)
                {
                    replayed = true;
                    await WriteAsync(http, state, new Outcome(StatusCodes.Status200OK, saved.Kind, saved.ResourceId), representation);
                    return;
                }

                claimed = key;
            }

            if (state.Faults.Take(f => f.Matches(method, path, FaultPhase.Before, delayOnly: true)) is { } slow)
            {
                // A slow PayPal, taken only now so that once the fault is consumed the request id is in flight.
                await Task.Delay(slow.DelayMs, http.RequestAborted);
            }

            Outcome outcome;
            JsonObject rendered;
            lock (state.Sync)
            {
                state.Sweep();
                outcome = operation.Handler(new ApiCall(state, clientId, operation.Name, body, requestId, http.Request));
                rendered = outcome.Body ?? RenderLocked(state, outcome.Kind, outcome.Id);
            }

            if (claimed is not null)
            {
                state.Idempotency.Complete(claimed, new IdempotentResult(outcome.Kind, outcome.Id), operation.Retention!.Value);
                claimed = null;
            }

            if (state.Faults.Take(f => f.Matches(method, path, FaultPhase.After)) is { } after)
            {
                await Task.Delay(after.DelayMs, http.RequestAborted);
                throw PaypalErrors.ForStatus(after.Status);
            }

            await WriteRenderedAsync(http, outcome, rendered, representation);
        }
        catch (PaypalErrorException e) when (!http.Response.HasStarted)
        {
            issue = e.FirstIssue ?? e.Name;
            await e.ToResult(debugId, operation.Name).ExecuteAsync(http);
        }
        catch (TokenRejectedException e) when (!http.Response.HasStarted)
        {
            issue = e.Problem == TokenProblem.Missing ? "AUTHENTICATION_FAILURE" : "invalid_token";
            await Results.Text(e.ToJson().ToJsonString(Json.Options), "application/json", statusCode: StatusCodes.Status401Unauthorized).ExecuteAsync(http);
        }
        catch (Exception e) when (!http.Response.HasStarted && e is not OperationCanceledException)
        {
            issue = "INTERNAL_SERVER_ERROR";
            await PaypalErrors.Internal().ToResult(debugId, operation.Name).ExecuteAsync(http);
        }
        finally
        {
            if (claimed is not null)
            {
                state.Idempotency.Release(claimed);
            }

            state.Requests.Add(new RequestRecord(method, path, requestId, replayed, http.Response.StatusCode, debugId, issue));
        }
    }

    /// <summary>PayPal's default is <c>return=minimal</c>.</summary>
    private static bool WantsRepresentation(HttpRequest request) =>
        request.Headers["Prefer"].Any(v => v is not null && v.Contains("return=representation", StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// A POST must say <c>Content-Type: application/json</c>, even with no body (PayPal answers 415 otherwise); an
    /// empty body is no body. Anything but a JSON object is MALFORMED_REQUEST_JSON.
    /// </summary>
    private static async Task<JsonElement?> ReadBodyAsync(HttpContext http)
    {
        if (!MediaTypeHeaderValue.TryParse(http.Request.ContentType, out var type)
            || !string.Equals(type.MediaType, "application/json", StringComparison.OrdinalIgnoreCase))
        {
            throw PaypalErrors.UnsupportedMediaType();
        }

        using var buffer = new MemoryStream();
        await http.Request.Body.CopyToAsync(buffer, http.RequestAborted);
        if (buffer.Length == 0 || buffer.ToArray().All(b => b is (byte)' ' or (byte)'\n' or (byte)'\r' or (byte)'\t'))
        {
            return null;
        }

        try
        {
            using var doc = JsonDocument.Parse(buffer.ToArray());
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw Malformed();
            }

            return doc.RootElement.Clone();
        }
        catch (JsonException)
        {
            throw Malformed();
        }
    }

    private static PaypalErrorException Malformed() =>
        PaypalErrors.InvalidRequest(new ErrorDetail("MALFORMED_REQUEST_JSON", Location: "body"));

    public static JsonObject RenderLocked(EmulatorState state, string kind, string id) => kind switch
    {
        "order" => Render.Order(state, state.Orders[id]),
        "authorization" => Render.Authorization(state, state.Authorizations[id]),
        "capture" => Render.Capture(state, state.Captures[id]),
        "refund" => Render.Refund(state, state.Refunds[id]),
        _ => throw new InvalidOperationException($"unknown kind {kind}"),
    };

    private static Task WriteAsync(HttpContext http, EmulatorState state, Outcome outcome, bool representation)
    {
        JsonObject rendered;
        lock (state.Sync)
        {
            rendered = RenderLocked(state, outcome.Kind, outcome.Id);
        }

        return WriteRenderedAsync(http, outcome, rendered, representation);
    }

    private static Task WriteRenderedAsync(HttpContext http, Outcome outcome, JsonObject rendered, bool representation)
    {
        if (!representation && outcome.NoContentWhenMinimal)
        {
            http.Response.StatusCode = StatusCodes.Status204NoContent;
            return Task.CompletedTask;
        }

        var full = representation || outcome.Body is not null || HttpMethods.IsGet(http.Request.Method);
        var body = full ? rendered : Render.Minimal(rendered);
        return Results.Text(body.ToJsonString(Json.Options), "application/json", statusCode: outcome.Status).ExecuteAsync(http);
    }
}

/// <summary>
/// PayPal's sandbox negative testing: <c>PayPal-Mock-Response: {"mock_application_codes": "INSTRUMENT_DECLINED"}</c>
/// forces the error PayPal documents for that issue on this operation (its status and description), and nothing is
/// executed. A code PayPal does not list for the operation is refused (400), as is a header that is not that JSON.
/// </summary>
internal static class MockResponse
{
    public static void Throw(string? header, string operation)
    {
        if (string.IsNullOrWhiteSpace(header))
        {
            return;
        }

        string? code;
        try
        {
            using var doc = JsonDocument.Parse(header);
            code = doc.RootElement.ValueKind == JsonValueKind.Object
                && doc.RootElement.TryGetProperty("mock_application_codes", out var value)
                && value.ValueKind == JsonValueKind.String
                    ? value.GetString()
                    : null;
        }
        catch (JsonException)
        {
            code = null;
        }

        if (string.IsNullOrEmpty(code))
        {
            throw PaypalErrors.InvalidRequest(new ErrorDetail("INVALID_PARAMETER_SYNTAX", "PayPal-Mock-Response", header, "header",
                "The value of a field does not conform to the expected format."));
        }

        switch (code)
        {
            case "INTERNAL_SERVER_ERROR":
                throw PaypalErrors.Internal();
            case "RATE_LIMIT_REACHED":
                throw PaypalErrors.RateLimited();
        }

        if (IssueTable.StatusOf(operation, code) is not { } status)
        {
            throw PaypalErrors.InvalidRequest(new ErrorDetail("INVALID_PARAMETER_VALUE", "PayPal-Mock-Response", header, "header",
                $"{code} is not an issue PayPal documents for {operation}."));
        }

        throw PaypalErrors.ForIssue(status, new ErrorDetail(code));
    }
}
