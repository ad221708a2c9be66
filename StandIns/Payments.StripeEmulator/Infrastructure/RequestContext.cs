using System.Text;

namespace Payments.StripeEmulator;

/// <summary>Per-request facts the /v1 middleware establishes for handlers and filters.</summary>
internal static class RequestContext
{
    private const string RequestIdItem = "emulator.request_id";
    private const string ApiKeyItem = "emulator.api_key";
    private const string ReplayedItem = "emulator.replayed";

    public static string RequestId(HttpContext http) => http.Items[RequestIdItem] as string ?? "";

    public static string ApiKey(HttpContext http) => http.Items[ApiKeyItem] as string ?? "";

    public static bool Replayed(HttpContext http) => http.Items.ContainsKey(ReplayedItem);

    public static void MarkReplayed(HttpContext http) => http.Items[ReplayedItem] = true;

    public static void Begin(HttpContext http, string requestId)
    {
        http.Items[RequestIdItem] = requestId;
        http.Response.Headers["Request-Id"] = requestId;
    }

    /// <summary>
    /// Checks the secret key as Stripe does: Bearer (what the SDKs send) or Basic with the key as
    /// user name (what <c>curl -u sk_test_...:</c> sends). Any <c>sk_test_</c> key is accepted.
    /// </summary>
    public static void Authenticate(HttpContext http)
    {
        var header = http.Request.Headers.Authorization.ToString();
        string? key = null;
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            key = header["Bearer ".Length..].Trim();
        }
        else if (header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header["Basic ".Length..].Trim()));
                key = decoded.Split(':')[0];
            }
            catch (FormatException)
            {
                key = "";
            }
        }

        if (string.IsNullOrEmpty(key))
        {
            throw StripeErrors.Authentication(
                "You did not provide an API key. You need to provide your API key in the Authorization header, " +
                "using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication " +
                "for details, or we can help at https://support.stripe.com/.");
        }

        if (!key.StartsWith("sk_test_", StringComparison.Ordinal))
        {
            throw StripeErrors.Authentication($"Invalid API Key provided: {Redact(key)}");
        }

        http.Items[ApiKeyItem] = key;
    }

    private static string Redact(string key) =>
        key.Length <= 12 ? new string('*', key.Length) : key[..Math.Min(8, key.Length - 4)] + new string('*', key.Length - 12) + key[^4..];
}
