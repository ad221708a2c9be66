using System.Net;
using Payments.Core.Telemetry;

namespace Payments.Core.Paypal;

/// <summary>
/// <c>payments.paypal.calls</c> and <c>payments.paypal.call.duration</c>: every request sent to PayPal (each retry
/// counted) by operation (ours, such as <c>orders.capture</c>, set on the request by the client) and by what the
/// answer means to us: <c>ok</c>, <c>invalid_request</c> (400 and other 4xx), <c>unauthorized</c> (401),
/// <c>not_found</c> (404), <c>conflict</c> (409), <c>unprocessable</c> (422: PayPal's business refusals such as
/// <c>INSTRUMENT_DECLINED</c>), <c>rate_limited</c> (429), <c>server_error</c> (5xx) or <c>network_error</c> (no answer).
/// </summary>
public sealed class PaypalCallMetrics() : MeasuredCalls(PaymentsTelemetry.PaypalCalls, PaymentsTelemetry.PaypalCallDuration)
{
    /// <summary>The operation's name, set by the caller on each request.</summary>
    public static readonly HttpRequestOptionsKey<string> OperationKey = new("payments.paypal.operation");

    protected override string Operation(HttpRequestMessage request) =>
        request.Options.TryGetValue(OperationKey, out var named) ? named : $"{request.Method.Method} {request.RequestUri?.AbsolutePath}";

    protected override string Outcome(HttpStatusCode status) => OutcomeOf(status);

    public static string OutcomeOf(HttpStatusCode status) => (int)status switch
    {
        < 400 => "ok",
        401 => "unauthorized",
        404 => "not_found",
        409 => "conflict",
        422 => "unprocessable",
        429 => "rate_limited",
        < 500 => "invalid_request",
        _ => "server_error",
    };
}
