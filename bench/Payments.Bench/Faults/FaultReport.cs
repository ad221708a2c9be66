using System.Globalization;
using System.Text;

namespace Payments.Bench.Faults;

/// <summary>How a campaign ran: its options, the faults it caused, and how long each phase took.</summary>
internal sealed record CampaignRun(
    FaultOptions Options,
    MachineFacts Machine,
    DateTimeOffset Started,
    TimeSpan Drive,
    bool Quiet,
    TimeSpan QuietWait,
    TimeSpan Total,
    IReadOnlyList<Incident> Incidents,
    ProxyCounts Tables,
    ProxyCounts Blobs,
    ProxyCounts Stripe,
    IReadOnlyDictionary<string, int> ClientRetries,
    object Delivery,
    IReadOnlyList<string> RetryDelays,
    string Logs);

/// <summary>The campaign's Markdown report: the setup, the faults injected, then the figures, the dead letters and each anomaly.</summary>
internal static class FaultReport
{
    public static string Render(CampaignRun run, Tally tally)
    {
        var o = run.Options;
        var md = new StringBuilder();
        void Line(string text = "") => md.Append(text).Append('\n');

        Line("# Fault campaign");
        Line();
        Line(Inv($"{run.Started:yyyy-MM-dd HH:mm} UTC, commit {run.Machine.Commit}, {run.Machine.Cores} cores, load average at start {run.Machine.LoadAverage}. "));
        Line(Inv($"Scale: **{o.Checkouts:N0} store checkouts, {o.Purchases:N0} purchases and {o.Invoices:N0} group invoices** (deadline {o.InvoiceDeadline.TotalSeconds:0} s), {o.Concurrency} shoppers in flight, seed {o.Seed}. "));
        Line(Inv($"Shoppers {run.Drive.TotalSeconds:0} s, then quiet after {run.QuietWait.TotalSeconds:0} s{(run.Quiet ? "" : " (**not quiet: the timeout ran out**)")}; {run.Total.TotalMinutes:0.0} min in all."));
        Line();
        Line(tally.AllOk && run.Quiet
            ? "**Verdict: nothing lost, nothing doubled** — every figure with an expected value has it."
            : "**Verdict: NOT clean** — see the figures marked ✗ and the anomalies below.");
        Line();
        Line("## Faults injected");
        Line();
        Line("| fault | how | count |");
        Line("| --- | --- | --- |");
        Line(Inv($"| storage calls failing | proxy in front of Azurite (tables, blobs): {o.FaultPercent} % of requests, half answered `503 ServerBusy` without reaching Azurite, half forwarded and done but the connection dropped before the answer | tables {Faults(run.Tables)}; blobs {Faults(run.Blobs)} |"));
        Line(Inv($"| Stripe calls failing | proxy in front of the emulator for the Host's Stripe calls: {o.FaultPercent} % of requests, half answered `500 api_error` before forwarding, half forwarded and done but the connection dropped before the answer | {Faults(run.Stripe)} |"));
        Line(Inv($"| webhooks duplicated, shuffled, delayed | the emulator's delivery control `{System.Text.Json.JsonSerializer.Serialize(run.Delivery)}` | see *events* below |"));
        foreach (var i in run.Incidents.OrderBy(i => i.At))
            Line(Inv($"| {i.What} | at {i.At:HH:mm:ss} | {i.Lasted.TotalSeconds:0.0} s |"));
        Line();
        Line(Inv($"The Host ran with `Webhooks:RedeliverAfter` 20 s, `Webhooks:SweepInterval` 5 s, `Queues:RetryDelays` {string.Join(", ", run.RetryDelays)}, "));
        Line("`Stripe:MaxNetworkRetries` 2 (the default); Azure SDK retries at their defaults. The shoppers retried what said \"try again\" with the same body and key: " +
            (run.ClientRetries.Count == 0 ? "none." : string.Join(", ", run.ClientRetries.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => Inv($"{kv.Key}: {kv.Value:N0}"))) + "."));
        Line();

        foreach (var section in tally.Sections)
        {
            Line($"## {section.Title}");
            Line();
            Line("| figure | value | expected | |");
            Line("| --- | ---: | ---: | --- |");
            foreach (var f in section.Figures)
                Line($"| {f.What} | {f.Value} | {f.Expected} | {(f.Ok switch { true => "✓", false => "✗", null => "" })} |");
            Line();
        }

        Line("## Dead letters");
        Line();
        if (tally.DeadLetters.Count == 0)
        {
            Line("None.");
        }
        else
        {
            Line("| queue | message id | type | reason | description |");
            Line("| --- | --- | --- | --- | --- |");
            foreach (var d in tally.DeadLetters)
                Line($"| {d.Queue} | `{d.MessageId}` | {d.Subject} | {d.Reason} | {Cell(d.Description)} |");
        }
        Line();
        Line("## Anomalies");
        Line();
        if (tally.Problems.Count == 0)
            Line("None.");
        foreach (var p in tally.Problems.Take(60))
            Line($"- {Cell(p)}");
        if (tally.Problems.Count > 60)
            Line(Inv($"- … and {tally.Problems.Count - 60} more"));
        Line();
        Line($"Process logs (not committed): `{run.Logs}`.");
        return md.ToString();
    }

    private static string Faults(ProxyCounts c) => Inv($"{c.Requests:N0} requests, {c.Refused:N0} refused, {c.ResponseLost:N0} answers lost");

    private static string Cell(string text) => text.Replace("|", "\\|", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);

    private static string Inv(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
