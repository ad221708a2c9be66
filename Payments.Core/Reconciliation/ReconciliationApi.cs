using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
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
        api.MapPost("/reconciliation/runs", (ReconciliationApi a, HttpRequest r, CancellationToken ct) => a.Run(r, ct)).WithName("RunReconciliation").ForAdmins();
        api.MapGet("/reconciliation/findings", (ReconciliationApi a, HttpRequest r, CancellationToken ct) => a.ListFindings(r, ct)).WithName("ListReconciliationFindings").ForAdmins();
    }

    public Task<IResult> Run(HttpRequest request, CancellationToken ct) => Api.Run(request, async () =>
    {
        JsonBody.RequireNone(request);
        return TypedResults.Ok(await reconciler.RunOnceAsync(ct));
    });

    /// <summary><c>?status=open</c> (default) or <c>resolved</c>, <c>limit</c> 1-100 (20), <c>continuation</c> from the previous page.</summary>
    public Task<IResult> ListFindings(HttpRequest request, CancellationToken ct) => Api.Run(request, async () =>
    {
        var open = request.Query["status"].ToString() switch
        {
            "" or "open" => true,
            "resolved" => false,
            _ => throw ApiErrors.Validation("status", "status is open or resolved.").ToException(),
        };
        var page = await findings.ListAsync(open, Paging.Limit(request), Paging.Continuation(request), ct);
        return TypedResults.Ok(new { data = page.Items.Select(FindingView.From), continuation = page.Continuation });
    });
}
