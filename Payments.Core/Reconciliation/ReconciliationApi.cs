using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Payments.Core.Http;

namespace Payments.Core.Reconciliation;

public sealed record FindingView(
    string Kind, string ObjectType, string ObjectId, string? Part, string Ours, string Stripe, string Detail, string Status,
    DateTimeOffset FirstSeen, DateTimeOffset LastSeen, DateTimeOffset? ResolvedAt, string? RepairedBy)
{
    public static FindingView From(Finding f) => new(f.Kind, f.ObjectType, f.ObjectId, f.Part, f.Ours, f.Stripe, f.Detail,
        f.IsOpen ? "open" : "resolved", f.FirstSeen, f.LastSeen, f.ResolvedAt, f.RepairedBy);
}

/// <summary>Admins: run the reconciler now, and read its findings.</summary>
public sealed class ReconciliationApi(Reconciler reconciler, FindingStore findings)
{
    public static void Map(IEndpointRouteBuilder api)
    {
        api.MapPost("/reconciliation/runs", (ReconciliationApi a, NoBody none, CancellationToken ct) => a.Run(ct)).WithName("RunReconciliation").ForAdmins();
        api.MapGet("/reconciliation/findings", (ReconciliationApi a, [FromQuery] string? status, [AsParameters] PageQuery page, CancellationToken ct) =>
            a.ListFindings(status, page, ct)).WithName("ListReconciliationFindings").ForAdmins();
    }

    public async Task<Ok<ReconciliationSummary>> Run(CancellationToken ct) => TypedResults.Ok(await reconciler.RunOnceAsync(ct));

    /// <summary><c>?status=open</c> (default) or <c>resolved</c>, <c>limit</c> 1-100 (20), <c>continuation</c> from the previous page.</summary>
    public async Task<Ok<Page<FindingView>>> ListFindings(string? status, PageQuery query, CancellationToken ct)
    {
        var open = status switch
        {
            null or "" or "open" => true,
            "resolved" => false,
            _ => throw ApiErrors.Validation("status", "status is open or resolved.").ToException(),
        };
        var page = await findings.ListAsync(open, query.CheckedLimit(), query.CheckedContinuation(), ct);
        return TypedResults.Ok(Listing.Page(page.Items.Select(FindingView.From), page.Continuation));
    }
}
