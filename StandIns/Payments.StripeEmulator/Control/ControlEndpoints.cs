using Payments.StandIns.Common.Control;

namespace Payments.StripeEmulator;

/// <summary>Body of <c>POST /_emulator/payment_methods/{id}/decline</c>.</summary>
internal sealed record DeclineRequest(string? Code, string? DeclineCode, string? Message);

/// <summary>Body of <c>POST /_emulator/payment_methods/{id}/reissue</c>: the new card's expiry.</summary>
internal sealed record ReissueRequest(int? ExpMonth, int? ExpYear);

/// <summary>Body of <c>POST /_emulator/{payment_intents|setup_intents}/{id}/authenticate</c>: <c>succeed</c> or <c>fail</c>.</summary>
internal sealed record AuthenticateRequest(string? Outcome);

/// <summary>
/// Body of <c>POST /_emulator/checkout/sessions/{id}/complete</c>: the card the customer pays with
/// (default pm_card_visa), and the email and name they type when the session did not prefill them.
/// </summary>
internal sealed record CompleteCheckoutRequest(string? PaymentMethod, string? Email, string? Name);

/// <summary>Body of <c>POST /_emulator/webhook_endpoints</c>: an endpoint with a known secret.</summary>
internal sealed record WebhookEndpointRequest(string? Url, string? Secret, string[]? EnabledEvents, string? ApiVersion, string? Description);

/// <summary>Body of <c>POST /_emulator/faults</c>. <c>Count</c> defaults to 1.</summary>
internal sealed record FaultRequest(string? Method, string? PathPrefix, int? Status, int? Count, string? Message, string? When = null, int? DelayMs = null);

/// <summary>Body of <c>POST /_emulator/rate_limits</c>: a preset (sandbox, live, off) and numbers put over it.</summary>
internal sealed record RateLimitsRequest(string? Mode, int? GlobalPerSecond, int? EndpointPerSecond);

/// <summary>
/// Test and demo controls, outside /v1 and without authentication: make a saved card decline, play
/// the customer's part in 3-D Secure, let time pass (an authorization lapsing, a refund failing),
/// inject failures, read the request log, reset everything. Object-changing controls answer with the
/// object as /v1 would show it, and emit the events Stripe would (with a null request).
/// </summary>
internal static class ControlEndpoints
{
    public static void Map(WebApplication app)
    {
        var control = app.MapGroup("/_emulator");
        control.MapPost("/payment_methods/{id}/decline", SetDecline);
        control.MapDelete("/payment_methods/{id}/decline", ClearDecline);
        control.MapPost("/payment_methods/{id}/reissue", Reissue);
        control.MapPost("/payment_intents/{id}/authenticate", AuthenticatePaymentIntent);
        control.MapPost("/payment_intents/{id}/expire_authorization", ExpireAuthorization);
        control.MapPost("/setup_intents/{id}/authenticate", AuthenticateSetupIntent);
        control.MapPost("/faults", AddFault);
        control.MapSnapshotList<EmulatorState, Fault>("/faults", s => s.Faults);
        // Fractions of a second are allowed (a rate-limit bucket refills per token).
        control.MapClock<EmulatorState>(s => s.Clock, clock => new { now = clock.Now.ToUnixTimeSeconds(), frozen = clock.Frozen });
        control.MapGet("/rate_limits", (RateLimiter limiter) => Results.Ok(limiter.Settings));
        control.MapPost("/rate_limits", SetRateLimits);
        control.MapSnapshotList<EmulatorState, RequestRecord>("/requests", s => s.Requests);
        control.MapPost("/checkout/sessions/{id}/complete", CompleteCheckoutSession);
        // Read-only: the Checkout Sessions the emulator holds, oldest first, so tests can count what Stripe made
        // (this emulator serves no /v1/checkout/sessions list; Payments never lists them, and /v1 stays what Payments uses).
        control.MapGet("/checkout_sessions", (EmulatorState state) =>
        {
            lock (state.Sync)
            {
                return Results.Ok(new { data = state.CheckoutSessions.Values.Select(s => s.DeepClone()).ToList() });
            }
        });
        control.MapPost("/webhook_endpoints", AddWebhookEndpoint);
        control.MapGet("/webhook_endpoints", ListWebhookEndpoints);
        control.MapGet("/webhook_delivery", (WebhookDeliverer webhooks) => DeliveryStatus(webhooks));
        control.MapPost("/webhook_delivery", (WebhookSettingsRequest? request, WebhookDeliverer webhooks) =>
            webhooks.Update(request ?? new WebhookSettingsRequest(null, null, null, null, null, null, null, null, null)) is { } problem
                ? Results.BadRequest(new { error = problem })
                : DeliveryStatus(webhooks));
        control.MapWebhookFlush<WebhookDeliverer>();
        control.MapGet("/webhook_deliveries", (WebhookDeliverer webhooks) => Results.Ok(webhooks.Deliveries()));
        control.MapPost("/reset", (EmulatorState state, WebhookDeliverer webhooks, RateLimiter limiter) =>
        {
            state.Reset();
            webhooks.Reset();
            limiter.Reset();
            return Results.NoContent();
        });
    }

    /// <summary>A mode sets its preset's numbers; numbers alone change the current mode's. Every bucket starts full.</summary>
    private static IResult SetRateLimits(RateLimitsRequest? request, RateLimiter limiter)
    {
        var current = limiter.Settings;
        var mode = request?.Mode is { Length: > 0 } m ? m : current.Mode;
        var keepNumbers = request?.Mode is not { Length: > 0 } && current.Enabled;
        var settings = RateLimitSettings.Resolve(
            mode,
            request?.GlobalPerSecond ?? (keepNumbers ? current.GlobalPerSecond : null),
            request?.EndpointPerSecond ?? (keepNumbers ? current.EndpointPerSecond : null),
            out var error);
        if (settings is null)
        {
            return Results.BadRequest(new { error });
        }

        limiter.Update(settings);
        return Results.Ok(settings);
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

    /// <summary>
    /// The bank reissued this card: a new, unattached PaymentMethod for the same card number (so the
    /// same fingerprint) with a later expiry, as Stripe.js makes when the customer types the new card in.
    /// </summary>
    private static IResult Reissue(string id, ReissueRequest? request, EmulatorState state)
    {
        var now = DateTimeOffset.UtcNow;
        if (request is not { ExpMonth: >= 1 and <= 12, ExpYear: { } year } || year * 12 + request.ExpMonth < now.Year * 12 + now.Month || year > now.Year + 50)
        {
            return Results.BadRequest(new { error = "expMonth (1-12) and expYear must name a month that has not passed" });
        }

        lock (state.Sync)
        {
            if (!state.PaymentMethods.TryGetValue(id, out var pm) || !state.PaymentMethodInfo.TryGetValue(id, out var info))
            {
                return Results.NotFound(new { error = $"No such PaymentMethod: '{id}'" });
            }

            var reissued = pm.DeepClone().AsObject();
            var newId = Ids.New("pm_");
            reissued["id"] = newId;
            reissued["customer"] = null;
            reissued["created"] = now.ToUnixTimeSeconds();
            reissued["card"]!["exp_month"] = request.ExpMonth;
            reissued["card"]!["exp_year"] = year;
            state.PaymentMethods.Add(newId, reissued);
            state.PaymentMethodInfo.Add(newId, new PaymentMethodInfo(info.Card));
            return Results.Ok(reissued);
        }
    }

    private static IResult AuthenticatePaymentIntent(string id, AuthenticateRequest? request, EmulatorState state)
    {
        if (ParseOutcome(request) is not { } succeed)
        {
            return Results.BadRequest(new { error = "outcome must be \"succeed\" or \"fail\"" });
        }

        lock (state.Sync)
        {
            if (!state.PaymentIntents.TryGetValue(id, out var intent))
            {
                return Results.NotFound(new { error = $"No such payment_intent: '{id}'" });
            }

            return PaymentIntents.Authenticate(state, intent, succeed) is { } done
                ? Rendered(state, done)
                : Results.Conflict(new { error = $"PaymentIntent {id} has a status of {(string?)intent["status"]}, not requires_action." });
        }
    }

    private static IResult AuthenticateSetupIntent(string id, AuthenticateRequest? request, EmulatorState state)
    {
        if (ParseOutcome(request) is not { } succeed)
        {
            return Results.BadRequest(new { error = "outcome must be \"succeed\" or \"fail\"" });
        }

        lock (state.Sync)
        {
            if (!state.SetupIntents.TryGetValue(id, out var intent))
            {
                return Results.NotFound(new { error = $"No such setupintent: '{id}'" });
            }

            return SetupIntents.Authenticate(state, intent, succeed) is { } done
                ? Rendered(state, done)
                : Results.Conflict(new { error = $"SetupIntent {id} has a status of {(string?)intent["status"]}, not requires_action." });
        }
    }

    private static IResult ExpireAuthorization(string id, EmulatorState state)
    {
        lock (state.Sync)
        {
            if (!state.PaymentIntents.TryGetValue(id, out var intent))
            {
                return Results.NotFound(new { error = $"No such payment_intent: '{id}'" });
            }

            return PaymentIntents.ExpireAuthorization(state, intent) is { } done
                ? Rendered(state, done)
                : Results.Conflict(new { error = $"PaymentIntent {id} has a status of {(string?)intent["status"]}, not requires_capture." });
        }
    }

    private static bool? ParseOutcome(AuthenticateRequest? request) => request?.Outcome switch
    {
        "succeed" => true,
        "fail" => false,
        _ => null,
    };

    private static IResult Rendered(EmulatorState state, System.Text.Json.Nodes.JsonObject obj) =>
        Results.Text(Json.Render(state, obj, []), "application/json");

    private static IResult CompleteCheckoutSession(string id, CompleteCheckoutRequest? request, EmulatorState state)
    {
        lock (state.Sync)
        {
            return CheckoutSessions.Complete(state, id, request?.PaymentMethod, request?.Email, request?.Name);
        }
    }

    private static IResult AddWebhookEndpoint(WebhookEndpointRequest request, EmulatorState state)
    {
        try
        {
            var url = WebhookEndpoints.CheckUrl(request.Url ?? "", "url");
            var events = WebhookEndpoints.CheckEvents(request.EnabledEvents is { Length: > 0 } e ? e : ["*"], "enabledEvents");
            var version = string.IsNullOrEmpty(request.ApiVersion)
                ? StripeEmulatorApp.ApiVersion
                : WebhookEndpoints.CheckApiVersion(request.ApiVersion, "apiVersion");
            lock (state.Sync)
            {
                var endpoint = WebhookEndpoints.Register(
                    state, url, events, string.IsNullOrEmpty(request.Secret) ? null : request.Secret, version, request.Description);
                return Results.Text(WebhookEndpoints.WithSecret(state, endpoint, []), "application/json");
            }
        }
        catch (StripeErrorException e)
        {
            return Results.BadRequest(new { error = e.Message });
        }
    }

    private static IResult ListWebhookEndpoints(EmulatorState state)
    {
        lock (state.Sync)
        {
            var list = new System.Text.Json.Nodes.JsonArray();
            foreach (var endpoint in state.WebhookEndpoints.Values)
            {
                list.Add(System.Text.Json.Nodes.JsonNode.Parse(WebhookEndpoints.WithSecret(state, endpoint, [])));
            }

            return Results.Text(list.ToJsonString(Json.Options), "application/json");
        }
    }

    private static IResult DeliveryStatus(WebhookDeliverer webhooks)
    {
        var (pending, dropped) = webhooks.Status();
        return Results.Ok(new { settings = webhooks.Settings, pending, dropped });
    }

    private static IResult AddFault(FaultRequest request, EmulatorState state)
    {
        var delayOnly = request.Status is null && request.DelayMs > 0 && request.When == "during_execution";
        var status = delayOnly ? 0 : request.Status ?? StatusCodes.Status500InternalServerError;
        if (!delayOnly && status is < 400 or > 599)
        {
            return Results.BadRequest(new { error = "status must be an HTTP error status (400-599)" });
        }

        if (request.DelayMs is < 0 or > 30_000)
        {
            return Results.BadRequest(new { error = "delayMs is 0 to 30000" });
        }

        FaultPhase? phase = request.When switch
        {
            null or "" or "before_execution" => FaultPhase.BeforeExecution,
            "during_execution" => FaultPhase.DuringExecution,
            "after_execution" => FaultPhase.AfterExecution,
            _ => null,
        };
        if (phase is null)
        {
            return Results.BadRequest(new { error = "when must be before_execution, during_execution or after_execution" });
        }

        var fault = new Fault(request.Method, request.PathPrefix, status, Math.Max(1, request.Count ?? 1), request.Message, phase.Value, request.DelayMs ?? 0);
        state.Faults.Add(fault);
        return Results.Ok(fault);
    }
}
