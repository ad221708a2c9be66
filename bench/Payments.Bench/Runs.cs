using System.Collections.Concurrent;
using System.Diagnostics;
using Payments.Core.Webhooks;
using Payments.Core.Messaging;

namespace Payments.Bench;

/// <summary>What the Host did with the events of one measured run, read back from its inbox.</summary>
internal sealed record HostOutcome(
    int Handled,
    int Failed,
    int NotHandled,
    bool TimedOut,
    Summary HandledMs,
    Summary SendToEnqueuedMs,
    Summary EnqueuedToProcessedMs,
    double HandledPerSecond,
    TimeSpan DrainAfterLastAnswer,
    double HandledPerSecondWhileDraining);

internal sealed record RunResult(
    string Target,
    int Concurrency,
    LoadResult Load,
    Summary IntakeMs,
    IReadOnlyDictionary<string, double> CpuSeconds,
    TimeSpan CpuWindow,
    HostOutcome? Host,
    HostCounts? Counts = null);

internal static class Runs
{
    public const string BaselineName = "Baseline: bare Kestrel, signature check only";
    public const string HostName = "Host: POST /api/stripe/webhook";

    public static async Task<RunResult> BaselineAsync(LoadDriver driver, BaselineServer server, int events, int warmup, int concurrency, CancellationToken ct)
    {
        // A measured baseline run lasts a fraction of a second, so warm it up with at least as many events
        // as it measures, and give tiered compilation a moment to finish.
        await driver.RunAsync(server.WebhookUrl, Math.Max(warmup, events), concurrency, ct);
        await SettleAsync(ct);
        var before = CpuSnapshot.Take();
        var load = await driver.RunAsync(server.WebhookUrl, events, concurrency, ct);
        var cpu = CpuSnapshot.Take().Since(before);
        return new RunResult(BaselineName, concurrency, load, Percentiles.Summarize(load.Requests.Select(r => r.IntakeMs)), cpu, load.Wall, null);
    }

    /// <summary>How long after the last event is handled the counts keep running: its message's completion comes after.</summary>
    private static readonly TimeSpan CountingTail = TimeSpan.FromSeconds(1);

    public static async Task<RunResult> HostAsync(
        LoadDriver driver, HostUnderTest host, BenchBroker broker, InProcessCounter counter,
        int events, int warmup, int concurrency, TimeSpan drainTimeout, CancellationToken ct)
    {
        if (warmup > 0)
        {
            await driver.RunAsync(host.WebhookUrl, warmup, concurrency, ct);
            if (!await WaitUntilHandledAsync(host, drainTimeout, ct))
                throw new InvalidOperationException("The Host did not handle the warm-up events in time.");
        }
        await SettleAsync(ct);
        var serviceBusBefore = await broker.OperationsAsync(ct);
        counter.Start();
        var before = CpuSnapshot.Take();
        var window = Stopwatch.StartNew();
        var load = await driver.RunAsync(host.WebhookUrl, events, concurrency, ct);
        var drained = await WaitUntilHandledAsync(host, drainTimeout, ct);
        window.Stop();
        var cpu = CpuSnapshot.Take().Since(before);
        await Task.Delay(CountingTail, ct);
        var tally = counter.Stop();
        var counts = new HostCounts(tally, HostCounts.Difference(serviceBusBefore, await broker.OperationsAsync(ct)));

        var rows = new ConcurrentDictionary<string, InboxEvent>();
        await Parallel.ForEachAsync(load.Requests, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = ct }, async (r, token) =>
        {
            if (await OwnTraffic.RunAsync(() => host.Inbox.FindAsync(r.EventId, token)) is { } found)
                rows[r.EventId] = found.Event;
        });

        var handled = load.Requests
            .Select(r => (Sent: r, Row: rows.GetValueOrDefault(r.EventId)))
            .Where(x => x.Row is { Status: InboxStatus.Processed, ProcessedAt: not null })
            .Select(x => (x.Sent, Row: x.Row!))
            .ToList();
        var lastProcessed = handled.Count == 0 ? load.Finished : handled.Max(x => x.Row.ProcessedAt!.Value);
        var drain = lastProcessed > load.Finished ? lastProcessed - load.Finished : TimeSpan.Zero;
        var outcome = new HostOutcome(
            handled.Count,
            rows.Values.Count(r => r.Status == InboxStatus.Failed),
            load.Requests.Count - handled.Count,
            !drained,
            Percentiles.Summarize(handled.Select(x => (x.Row.ProcessedAt!.Value - x.Sent.SentAt).TotalMilliseconds)),
            Percentiles.Summarize(handled.Where(x => x.Row.EnqueuedAt is not null).Select(x => (x.Row.EnqueuedAt!.Value - x.Sent.SentAt).TotalMilliseconds)),
            Percentiles.Summarize(handled.Where(x => x.Row.EnqueuedAt is not null).Select(x => (x.Row.ProcessedAt!.Value - x.Row.EnqueuedAt!.Value).TotalMilliseconds)),
            handled.Count / (lastProcessed - load.Started).TotalSeconds,
            drain,
            drain > TimeSpan.FromMilliseconds(500) ? handled.Count(x => x.Row.ProcessedAt > load.Finished) / drain.TotalSeconds : double.NaN);
        return new RunResult(HostName, concurrency, load, Percentiles.Summarize(load.Requests.Select(r => r.IntakeMs)), cpu, window.Elapsed, outcome, counts);
    }

    /// <summary>
    /// Done when no inbox row is still waiting for its handler (processed or failed), or false at the
    /// deadline. Reads one row of the inbox's pending index, so the check costs the run it measures little.
    /// </summary>
    private static async Task<bool> WaitUntilHandledAsync(HostUnderTest host, TimeSpan timeout, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (!await OwnTraffic.RunAsync(() => host.Inbox.AnyPendingAsync(ct)))
                return true;
            await Task.Delay(100, ct);
        }
        return false;
    }

    private static async Task SettleAsync(CancellationToken ct)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        await Task.Delay(500, ct);
    }
}
