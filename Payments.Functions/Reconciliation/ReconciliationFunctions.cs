using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Payments.Core.Http;
using Payments.Core.Reconciliation;

namespace Payments.Functions.Reconciliation;

/// <summary>The reconciler: one function per route of <see cref="ReconciliationApi.Map"/>, plus its timer.</summary>
public sealed class ReconciliationFunctions(ReconciliationApi api, Reconciler reconciler)
{
    [Function("RunReconciliation")]
    public async Task<IResult> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "reconciliation/runs")] HttpRequest req,
        CancellationToken ct)
    {
        req.NoBody();
        return await api.Run(ct);
    }

    [Function("ListReconciliationFindings")]
    public async Task<IResult> ListFindings(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "reconciliation/findings")] HttpRequest req,
        CancellationToken ct) =>
        await api.ListFindings(req.Query("status"), req.Page(), ct);

    /// <summary>Hourly by default; the schedule is the app setting ReconciliationSchedule.</summary>
    [Function("ReconciliationTimer")]
    public Task RunOnSchedule([TimerTrigger("%ReconciliationSchedule%")] TimerInfo timer, CancellationToken ct) =>
        reconciler.RunOnceAsync(ct);
}
