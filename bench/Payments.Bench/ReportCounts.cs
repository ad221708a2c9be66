using System.Globalization;
using System.Text;
using Payments.ServiceBusBroker;

namespace Payments.Bench;

/// <summary>The report's counted parts: the summary beside the baseline, operations per event, cost per million events, prices.</summary>
internal static class ReportCounts
{
    public static void Summary(StringBuilder md, IReadOnlyList<RunResult> runs, int instanceMemoryMb)
    {
        var hostRuns = runs.Where(r => r.Host is not null && r.Counts is not null).ToList();
        if (hostRuns.Count == 0)
            return;
        md.AppendLine("## Summary").AppendLine();
        md.AppendLine("| In flight | Intake events/s (baseline) | Intake p50 / p99 ms (baseline) | Handled p99 | Drain after the last answer | CPU per event | Storage ops per event | Service Bus ops per event | Stripe reads per handled event | Cost per million events |");
        md.AppendLine("|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|");
        foreach (var r in hostRuns)
        {
            var baseline = runs.FirstOrDefault(b => b.Host is null && b.Concurrency == r.Concurrency);
            var c = r.Counts!;
            var events = r.Load.Requests.Count;
            var cost = CostPerMillion.Of(c, events, instanceMemoryMb);
            var storage = c.StorageRequests(StorageKinds.Table) + c.StorageRequests(StorageKinds.Blob);
            var serviceBus = Range(Per(c.ServiceBusBilled(batchAsOne: false), events), Per(c.ServiceBusBilled(batchAsOne: true), events), "0.00");
            md.AppendLine(CultureInfo.InvariantCulture,
                $"| {r.Concurrency} | {r.Load.EventsPerSecond:#,0} ({(baseline is null ? "–" : baseline.Load.EventsPerSecond.ToString("#,0", CultureInfo.InvariantCulture))}) | " +
                $"{Report.Ms(r.IntakeMs.P50)} / {Report.Ms(r.IntakeMs.P99)} ({(baseline is null ? "–" : $"{Report.Ms(baseline.IntakeMs.P50)} / {Report.Ms(baseline.IntakeMs.P99)}")}) | " +
                $"{Seconds(r.Host!.HandledMs.P99)} | {r.Host.DrainAfterLastAnswer.TotalSeconds:0.0} s | {Report.Ms(OursCpuMs(r) / events)} ms | " +
                $"{Per(storage, events):0.00} | {serviceBus} | {Per(c.StripeCalls(reads: true), r.Host.Handled):0.00} | " +
                $"{Range((double)cost.Total, (double)cost.LowerTotal, "$0.00")} |");
        }
        md.AppendLine();
        md.AppendLine("Beside the baseline (bare Kestrel, signature check only) at the same concurrency. CPU per event: this .NET process, the broker and Azurite together " +
                      "(not the rest of the machine). Storage, Service Bus and Stripe: counted, not estimated (see *Operations per event*). Two figures (upper–lower) " +
                      "where billing is not settled by what we measured: see *Cost per million events*.").AppendLine();
    }

    public static void Operations(StringBuilder md, IReadOnlyList<RunResult> runs)
    {
        var hostRuns = runs.Where(r => r.Counts is not null).ToList();
        if (hostRuns.Count == 0)
            return;
        md.AppendLine("## Operations per event").AppendLine();
        md.AppendLine("| What | " + string.Join(" | ", hostRuns.Select(r => $"{r.Concurrency} in flight")) + " |");
        md.AppendLine("|---|" + string.Concat(hostRuns.Select(_ => "--:|")));

        void Row(string what, Func<RunResult, string> cell) =>
            md.AppendLine("| " + what + " | " + string.Join(" | ", hostRuns.Select(cell)) + " |");
        void Section(string title) => md.AppendLine("| **" + title + "** |" + string.Concat(hostRuns.Select(_ => " |")));
        string PerEvent(RunResult r, long n) => Per(n, r.Load.Requests.Count).ToString("0.00", CultureInfo.InvariantCulture);

        foreach (var service in new[] { StorageKinds.Table, StorageKinds.Blob })
        {
            var kinds = hostRuns.SelectMany(r => r.Counts!.Tally.Storage.Keys).Where(k => k.Service == service).Select(k => k.Kind).Distinct().Order().ToList();
            Section(service == StorageKinds.Table ? "Table Storage requests" : "Blob Storage requests");
            foreach (var kind in kinds)
                Row(kind, r => PerEvent(r, r.Counts!.Tally.Storage.Where(kv => kv.Key.Service == service && kv.Key.Kind == kind).Sum(kv => kv.Value)));
            Row("all", r => PerEvent(r, r.Counts!.StorageRequests(service)));
        }
        Row("storage requests answered 4xx/5xx or not at all (in the rows above)", r => PerEvent(r, r.Counts!.StorageFailed));

        Section("Service Bus operations (at the broker)");
        var operations = hostRuns.SelectMany(r => r.Counts!.ServiceBusByOperation.Keys).Distinct().Order(StringComparer.Ordinal).ToList();
        foreach (var operation in operations)
            Row(HostCounts.Protocol.Contains(operation) ? $"{operation} (protocol, not priced)" : operation,
                r => PerEvent(r, r.Counts!.ServiceBusByOperation.GetValueOrDefault(operation)));
        Row("billable, a batch per message", r => PerEvent(r, r.Counts!.ServiceBusBilled(batchAsOne: false)));
        Row("billable, a batch as one", r => PerEvent(r, r.Counts!.ServiceBusBilled(batchAsOne: true)));

        Section("Stripe requests (the Host's payments.stripe.calls)");
        var calls = hostRuns.SelectMany(r => r.Counts!.Tally.Stripe.Keys).Distinct().OrderBy(k => k.Operation, StringComparer.Ordinal).ThenBy(k => k.Outcome, StringComparer.Ordinal).ToList();
        foreach (var call in calls)
            Row($"{call.Operation} ({call.Outcome})", r => PerEvent(r, r.Counts!.Tally.Stripe.GetValueOrDefault(call)));
        Row("reads (GET)", r => PerEvent(r, r.Counts!.StripeCalls(reads: true)));
        Row("writes (POST, DELETE)", r => PerEvent(r, r.Counts!.StripeCalls(reads: false)));

        Section("Functions executions (as Azure Functions would count them)");
        Row("webhook (HTTP trigger)", r => PerEvent(r, r.Counts!.Tally.Webhook.Count));
        Row("Service Bus trigger", r => PerEvent(r, r.Counts!.Tally.Triggers.Count));
        Row("webhook execution, mean ms", r => Report.Ms(r.Counts!.Tally.Webhook.MeanMs));
        Row("Service Bus trigger execution, mean ms", r => Report.Ms(r.Counts!.Tally.Triggers.MeanMs));
        Row("execution time, ms per event (sum of all executions)", r => Report.Ms(r.Counts!.ExecutionTime.TotalMilliseconds / r.Load.Requests.Count));
        Row("busy time, ms per event (at least one execution running)", r => Report.Ms(r.Counts!.Tally.BusyTime.TotalMilliseconds / r.Load.Requests.Count));
        md.AppendLine();
        md.AppendLine("Per event sent, from the first measured send until 1 s after the last event was handled (the last completions come after). " +
                      "Storage: every HTTP request the Host sent to Azurite, retries included (each is a transaction on the bill), by what the request is; " +
                      "the benchmark's own reads (waiting for the drain, reading the inbox back) are left out. Service Bus: the broker's own counts " +
                      "(StandIns/Payments.ServiceBusBroker/README.md, *Operation counts*): per message sent, delivered (prefetched ones included), settled, renewed, scheduled. " +
                      "Stripe: every request Stripe.net sent, retries included, by operation and answer. Executions: the webhook's requests (Kestrel's " +
                      "`http.server.request.duration`) and the dispatcher's `process` spans (one per message handled), with the time they ran here, " +
                      "on loopback against Azurite and the emulator.").AppendLine();
    }

    public static void Costs(StringBuilder md, IReadOnlyList<RunResult> runs, int instanceMemoryMb)
    {
        var hostRuns = runs.Where(r => r.Counts is not null).ToList();
        if (hostRuns.Count == 0)
            return;
        var costs = hostRuns.Select(r => CostPerMillion.Of(r.Counts!, r.Load.Requests.Count, instanceMemoryMb)).ToList();
        md.AppendLine("## Cost per million events").AppendLine();
        md.AppendLine("| US dollars per million events | " + string.Join(" | ", hostRuns.Select(r => $"{r.Concurrency} in flight")) + " |");
        md.AppendLine("|---|" + string.Concat(hostRuns.Select(_ => "--:|")));
        void Row(string what, Func<CostPerMillion, decimal> cell, bool bold = false) =>
            md.AppendLine("| " + (bold ? $"**{what}**" : what) + " | " + string.Join(" | ", costs.Select(c => (bold ? $"**{Usd(cell(c))}**" : Usd(cell(c))))) + " |");
        Row("Functions: executions", c => c.Executions);
        Row($"Functions: execution time, {instanceMemoryMb} MB × the sum of the executions' durations", c => c.ExecutionTime);
        Row("Table Storage: transactions", c => c.Table);
        Row("Blob Storage: operations", c => c.Blob);
        Row("Service Bus: operations, a batch counted per message", c => c.ServiceBus);
        Row("Total (upper)", c => c.Total, bold: true);
        Row($"Functions: execution time, {instanceMemoryMb} MB × one instance's busy time", c => c.ExecutionTimeBusy);
        Row("Service Bus: operations, a batch counted as one", c => c.ServiceBusBatchAsOne);
        Row("Total (lower: busy time, a batch as one)", c => c.LowerTotal, bold: true);
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"""
            How it is counted (prices and sources below):

            - **Functions executions**: one per webhook request and one per Service Bus trigger invocation, counted above; Flex Consumption on demand, the monthly free grant (250,000 executions, 100,000 GB-s) left out.
            - **Functions execution time**: Flex Consumption bills the instance's memory ({instanceMemoryMb} MB, infra/main.bicep `instanceMemoryMB`) for the time the instance executes anything, not the memory used. *Upper*: every execution's duration added up, as if each ran alone on an instance (events arriving one at a time). *Lower*: the time at least one execution was running in this one process, as one instance taking all of them would be billed (executions overlapping). The durations are this machine's, on loopback: in Azure every storage call is a network round trip of milliseconds and the Stripe GET tens to hundreds, each adding execution time: every 100 ms more per event costs {Usd(CostPerMillion.Per100MsOfExecution(instanceMemoryMb))} per million events at {instanceMemoryMb} MB.
            - **Table Storage**: one transaction per request; an entity group transaction (`$batch`) is one, whatever it holds (Microsoft's statement, cited below). Failed requests are priced like the others (Azure bills most of them).
            - **Service Bus Standard**: the broker's billable counts (sends, deliveries, settlements, lock renewals, schedules) at the 13M–100M tier. Microsoft does not say whether a batch send is one operation or one per message: *upper* counts each message, *lower* each batch. The base charge (about $10 a month, 13M operations included) is not per event and is left out.
            - Not counted: Stripe's own fees, Application Insights, bandwidth, storage capacity, the Functions host's own storage traffic.
            """).AppendLine();
    }

    public static void Prices(StringBuilder md)
    {
        md.AppendLine(CultureInfo.InvariantCulture, $"## Prices (read {AzurePrices.ReadOn}; bench/Payments.Bench/AzurePrices.cs)").AppendLine();
        md.AppendLine("| Meter | US dollars | Per | Source | Note |");
        md.AppendLine("|---|--:|---|---|---|");
        foreach (var p in AzurePrices.All)
            md.AppendLine(CultureInfo.InvariantCulture, $"| {p.Meter} | {p.Usd} | {p.Per:#,0} {p.Unit} | {p.Source} | {p.Note} |");
        md.AppendLine();
        md.AppendLine("Pay-as-you-go list prices. Azure's pricing pages fill in their amounts by script; the amounts are the Azure Retail Prices API's meters as public documents " +
                      "quote them, and may have changed since the date above: check the pages before relying on them (bench/README.md, *Cost per million events*).").AppendLine();
    }

    private static double OursCpuMs(RunResult r) =>
        r.CpuSeconds.Where(kv => kv.Key != CpuSnapshot.Others).Sum(kv => kv.Value) * 1000;

    private static double Per(long n, int events) => events == 0 ? double.NaN : (double)n / events;

    private static string Range(double upper, double lower, string format) =>
        Math.Abs(upper - lower) < 0.005
            ? upper.ToString(format, CultureInfo.InvariantCulture)
            : $"{upper.ToString(format, CultureInfo.InvariantCulture)}–{lower.ToString(format, CultureInfo.InvariantCulture)}";

    private static string Seconds(double ms) =>
        double.IsNaN(ms) ? "–" : ms < 1000 ? $"{ms.ToString("0", CultureInfo.InvariantCulture)} ms" : $"{(ms / 1000).ToString("0.0", CultureInfo.InvariantCulture)} s";

    private static string Usd(decimal usd) =>
        "$" + (usd == 0 ? "0" : usd < 0.01m ? usd.ToString("0.0000", CultureInfo.InvariantCulture) : usd.ToString("0.00", CultureInfo.InvariantCulture));
}
