using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;

namespace Payments.Core.Telemetry;

/// <summary>
/// Counts and times every request a provider's HttpClient sends (each retry counted), tagged with the operation and
/// what the answer means to us (<c>network_error</c> when none came): <c>payments.stripe.calls</c>, <c>payments.paypal.calls</c>.
/// </summary>
public abstract class MeasuredCalls(Counter<long> calls, Histogram<double> duration) : DelegatingHandler
{
    protected abstract string Operation(HttpRequestMessage request);

    protected abstract string Outcome(HttpStatusCode status);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var operation = Operation(request);
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

    private void Record(string operation, string outcome, long started)
    {
        KeyValuePair<string, object?>[] tags = [new("operation", operation), new("outcome", outcome)];
        calls.Add(1, tags);
        duration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, tags);
    }
}
