using System.Diagnostics;
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
public sealed class PaypalCallMetrics : DelegatingHandler
{
    /// <summary>The operation's name, set by the caller on each request.</summary>
    public static readonly HttpRequestOptionsKey<string> OperationKey = new("payments.paypal.operation");

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var operation = request.Options.TryGetValue(OperationKey, out var named) ? named : $"{request.Method.Method} {request.RequestUri?.AbsolutePath}";
        var started = Stopwatch.GetTimestamp();
        try
        {
            var response = await base.SendAsync(request, cancellationToken);
            Record(operation, Outcome(response.StatusCode), started);
            return response;
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
            Record(operation, "network_error", started);
            throw;
        }
    }

    private static void Record(string operation, string outcome, long started)
    {
        KeyValuePair<string, object?>[] tags = [new("operation", operation), new("outcome", outcome)];
        PaymentsTelemetry.PaypalCalls.Add(1, tags);
        PaymentsTelemetry.PaypalCallDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, tags);
    }

    public static string Outcome(HttpStatusCode status) => (int)status switch
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
