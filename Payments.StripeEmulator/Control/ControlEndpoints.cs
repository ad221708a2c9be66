namespace Payments.StripeEmulator;

/// <summary>Body of <c>POST /_emulator/payment_methods/{id}/decline</c>.</summary>
internal sealed record DeclineRequest(string? Code, string? DeclineCode, string? Message);

/// <summary>Body of <c>POST /_emulator/faults</c>. <c>Count</c> defaults to 1.</summary>
internal sealed record FaultRequest(string? Method, string? PathPrefix, int? Status, int? Count, string? Message);

/// <summary>
/// Test and demo controls, outside /v1 and without authentication: make a saved card decline,
/// inject failures, read the request log, reset everything.
/// </summary>
internal static class ControlEndpoints
{
    public static void Map(WebApplication app)
    {
        var control = app.MapGroup("/_emulator");
        control.MapPost("/payment_methods/{id}/decline", SetDecline);
        control.MapDelete("/payment_methods/{id}/decline", ClearDecline);
        control.MapPost("/faults", AddFault);
        control.MapGet("/faults", (EmulatorState state) => Results.Ok(state.Faults.Snapshot()));
        control.MapDelete("/faults", (EmulatorState state) =>
        {
            state.Faults.Clear();
            return Results.NoContent();
        });
        control.MapGet("/requests", (EmulatorState state) => Results.Ok(state.Requests.Snapshot()));
        control.MapDelete("/requests", (EmulatorState state) =>
        {
            state.Requests.Clear();
            return Results.NoContent();
        });
        control.MapPost("/reset", (EmulatorState state) =>
        {
            state.Reset();
            return Results.NoContent();
        });
    }

    private static IResult SetDecline(string id, DeclineRequest? request, EmulatorState state)
    {
        var decline = CardDecline.FromCodes(request?.Code, request?.DeclineCode);
        if (!string.IsNullOrEmpty(request?.Message))
        {
            decline = decline with { Message = request.Message };
        }

        lock (state.Sync)
        {
            if (!state.PaymentMethodInfo.TryGetValue(id, out var info))
            {
                return Results.NotFound(new { error = $"No such PaymentMethod: '{id}'" });
            }

            info.DeclineOverride = decline;
            return Results.Ok(new { id, decline });
        }
    }

    private static IResult ClearDecline(string id, EmulatorState state)
    {
        lock (state.Sync)
        {
            if (!state.PaymentMethodInfo.TryGetValue(id, out var info))
            {
                return Results.NotFound(new { error = $"No such PaymentMethod: '{id}'" });
            }

            info.DeclineOverride = null;
            return Results.Ok(new { id, decline = (CardDecline?)null });
        }
    }

    private static IResult AddFault(FaultRequest request, EmulatorState state)
    {
        var status = request.Status ?? StatusCodes.Status500InternalServerError;
        if (status is < 400 or > 599)
        {
            return Results.BadRequest(new { error = "status must be an HTTP error status (400-599)" });
        }

        var fault = new Fault(request.Method, request.PathPrefix, status, Math.Max(1, request.Count ?? 1), request.Message);
        state.Faults.Add(fault);
        return Results.Ok(fault);
    }
}
