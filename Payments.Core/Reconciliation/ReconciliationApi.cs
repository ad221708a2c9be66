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
public sealed class ReconciliationApi(RequestAuthenticator auth, Reconciler reconciler, FindingStore findings)
{
    public static void Map(IEndpointRouteBuilder api)
    {
        api.MapPost("/reconciliation/runs", (ReconciliationApi a, HttpRequest r, CancellationToken ct) => a.Run(r, ct)).WithName("RunReconciliation");
        api.MapGet("/reconciliation/findings", (ReconciliationApi a, HttpRequest r, CancellationToken ct) => a.ListFindings(r, ct)).WithName("ListReconciliationFindings");
    }

    public Task<IResult> Run(HttpRequest request, CancellationToken ct) => Api.Run(request, async () =>
    {
        await auth.AuthenticateAdminAsync(request, ct);
        JsonBody.RequireNone(request);
        return TypedResults.Ok(await reconciler.RunOnceAsync(ct));
    });

    /// <summary><c>?status=open</c> (default) or <c>resolved</c>, <c>limit</c> 1-100 (20), <c>continuation</c> from the previous page.</summary>
    public Task<IResult> ListFindings(HttpRequest request, CancellationToken ct) => Api.Run(request, async () =>
    {
        await auth.AuthenticateAdminAsync(request, ct);
        var open = request.Query["status"].ToString() switch
        {
            "" or "open" => true,
            "resolved" => false,
            _ => throw ApiErrors.Validation("status", "status is open or resolved.").ToException(),
        };
        var page = await findings.ListAsync(open, Limit(request), Continuation(request), ct);
        return TypedResults.Ok(new { data = page.Items.Select(FindingView.From), continuation = page.Continuation });
    });

    private static int Limit(HttpRequest request)
    {
        var raw = request.Query["limit"].ToString();
        if (raw.Length == 0)
            return 20;
        return int.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out var limit) && limit is >= 1 and <= 100
            ? limit
            : throw ApiErrors.Validation("limit", "limit is 1 to 100.").ToException();
    }

    private static string? Continuation(HttpRequest request)
    {
        var raw = request.Query["continuation"].ToString();
        if (raw.Length == 0)
            return null;
        try
        {
            _ = System.Buffers.Text.Base64Url.DecodeFromChars(raw);
            return raw;
        }
        catch (FormatException)
        {
            throw ApiErrors.Validation("continuation", "continuation is the token a previous page returned.").ToException();
        }
    }
}
