using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Payments.Core.Http;

namespace Payments.Core.Health;

/// <summary>The body of both probes: <c>live</c>, <c>ready</c> or <c>not_ready</c>, and for readiness each dependency.</summary>
public sealed record HealthResponse(
    string Status,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    IReadOnlyList<HealthCheck>? Checks = null);

/// <summary>
/// Probes for platforms and operators, anonymous and cheap (no token, no Stripe call): <c>live</c> says the
/// process answers; <c>ready</c> says it can take work, 503 naming what is down. The Host maps these routes;
/// each Azure Function calls one method.
/// </summary>
public sealed class HealthApi(Readiness readiness)
{
    public static void Map(IEndpointRouteBuilder api)
    {
        var health = api.MapGroup("/health");
        health.MapGet("/live", () => Live()).WithName("Live").ForAnyone("a probe: no input, no data");
        health.MapGet("/ready", (HealthApi a, CancellationToken ct) => a.Ready(ct)).WithName("Ready").ForAnyone("a probe: no input; names dependencies, never secrets")
            .Produces<HealthResponse>(StatusCodes.Status503ServiceUnavailable);
    }

    public static Ok<HealthResponse> Live() => TypedResults.Ok(new HealthResponse("live"));

    public async Task<Results<Ok<HealthResponse>, JsonHttpResult<HealthResponse>>> Ready(CancellationToken ct)
    {
        var checks = await readiness.CheckAsync(ct);
        return checks.All(c => c.Up)
            ? TypedResults.Ok(new HealthResponse("ready", checks))
            : TypedResults.Json(new HealthResponse("not_ready", checks), statusCode: StatusCodes.Status503ServiceUnavailable);
    }
}
