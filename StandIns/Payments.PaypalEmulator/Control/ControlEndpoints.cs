using System.Text.Json.Nodes;
using Payments.StandIns.Common.Control;

namespace Payments.PaypalEmulator;

/// <summary>Body of <c>POST /_emulator/orders/{id}/approve</c>: the funding (default balance) and, optionally, who the payer is.</summary>
internal sealed record ApproveRequest(string? Funding, string? PayerId, string? Email, string? GivenName, string? Surname, string? CountryCode);

/// <summary>Body of <c>POST /_emulator/faults</c>. <c>Count</c> defaults to 1, <c>When</c> to <c>before</c>.</summary>
internal sealed record FaultRequest(string? Method, string? PathPrefix, int? Status, int? Count, string? When, int? DelayMs);

/// <summary>Body of <c>POST /_emulator/captures/{id}/next_refund</c>: <c>PENDING</c> (settled later) or <c>COMPLETED</c>.</summary>
internal sealed record NextRefundRequest(string? Status);

/// <summary>
/// Test and demo controls, outside the API and without authentication: play the payer (approve, cancel), let
/// time pass, settle what PayPal settles in the background (pending captures and refunds, reversals), inject
/// failures, read the request log and the webhook deliveries, reset. Changes emit the events PayPal would.
/// </summary>
internal static class ControlEndpoints
{
    public static void Map(WebApplication app)
    {
        var control = app.MapGroup("/_emulator");
        control.MapGet("/config", Config);
        control.MapGet("/root-ca.pem", (Certificates certificates) => Results.Text(certificates.RootPem, "application/x-pem-file"));
        control.MapGet("/orders", ListOrders);
        control.MapPost("/orders/{id}/approve", Approve);
        control.MapPost("/orders/{id}/cancel", Cancel);
        control.MapPost("/captures/{id}/complete", (string id, EmulatorState state) => OnCapture(state, id, c => Payments.CompletePending(state, c) ? Render.Capture(state, c) : null));
        control.MapPost("/captures/{id}/deny", (string id, EmulatorState state) => OnCapture(state, id, c => Payments.DenyPending(state, c) ? Render.Capture(state, c) : null));
        control.MapPost("/captures/{id}/reverse", (string id, EmulatorState state) => OnCapture(state, id, c => Payments.Reverse(state, c) is { } r ? Render.Refund(state, r) : null));
        control.MapPost("/captures/{id}/next_refund", NextRefund);
        control.MapPost("/refunds/{id}/complete", (string id, EmulatorState state) => SettleRefund(state, id, "COMPLETED"));
        control.MapPost("/refunds/{id}/fail", (string id, EmulatorState state) => SettleRefund(state, id, "FAILED"));
        control.MapPost("/refunds/{id}/cancel", (string id, EmulatorState state) => SettleRefund(state, id, "CANCELLED"));
        // Advancing runs at once what PayPal does in the background by then (authorizations lapse); the deliverer,
        // timing retries on this clock, wakes by itself whenever it moves.
        control.MapClock<EmulatorState>(
            s => s.Clock,
            clock => new { now = Ids.Time(clock.Now), unix = clock.Now.ToUnixTimeSeconds(), frozen = clock.Frozen },
            advanced: static s =>
            {
                lock (s.Sync)
                {
                    s.Sweep();
                }
            });
        control.MapPost("/tokens/expire", (EmulatorState state) => Results.Ok(new { expired = state.Tokens.ExpireAll() }));
        control.MapPost("/faults", AddFault);
        control.MapSnapshotList<EmulatorState, Fault>("/faults", s => s.Faults);
        control.MapSnapshotList<EmulatorState, RequestRecord>("/requests", s => s.Requests);
        control.MapGet("/webhook_delivery", (WebhookDeliverer webhooks) => DeliveryStatus(webhooks));
        control.MapPost("/webhook_delivery", (WebhookSettingsRequest? request, WebhookDeliverer webhooks) =>
            webhooks.Update(request ?? new WebhookSettingsRequest()) is { } problem
                ? Results.BadRequest(new { error = problem })
                : DeliveryStatus(webhooks));
        control.MapWebhookFlush<WebhookDeliverer>();
        control.MapGet("/webhook_deliveries", (WebhookDeliverer webhooks) => Results.Ok(webhooks.Deliveries()));
        control.MapGet("/webhook_events", (EmulatorState state) => Results.Ok(state.Events.Snapshot()));
        control.MapPost("/webhook_events/{id}/resend", (string id, EmulatorState state, WebhookDeliverer webhooks) =>
            state.Events.Find(id) is not { } evt ? Results.NotFound(new { error = $"No event {id}" })
            : webhooks.Resend(evt) ? Results.Ok(new { queued = id })
            : Results.Conflict(new { error = "No webhook URL is configured" }));
        control.MapPost("/reset", (EmulatorState state, WebhookDeliverer webhooks) =>
        {
            state.Reset();
            webhooks.Reset();
            return Results.NoContent();
        });
    }

    private static IResult Config(EmulatorState state, Certificates certificates, WebhookDeliverer webhooks) => Results.Ok(new
    {
        baseUrl = state.BaseUrl,
        clientId = state.Client.ClientId,
        appId = state.Client.AppId,
        tokenLifetimeSeconds = (long)state.Tokens.Lifetime.TotalSeconds,
        webhookId = webhooks.Settings.WebhookId,
        webhookUrl = webhooks.Settings.Url,
        certUrl = certificates.CertUrl(state.BaseUrl),
        leafCommonName = Certificates.LeafCommonName,
        orderLifetimeSeconds = state.Options.OrderLifetime.TotalSeconds,
    });

    private static IResult Rendered(JsonObject json) => Results.Text(json.ToJsonString(Json.Options), "application/json");

    private static IResult ListOrders(EmulatorState state)
    {
        lock (state.Sync)
        {
            var list = new JsonArray([.. state.Orders.Values.Select(o => (JsonNode)Render.Order(state, o))]);
            return Rendered(new JsonObject { ["data"] = list });
        }
    }

    private static IResult Approve(string id, ApproveRequest? request, EmulatorState state)
    {
        if (FundingNames.Parse(request?.Funding) is not { } funding)
        {
            return Results.BadRequest(new { error = $"funding is one of {string.Join(", ", FundingNames.All.Select(f => f.Name))}" });
        }

        lock (state.Sync)
        {
            if (!state.Orders.TryGetValue(id, out var order))
            {
                return Results.NotFound(new { error = $"No order {id}" });
            }

            if (Approval.Refusal(state, order) is { } refusal)
            {
                return Results.Conflict(new { error = refusal, status = order.Status });
            }

            Payer? payer = null;
            if (request?.PayerId is not null || request?.Email is not null || request?.GivenName is not null)
            {
                payer = new Payer(
                    request.PayerId ?? Ids.Payer(),
                    request.Email ?? "sb-buyer@personal.example.com",
                    request.GivenName ?? "John",
                    request.Surname ?? "Doe",
                    request.CountryCode ?? "US");
            }

            Approval.Approve(state, order, funding, payer);
            return Rendered(new JsonObject { ["order"] = Render.Order(state, order), ["redirectUrl"] = Approval.ReturnRedirect(order) });
        }
    }

    private static IResult Cancel(string id, EmulatorState state)
    {
        lock (state.Sync)
        {
            return state.Orders.TryGetValue(id, out var order)
                ? Results.Ok(new { redirectUrl = Approval.CancelRedirect(order) })
                : Results.NotFound(new { error = $"No order {id}" });
        }
    }

    private static IResult OnCapture(EmulatorState state, string id, Func<Capture, JsonObject?> change)
    {
        lock (state.Sync)
        {
            if (!state.Captures.TryGetValue(id, out var capture))
            {
                return Results.NotFound(new { error = $"No capture {id}" });
            }

            return change(capture) is { } json ? Rendered(json) : Results.Conflict(new { error = $"Capture {id} is {capture.Status}" });
        }
    }

    private static IResult NextRefund(string id, NextRefundRequest? request, EmulatorState state)
    {
        if (request?.Status is not ("PENDING" or "COMPLETED"))
        {
            return Results.BadRequest(new { error = "status is PENDING or COMPLETED" });
        }

        lock (state.Sync)
        {
            if (!state.Captures.TryGetValue(id, out var capture))
            {
                return Results.NotFound(new { error = $"No capture {id}" });
            }

            capture.NextRefundStatus = request.Status == "PENDING" ? "PENDING" : null;
            return Results.Ok(new { capture = id, nextRefund = request.Status });
        }
    }

    private static IResult SettleRefund(EmulatorState state, string id, string status)
    {
        lock (state.Sync)
        {
            if (!state.Refunds.TryGetValue(id, out var refund))
            {
                return Results.NotFound(new { error = $"No refund {id}" });
            }

            return Payments.SettleRefund(state, refund, status)
                ? Rendered(Render.Refund(state, refund))
                : Results.Conflict(new { error = $"Refund {id} is {refund.Status}" });
        }
    }

    private static IResult AddFault(FaultRequest request, EmulatorState state)
    {
        var status = request.Status ?? (request.DelayMs > 0 ? 0 : 500);
        if (status != 0 && status is < 400 or > 599)
        {
            return Results.BadRequest(new { error = "status is an HTTP error status (400-599), or 0 with delayMs for a slow answer" });
        }

        if (request.DelayMs is < 0 or > 30_000)
        {
            return Results.BadRequest(new { error = "delayMs is 0 to 30000" });
        }

        FaultPhase? phase = request.When switch
        {
            null or "" or "before" => FaultPhase.Before,
            "after" => FaultPhase.After,
            _ => null,
        };
        if (phase is null)
        {
            return Results.BadRequest(new { error = "when is before or after" });
        }

        if (phase == FaultPhase.After && status == 0)
        {
            return Results.BadRequest(new { error = "a fault after execution needs a status" });
        }

        var fault = new Fault(request.Method, request.PathPrefix, status, Math.Max(1, request.Count ?? 1), phase.Value, request.DelayMs ?? 0);
        state.Faults.Add(fault);
        return Results.Ok(fault);
    }

    private static IResult DeliveryStatus(WebhookDeliverer webhooks) => Results.Ok(new { settings = webhooks.Settings, pending = webhooks.Pending() });
}
