using System.Diagnostics;
using System.Globalization;
using System.Text;
using Payments.Core.Webhooks;

namespace Payments.Bench;

/// <summary>One request: the event it carried, when it left (wall clock), how long until the answer, and the status (0: no answer).</summary>
internal readonly record struct Sent(string EventId, DateTimeOffset SentAt, double IntakeMs, int Status);

internal sealed record LoadResult(IReadOnlyList<Sent> Requests, TimeSpan Wall, DateTimeOffset Started, DateTimeOffset Finished)
{
    public double EventsPerSecond => Requests.Count / Wall.TotalSeconds;
    public int Non200 => Requests.Count(r => r.Status != 200);
}

/// <summary>
/// Closed loop: a fixed number of workers, each sending its next event as soon as the previous one is
/// answered. Each event is signed just before it is sent.
/// </summary>
internal sealed class LoadDriver(HttpClient http, string webhookSecret, string paymentIntentId)
{
    public async Task<LoadResult> RunAsync(Uri url, int count, int concurrency, CancellationToken ct)
    {
        var requests = new Sent[count];
        var next = -1;
        var started = DateTimeOffset.UtcNow;
        var wall = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
                requests[i] = await SendOneAsync(url, ct);
        }, ct)));
        wall.Stop();
        return new LoadResult(requests, wall.Elapsed, started, DateTimeOffset.UtcNow);
    }

    private async Task<Sent> SendOneAsync(Uri url, CancellationToken ct)
    {
        var id = "evt_bench_" + Guid.NewGuid().ToString("n");
        var body = Encoding.UTF8.GetBytes(EventJson(id, paymentIntentId));
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new("application/json");
        var sentAt = DateTimeOffset.UtcNow;
        request.Headers.TryAddWithoutValidation("Stripe-Signature", StripeSignature.Sign(body, webhookSecret, sentAt));
        var start = Stopwatch.GetTimestamp();
        int status;
        try
        {
            // Buffers the whole answer, so the time includes reading it.
            using var response = await http.SendAsync(request, ct);
            status = (int)response.StatusCode;
        }
        catch (HttpRequestException)
        {
            status = 0;
        }
        return new Sent(id, sentAt, Stopwatch.GetElapsedTime(start).TotalMilliseconds, status);
    }

    /// <summary>
    /// A payment_intent.succeeded event as Stripe sends it (the shape of the tests' WebhookTestKit.EventJson), its object
    /// trimmed to the fields that matter here: Stripe always includes the intent's metadata, empty for this intent, which
    /// is what proves it none of ours without a read (Purchases' PaymentIntentRelevance).
    /// </summary>
    public static string EventJson(string id, string paymentIntentId) =>
        "{\"id\":\"" + id + "\",\"object\":\"event\",\"api_version\":\"2026-10-28.endive\",\"created\":" +
        DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture) +
        ",\"livemode\":false,\"pending_webhooks\":1,\"request\":{\"id\":null,\"idempotency_key\":null},\"type\":\"payment_intent.succeeded\"," +
        "\"data\":{\"object\":{\"id\":\"" + paymentIntentId + "\",\"object\":\"payment_intent\",\"status\":\"succeeded\",\"metadata\":{}}}}";
}

internal static class Percentiles
{
    /// <summary>Nearest rank; NaN for no samples.</summary>
    public static double Of(IReadOnlyList<double> sorted, double percent) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(percent / 100 * sorted.Count) - 1, 0, sorted.Count - 1)];

    public static Summary Summarize(IEnumerable<double> samples)
    {
        var sorted = samples.Order().ToArray();
        return new Summary(sorted.Length, Of(sorted, 50), Of(sorted, 99), sorted.Length == 0 ? double.NaN : sorted[^1]);
    }
}

internal readonly record struct Summary(int Count, double P50, double P99, double Max);
