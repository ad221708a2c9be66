using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Payments.StandIns.Common.Webhooks;

namespace Payments.StandIns.Common.Control;

/// <summary>Body of <c>POST /_emulator/clock/advance</c>; fractions of a second are allowed.</summary>
public sealed record AdvanceClockRequest(double? Seconds);

/// <summary>
/// The <c>/_emulator</c> routes both emulators serve alike (outside their API, without authentication). Handlers take
/// the emulator's services from the request rather than as parameters: ASP.NET Core's route analyzer fails (AD0001)
/// on handler parameters whose type is a type parameter.
/// </summary>
public static class ControlRoutes
{
    /// <summary><c>GET</c> <paramref name="pattern"/> lists the entries, oldest first; <c>DELETE</c> empties the list.</summary>
    public static void MapSnapshotList<TState, T>(this IEndpointRouteBuilder control, string pattern, Func<TState, SnapshotList<T>> list)
        where TState : class
    {
        control.MapGet(pattern, (HttpContext http) => Results.Ok(list(Service<TState>(http)).Snapshot()));
        control.MapDelete(pattern, (HttpContext http) =>
        {
            list(Service<TState>(http)).Clear();
            return Results.NoContent();
        });
    }

    /// <summary>
    /// <c>GET /clock</c>, <c>POST /clock/advance</c> (<c>{"seconds": n}</c>), <c>/clock/freeze</c> and
    /// <c>/clock/unfreeze</c>, each answering <paramref name="status"/> (its shape is the emulator's).
    /// </summary>
    /// <param name="advanced">What the emulator does at once after time is advanced (what its provider does in the background by then).</param>
    public static void MapClock<TState>(
        this IEndpointRouteBuilder control, Func<TState, EmulatorClock> clock, Func<EmulatorClock, object> status, Action<TState>? advanced = null)
        where TState : class
    {
        control.MapGet("/clock", (HttpContext http) => Results.Ok(status(clock(Service<TState>(http)))));
        control.MapPost("/clock/advance", (AdvanceClockRequest request, HttpContext http) =>
        {
            // Up to about 300 years, far below TimeSpan's range.
            if (request.Seconds is not (> 0 and < 1e10))
            {
                return Results.BadRequest(new { error = "seconds must be a positive number (fractions allowed)" });
            }

            var state = Service<TState>(http);
            clock(state).Advance(TimeSpan.FromSeconds(request.Seconds.Value));
            advanced?.Invoke(state);
            return Results.Ok(status(clock(state)));
        });
        control.MapPost("/clock/freeze", (HttpContext http) =>
        {
            var now = clock(Service<TState>(http));
            now.Freeze();
            return Results.Ok(status(now));
        });
        control.MapPost("/clock/unfreeze", (HttpContext http) =>
        {
            var now = clock(Service<TState>(http));
            now.Unfreeze();
            return Results.Ok(status(now));
        });
    }

    /// <summary>
    /// <c>POST /webhook_delivery/flush</c>: waits until every queued delivery is done (delivered or given up);
    /// <c>?timeoutMs=</c>, default and at most 30 s. 200 <c>{pending: 0}</c>; 409 while paused; 504 on timeout.
    /// </summary>
    public static void MapWebhookFlush<TDeliverer>(this IEndpointRouteBuilder control)
        where TDeliverer : class, IWebhookDeliveries
    {
        control.MapPost("/webhook_delivery/flush", async (HttpContext http, int? timeoutMs) =>
        {
            var timeout = TimeSpan.FromMilliseconds(Math.Clamp(timeoutMs ?? 30_000, 0, 30_000));
            var (pending, paused) = await Service<TDeliverer>(http).FlushAsync(timeout, http.RequestAborted);
            if (pending == 0)
            {
                return Results.Ok(new { pending });
            }

            return Results.Json(
                new { pending, paused, error = paused ? "deliveries are paused" : "deliveries still pending after the timeout" },
                statusCode: paused ? StatusCodes.Status409Conflict : StatusCodes.Status504GatewayTimeout);
        });
    }

    private static T Service<T>(HttpContext http)
        where T : notnull => http.RequestServices.GetRequiredService<T>();
}
