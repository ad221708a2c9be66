using System.Net;
using System.Text.RegularExpressions;
using Payments.Core.Telemetry;

namespace Payments.Core.Stripe;

/// <summary>
/// <c>payments.stripe.calls</c> and <c>payments.stripe.call.duration</c>: every request Stripe.net sends (retries
/// included, each counted) by operation (method and path with ids as <c>{id}</c>) and by what Stripe's answer
/// means to us: <c>ok</c>, <c>card_error</c> (402), <c>invalid_request</c> (other 4xx), <c>conflict</c> (409: an
/// idempotency key in use), <c>rate_limited</c> (429), <c>server_error</c> (5xx) or <c>network_error</c> (no answer).
/// </summary>
public sealed partial class StripeCallMetrics() : MeasuredCalls(PaymentsTelemetry.StripeCalls, PaymentsTelemetry.StripeCallDuration)
{
    protected override string Operation(HttpRequestMessage request) => $"{request.Method.Method} {Operation(request.RequestUri)}";

    protected override string Outcome(HttpStatusCode status) => OutcomeOf(status);

    public static string OutcomeOf(HttpStatusCode status) => (int)status switch
    {
        < 400 => "ok",
        402 => "card_error",
        409 => "conflict",
        429 => "rate_limited",
        < 500 => "invalid_request",
        _ => "server_error",
    };

    /// <summary>The path with every object id (<c>pi_…</c>, <c>cus_…</c>, <c>evt_…</c>) as <c>{id}</c>, so operations stay few.</summary>
    public static string Operation(Uri? uri) =>
        uri is null ? "unknown" : ObjectId().Replace(uri.AbsolutePath, "/{id}");

    // Stripe's ids are a lowercase prefix, an underscore and a random part holding digits or capitals (pi_3QxY…);
    // resource names (payment_intents, setup_intents) are lowercase words only, and so are the few fixed test
    // tokens (pm_card_visa), which keep their name: they are not many.
    [GeneratedRegex("/[a-z]+_(?=[A-Za-z0-9_]*[A-Z0-9])[A-Za-z0-9_]+(?=/|$)")]
    private static partial Regex ObjectId();
}
