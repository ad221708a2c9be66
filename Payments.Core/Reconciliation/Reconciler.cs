using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Payments.Core.Invoices;
using Payments.Core.Purchases;

namespace Payments.Core.Reconciliation;

/// <param name="Checked">Objects compared with Stripe in this run.</param>
/// <param name="Opened">Findings seen for the first time (or again after being resolved).</param>
/// <param name="Repaired">Findings this run's repairs made go away.</param>
/// <param name="StillOpen">Findings seen in this run that are still there after any repair: for an admin.</param>
/// <param name="Resolved">Open findings of the objects compared that no longer differ, with no repair of ours.</param>
/// <param name="Failed">Objects whose comparison or repair failed (Stripe or storage); the next run tries them again.</param>
/// <param name="Complete">Both passes reached their end; false when the page limit stopped one (the next run resumes it).</param>
public sealed record ReconciliationSummary(
    string RunId, DateTimeOffset StartedAt, DateTimeOffset FinishedAt, int Checked, int Opened, int Repaired, int StillOpen, int Resolved, int Failed, bool Complete);

/// <summary>
/// Compares every purchase and group invoice written within the window (and every object with an open
/// finding) with Stripe, a page at a time from a cursor, and turns each difference into a finding: the safe kinds are repaired and compared
/// again at once, the rest stay open for an admin and are logged as errors. Running it again updates
/// the same findings; nothing here moves money except voiding a hold an ended invoice must not keep.
/// </summary>
public sealed partial class Reconciler(
    PurchaseStore purchases, InvoiceStore invoices, PurchaseCheck purchaseCheck, InvoiceCheck invoiceCheck, FindingStore findings,
    ReconciliationCursorStore cursor, IOptions<ReconciliationOptions> options, TimeProvider clock, ILogger<Reconciler> logger)
{
    private sealed class Tally
    {
        public int Checked, Opened, Repaired, StillOpen, Resolved, Failed;
        public readonly HashSet<string> Seen = new(StringComparer.Ordinal);
    }

    public async Task<ReconciliationSummary> RunOnceAsync(CancellationToken ct)
    {
        var started = clock.GetUtcNow();
        var tally = new Tally();
        var purchasesDone = await WalkAsync("purchases", async (since, token, c) =>
        {
            var page = await purchases.ListTouchedSinceAsync(since, options.Value.PageSize, token, c);
            return (page.Items.Select(p => ((IObjectCheck)purchaseCheck, p.Id)).ToList(), page.Continuation);
        }, tally, ct);
        var invoicesDone = await WalkAsync("invoices", async (since, token, c) =>
        {
            var (ids, next) = await invoices.ListTouchedSinceAsync(since, options.Value.PageSize, token, c);
            return (ids.Select(id => ((IObjectCheck)invoiceCheck, id)).ToList(), next);
        }, tally, ct);
        // Objects with open findings are compared again even when nobody wrote them within the window,
        // so a finding is resolved once Stripe and we agree again (say an admin fixed it by hand).
        var findingsDone = await WalkAsync("open-findings", async (_, token, c) =>
        {
            var page = await findings.ListAsync(open: true, options.Value.PageSize, token, c);
            var objects = new List<(IObjectCheck, string)>();
            foreach (var finding in page.Items)
                if (CheckFor(finding.ObjectType) is { } check)
                    objects.Add((check, finding.ObjectId));
            return (objects, page.Continuation);
        }, tally, ct);

        var summary = new ReconciliationSummary(Ids.New("rec"), started, clock.GetUtcNow(), tally.Checked, tally.Opened, tally.Repaired,
            tally.StillOpen, tally.Resolved, tally.Failed, purchasesDone && invoicesDone && findingsDone);
        await cursor.RecordRunAsync(summary, ct);
        LogRun(logger, summary.Checked, summary.Opened, summary.Repaired, summary.StillOpen, summary.Resolved, summary.Failed, summary.Complete);
        return summary;
    }

    /// <summary>
    /// One source's pass: resumed from the cursor's page, or a new pass over the window; the cursor is
    /// moved after each page. True when the pass reached its end (or another run is walking it).
    /// </summary>
    private async Task<bool> WalkAsync(
        string source, Func<DateTimeOffset, string?, CancellationToken, Task<(List<(IObjectCheck Check, string Id)> Objects, string? Continuation)>> page,
        Tally tally, CancellationToken ct)
    {
        var state = await cursor.ReadAsync(source, ct);
        var (since, token) = state is { Continuation: { } resume } ? (state.Since, resume) : (clock.GetUtcNow() - options.Value.Window, (string?)null);
        var etag = state?.ETag;
        for (var pages = 0; pages < options.Value.MaxPagesPerRun; pages++)
        {
            var (objects, next) = await page(since, token, ct);
            foreach (var (check, id) in objects)
                await ReconcileAsync(check, id, tally, ct);
            etag = await cursor.TryAdvanceAsync(source, since, next, etag, ct);
            if (etag is null || next is null)
                return true;
            token = next;
        }
        return false;
    }

    private IObjectCheck? CheckFor(string objectType) => objectType switch
    {
        ObjectTypes.Purchase => purchaseCheck,
        ObjectTypes.Invoice => invoiceCheck,
        _ => null,
    };

    /// <summary>Compare, record, repair what is safe, compare again, record the outcome. Failures stay with this object.</summary>
    private async Task ReconcileAsync(IObjectCheck check, string id, Tally tally, CancellationToken ct)
    {
        var type = check.ObjectType;
        // Once per run, whichever source names it first.
        if (!tally.Seen.Add($"{type}:{id}"))
            return;
        try
        {
            var before = await check.CompareAsync(id, ct);
            var after = before;
            if (before.Any(d => FindingKinds.RepairOf(type, d.Kind) is not null))
            {
                await check.RepairAsync(id, before, ct);
                after = await check.CompareAsync(id, ct);
            }

            var now = clock.GetUtcNow();
            var stillThere = after.Select(Key).ToHashSet(StringComparer.Ordinal);
            foreach (var gone in before.Where(d => !stillThere.Contains(Key(d))))
            {
                var repair = FindingKinds.RepairOf(type, gone.Kind);
                if (await findings.ObserveAsync(type, id, gone, now, repair, ct))
                    tally.Opened++;
                if (repair is null)
                {
                    // Not ours to repair, yet gone by the second look (a request or event finished meanwhile).
                    if (await findings.ResolveAsync(type, id, gone.Kind, gone.Part, now, ct))
                        tally.Resolved++;
                    continue;
                }
                tally.Repaired++;
                LogRepaired(logger, gone.Kind, type, id, gone.Part, gone.Ours, gone.Stripe, repair);
            }
            foreach (var open in after)
            {
                if (await findings.ObserveAsync(type, id, open, now, null, ct))
                    tally.Opened++;
                tally.StillOpen++;
                LogOpen(logger, open.Kind, type, id, open.Part, open.Ours, open.Stripe, open.Detail);
            }
            var seen = before.Concat(after).Select(Key).ToHashSet(StringComparer.Ordinal);
            foreach (var stale in (await findings.ListForObjectAsync(type, id, ct)).Where(f => f.IsOpen && !seen.Contains(Key(f.Kind, f.Part))))
                if (await findings.ResolveAsync(type, id, stale.Kind, stale.Part, now, ct))
                    tally.Resolved++;
            tally.Checked++;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            tally.Failed++;
            LogFailed(logger, ex, type, id);
        }
    }

    private static string Key(Difference d) => Key(d.Kind, d.Part);

    private static string Key(string kind, string? part) => $"{kind}:{part}";

    [LoggerMessage(EventId = 7001, Level = LogLevel.Error,
        Message = "Reconciliation: {Kind} on {ObjectType} {ObjectId} ({Part}): ours {Ours}, Stripe's {Stripe}; left for an admin. {Detail}")]
    private static partial void LogOpen(ILogger logger, string kind, string objectType, string objectId, string? part, string ours, string stripe, string detail);

    [LoggerMessage(EventId = 7002, Level = LogLevel.Warning,
        Message = "Reconciliation: {Kind} on {ObjectType} {ObjectId} ({Part}) repaired by {Repair}: ours was {Ours}, Stripe's {Stripe}")]
    private static partial void LogRepaired(ILogger logger, string kind, string objectType, string objectId, string? part, string ours, string stripe, string repair);

    [LoggerMessage(EventId = 7003, Level = LogLevel.Error, Message = "Reconciling {ObjectType} {ObjectId} failed; the next run tries again")]
    private static partial void LogFailed(ILogger logger, Exception ex, string objectType, string objectId);

    [LoggerMessage(EventId = 7004, Level = LogLevel.Information,
        Message = "Reconciliation run: {Checked} checked, {Opened} opened, {Repaired} repaired, {StillOpen} still open, {Resolved} resolved, {Failed} failed, complete {Complete}")]
    private static partial void LogRun(ILogger logger, int @checked, int opened, int repaired, int stillOpen, int resolved, int failed, bool complete);
}
