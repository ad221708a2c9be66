using System.Globalization;
using System.Text;

namespace Payments.Bench;

/// <summary>The Markdown the run prints and writes to bench/results/latest.md.</summary>
internal static class Report
{
    public static string Render(BenchOptions options, MachineFacts machine, IReadOnlyList<string> hostSettings, IReadOnlyList<RunResult> runs, int instanceMemoryMb, TimeSpan total)
    {
        var md = new StringBuilder();
        md.AppendLine("# Webhook intake benchmark").AppendLine();
        if (options.Note is { } note)
            md.AppendLine(CultureInfo.InvariantCulture, $"> **{note}**").AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"Run {machine.Date:yyyy-MM-dd HH:mm} UTC, {total.TotalSeconds:0} s in all (`./bench/run.sh {string.Join(' ', Arguments(options))}`).").AppendLine();

        ReportCounts.Summary(md, runs, instanceMemoryMb);
        Requests(md, runs);
        WhereTheTimeGoes(md, runs);
        Cpu(md, runs, machine);
        ReportCounts.Operations(md, runs);
        ReportCounts.Costs(md, runs, instanceMemoryMb);
        ReportCounts.Prices(md);
        Parameters(md, options, machine, hostSettings);
        return md.ToString();
    }

    private static void Requests(StringBuilder md, IReadOnlyList<RunResult> runs)
    {
        md.AppendLine("## Requests").AppendLine();
        md.AppendLine("| Target | In flight | Events | Events/s | Intake p50 | Intake p99 | Intake max | Handled p50 | Handled p99 | Handled max | Handled | Non-200 |");
        md.AppendLine("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|");
        foreach (var r in runs)
        {
            var h = r.Host;
            md.AppendLine(CultureInfo.InvariantCulture,
                $"| {r.Target} | {r.Concurrency} | {r.Load.Requests.Count} | {r.Load.EventsPerSecond:#,0} | {Ms(r.IntakeMs.P50)} | {Ms(r.IntakeMs.P99)} | {Ms(r.IntakeMs.Max)} | " +
                $"{(h is null ? "–" : Ms(h.HandledMs.P50))} | {(h is null ? "–" : Ms(h.HandledMs.P99))} | {(h is null ? "–" : Ms(h.HandledMs.Max))} | " +
                $"{(h is null ? "–" : $"{h.Handled}/{r.Load.Requests.Count}")} | {r.Load.Non200} |");
        }
        md.AppendLine();
        md.AppendLine("Events/s: events ÷ wall time of the sending phase (closed loop: that many requests in flight, the next sent as one is answered). " +
                      "Intake: send → answer, on the client. Handled: the client's send time → the inbox row's `ProcessedAt` (same machine, same clock). Times in ms.").AppendLine();
    }

    private static void WhereTheTimeGoes(StringBuilder md, IReadOnlyList<RunResult> runs)
    {
        var hostRuns = runs.Where(r => r.Host is not null).ToList();
        if (hostRuns.Count == 0)
            return;
        md.AppendLine("## Host: where the time goes").AppendLine();
        md.AppendLine("| In flight | Send → enqueued p50 / p99 | Enqueued → processed p50 / p99 | Handled/s (first send → last processed) | Drain after last answer | Handled/s while draining | Failed | Not handled |");
        md.AppendLine("|--:|--:|--:|--:|--:|--:|--:|--:|");
        foreach (var r in hostRuns)
        {
            var h = r.Host!;
            md.AppendLine(CultureInfo.InvariantCulture,
                $"| {r.Concurrency} | {Ms(h.SendToEnqueuedMs.P50)} / {Ms(h.SendToEnqueuedMs.P99)} | {Ms(h.EnqueuedToProcessedMs.P50)} / {Ms(h.EnqueuedToProcessedMs.P99)} | " +
                $"{h.HandledPerSecond:#,0} | {h.DrainAfterLastAnswer.TotalSeconds:0.0} s | {(double.IsNaN(h.HandledPerSecondWhileDraining) ? "–" : h.HandledPerSecondWhileDraining.ToString("#,0", CultureInfo.InvariantCulture))} | {h.Failed} | {h.NotHandled}{(h.TimedOut ? " (timed out)" : "")} |");
        }
        md.AppendLine();
        md.AppendLine("Enqueued: the inbox row's `EnqueuedAt` (stamped when the row is made, before the send). Enqueued → processed: the send, waiting on the queue, delivery, " +
                      "the handler's Stripe GET and the inbox updates. Handled/s while draining: events handled after the last answer ÷ the drain " +
                      "(the processors alone, no intake competing; – when the drain was under 0.5 s).").AppendLine();
    }

    private static void Cpu(StringBuilder md, IReadOnlyList<RunResult> runs, MachineFacts machine)
    {
        md.AppendLine("## CPU per event").AppendLine();
        var labels = runs.SelectMany(r => r.CpuSeconds.Keys).Distinct().Where(l => l != CpuSnapshot.Others)
            .OrderBy(l => l == CpuSnapshot.DotNet ? "" : l, StringComparer.Ordinal).ToList();
        md.AppendLine("| Target | In flight | Window | " + string.Join(" | ", labels) + " | Total | Cores busy | Other processes | Other processes (cores) |");
        md.AppendLine("|---|--:|--:|" + string.Concat(labels.Select(_ => "--:|")) + "--:|--:|--:|--:|");
        foreach (var r in runs)
        {
            var ours = labels.Sum(l => r.CpuSeconds.GetValueOrDefault(l));
            var others = r.CpuSeconds.TryGetValue(CpuSnapshot.Others, out var o) ? Math.Max(0, o) : double.NaN;
            var n = r.Load.Requests.Count;
            var cells = string.Join(" | ", labels.Select(l => Ms(r.CpuSeconds.GetValueOrDefault(l) * 1000 / n)));
            md.AppendLine(CultureInfo.InvariantCulture,
                $"| {(r.Host is null ? "Baseline" : "Host")} | {r.Concurrency} | {r.CpuWindow.TotalSeconds:0.00} s | {cells} | {Ms(ours * 1000 / n)} | {ours / r.CpuWindow.TotalSeconds:0.00} of {machine.Cores} | " +
                $"{Ms(others * 1000 / n)} | {(double.IsNaN(others) ? "–" : (others / r.CpuWindow.TotalSeconds).ToString("0.00", CultureInfo.InvariantCulture))} |");
        }
        md.AppendLine();
        md.AppendLine("CPU milliseconds per event, from /proc, over the sending phase (Host: until the last event was handled). " +
                      "The .NET process holds the load client, the Host, its Service Bus processors and the Stripe emulator; broker: the local Service Bus broker's process. " +
                      "Total and cores busy are ours (these processes); other processes: what the rest of the machine used meanwhile, per event and in cores: " +
                      "anything well above 0 means the run was disturbed.").AppendLine();
    }

    private static void Parameters(StringBuilder md, BenchOptions options, MachineFacts machine, IReadOnlyList<string> hostSettings)
    {
        md.AppendLine("## Machine and parameters").AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"- Date: {machine.Date:yyyy-MM-dd HH:mm:ss} UTC; commit {machine.Commit}");
        md.AppendLine(CultureInfo.InvariantCulture, $"- CPU: {machine.Cores} cores ({machine.Cpu}); memory {machine.Memory}; {machine.Os}; load average before the run {machine.LoadAverage}");
        md.AppendLine(CultureInfo.InvariantCulture, $"- .NET: SDK {machine.Sdk}, {machine.Runtime}, {machine.GcMode} GC, Release build");
        md.AppendLine(CultureInfo.InvariantCulture, $"- Azurite {machine.Azurite} on Node {machine.Node}, in memory: {BenchStorage.Describe(options.Azurite)}; a fresh one for every Host run");
        md.AppendLine("- Service Bus: the local broker (StandIns/Payments.ServiceBusBroker, AMQP 1.0 over loopback, in memory) as a process of its own, a fresh one for every Host run; the Host reaches it through Azure.Messaging.ServiceBus");
        md.AppendLine(CultureInfo.InvariantCulture, $"- Events per run: {options.Events} after a warm-up (Host: {options.Warmup} events, all handled before measuring; baseline: {Math.Max(options.Warmup, options.Events)} events), then a GC and a 0.5 s pause; in flight: {string.Join(", ", options.Concurrency)}");
        md.AppendLine("- Event: `payment_intent.succeeded` for one PaymentIntent in the emulator that is none of our purchases, ~300 bytes, a unique `evt_` id each, signed just before sending");
        md.AppendLine("- Client: one HttpClient (SocketsHttpHandler, HTTP/1.1, one connection per request in flight), in the same process as the Host");
        md.AppendLine(CultureInfo.InvariantCulture, $"- Host settings (besides storage and emulator endpoints; the rest are the Host's defaults): {string.Join(", ", hostSettings.Select(s => "`" + s + "`"))}");
    }

    private static IEnumerable<string> Arguments(BenchOptions o)
    {
        yield return $"--events {o.Events}";
        yield return $"--warmup {o.Warmup}";
        yield return $"--concurrency {string.Join(',', o.Concurrency)}";
        yield return $"--azurite {(o.Azurite == AzuriteLayout.Single ? "single" : "split")}";
        yield return "--targets " + string.Join(',', new[] { o.Baseline ? "baseline" : null, o.Host ? "host" : null }.OfType<string>());
        yield return $"--stripe-limits {o.StripeLimits}";
        foreach (var s in o.HostSettings)
            yield return $"--set {s}";
    }

    public static string Ms(double ms) =>
        double.IsNaN(ms) ? "–" : ms.ToString(ms < 10 ? "0.00" : ms < 100 ? "0.0" : "#,0", CultureInfo.InvariantCulture);
}
