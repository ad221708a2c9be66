namespace Payments.FunctionsHostStandIn;

/// <summary>
/// Forwards to the worker as the host's proxy does (Microsoft.Azure.WebJobs.Script.Grpc.RetryProxyHandler):
/// a request that fails to reach the worker, e.g. refused while the worker's HTTP server is still
/// starting, is sent again, up to 10 tries, 50 ms apart at first, doubling to at most 250 ms.
/// Anything other than a failure to send is not retried.
/// </summary>
public sealed class WorkerProxyRetry(HttpMessageHandler inner, Action<string> log) : DelegatingHandler(inner)
{
    public const int MaxTries = 10;
    public static readonly TimeSpan FirstDelay = TimeSpan.FromMilliseconds(50);
    public static readonly TimeSpan LongestDelay = TimeSpan.FromMilliseconds(250);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var delay = FirstDelay;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await base.SendAsync(request, cancellationToken);
            }
            catch (HttpRequestException ex) when (attempt < MaxTries)
            {
                log($"[stand-in] could not reach the worker for {request.Method} {request.RequestUri?.AbsolutePath} (try {attempt} of {MaxTries}); trying again in {delay.TotalMilliseconds:0} ms: {ex.Message}");
                await Task.Delay(delay, cancellationToken);
                delay = delay * 2 < LongestDelay ? delay * 2 : LongestDelay;
            }
        }
    }
}
