using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Payments.Core.Health;

namespace Payments.Functions.Health;

/// <summary>The probes: one function per route of <see cref="HealthApi.Map"/>, anonymous like every function (see HealthApi).</summary>
public sealed class HealthFunctions(HealthApi health)
{
    [Function("Live")]
    public static IResult Live(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "health/live")] HttpRequest req) => HealthApi.Live();

    [Function("Ready")]
    public async Task<IResult> Ready(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "health/ready")] HttpRequest req,
        CancellationToken ct) =>
        await health.Ready(ct);
}
