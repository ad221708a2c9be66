using System.Text;

namespace Payments.StripeEmulator;

/// <summary>Per-request facts the /v1 middleware establishes for handlers and filters.</summary>
internal static class RequestContext
{
    private const string RequestIdItem = "emulator.request_id";
    private const string ApiKeyItem = "emulator.api_key";
    private const string ReplayedItem = "emulator.replayed";
    private const string PublishableItem = "emulator.publishable";

    public static string RequestId(HttpContext http) => http.Items[RequestIdItem] as string ?? "";

    public static string ApiKey(HttpContext http) => http.Items[ApiKeyItem] as string ?? "";

    public static bool Replayed(HttpContext http) => http.Items.ContainsKey(ReplayedItem);

    /// <summary>The request was made with a publishable key (what Stripe.js sends), not a secret one.</summary>
    public static bool Publishable(HttpContext http) => http.Items.ContainsKey(PublishableItem);

    public static void MarkReplayed(HttpContext http) => http.Items[ReplayedItem] = true;

    public static void Begin(HttpContext http, string requestId)
    {
        http.Items[RequestIdItem] = requestId;
        http.Response.Headers["Request-Id"] = requestId;
    }

    /// <summary>
    /// Checks the API key as Stripe does: Bearer (what the SDKs send), Basic with the key as user name
    /// (what <c>curl -u sk_test_...:</c> sends), or, with no Authorization header, the <c>key</c> parameter
    /// (what Stripe.js sends with its publishable key, in the form body or the query string; it is taken
    /// out of the parameters, as it is no parameter of the endpoint). Any <c>sk_test_</c> key is accepted, and
    /// any <c>pk_test_</c> key for the few endpoints a browser may call (<see cref="PublishableKeys"/>).
    /// </summary>
    public static async Task AuthenticateAsync(HttpContext http)
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
        else if (string.IsNullOrEmpty(header))
        {
            var p = await StripeParams.ForRequestAsync(http);
            if (p.Root.Remove("key", out var value))
            {
                key = value as string ?? "";
            }
        }

        if (string.IsNullOrEmpty(key))
        {
            throw StripeErrors.Authentication(
                "You did not provide an API key. You need to provide your API key in the Authorization header, " +
                "using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication " +
                "for details, or we can help at https://support.stripe.com/.");
        }

        if (key.StartsWith("pk_test_", StringComparison.Ordinal))
        {
            http.Items[PublishableItem] = true;
            PublishableKeys.EnsureAllowed(http);
        }
        else if (!key.StartsWith("sk_test_", StringComparison.Ordinal))
        {
            throw StripeErrors.Authentication($"Invalid API Key provided: {Redact(key)}");
        }

        http.Items[ApiKeyItem] = key;
    }

    private static string Redact(string key) =>
        key.Length <= 12 ? new string('*', key.Length) : key[..Math.Min(8, key.Length - 4)] + new string('*', key.Length - 12) + key[^4..];
}
