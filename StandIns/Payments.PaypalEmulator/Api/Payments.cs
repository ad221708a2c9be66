namespace Payments.PaypalEmulator;

/// <summary>Payments v2: authorizations (show, capture, reauthorize, void), captures (show, refund), refunds (show).</summary>
internal static class Payments
{
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/v2/payments/authorizations/{id}", new Operation("authorizations.get", null, GetAuthorization));
        app.MapPost("/v2/payments/authorizations/{id}/capture", new Operation("authorizations.capture", IdempotencyStore.PaymentsRetention, CaptureAuthorization));
        app.MapPost("/v2/payments/authorizations/{id}/reauthorize", new Operation("authorizations.reauthorize", IdempotencyStore.PaymentsRetention, Reauthorize));
        // PayPal's void takes no PayPal-Request-Id: a repeat is PREVIOUSLY_VOIDED.
        app.MapPost("/v2/payments/authorizations/{id}/void", new Operation("authorizations.void", null, Void));
        app.MapGet("/v2/payments/captures/{id}", new Operation("captures.get", null, GetCapture));
        app.MapPost("/v2/payments/captures/{id}/refund", new Operation("captures.refund", IdempotencyStore.PaymentsRetention, RefundCapture));
        app.MapGet("/v2/payments/refunds/{id}", new Operation("refunds.get", null, GetRefund));
    }

    private static string RouteId(ApiCall call) => (string)call.Request.RouteValues["id"]!;

    private static Authorization FindAuthorization(ApiCall call) =>
        call.State.Authorizations.TryGetValue(RouteId(call), out var a) ? a : throw PaypalErrors.NotFound("authorization_id", RouteId(call));

    private static Capture FindCapture(ApiCall call) =>
        call.State.Captures.TryGetValue(RouteId(call), out var c) ? c : throw PaypalErrors.NotFound("capture_id", RouteId(call));

    private static Outcome GetAuthorization(ApiCall call) => new(StatusCodes.Status200OK, "authorization", FindAuthorization(call).Id);

    private static Outcome GetCapture(ApiCall call) => new(StatusCodes.Status200OK, "capture", FindCapture(call).Id);

    private static Outcome GetRefund(ApiCall call) =>
        call.State.Refunds.ContainsKey(RouteId(call))
            ? new(StatusCodes.Status200OK, "refund", RouteId(call))
            : throw PaypalErrors.NotFound("refund_id", RouteId(call));

    /// <summary>A new capture of <paramref name="amount"/>: COMPLETED, or PENDING as the payer's funding decides, with its event.</summary>
    public static Capture NewCapture(EmulatorState state, Order order, Authorization? authorization, Money amount, bool finalCapture, string? invoiceId, string? customId)
    {
        var now = state.Clock.Now;
        var funding = authorization?.Hold.Funding ?? order.Funding;
        var reason = funding switch
        {
            Funding.PendingReview => "PENDING_REVIEW",
            Funding.Echeck => "ECHECK",
            _ => null,
        };
        var capture = new Capture
        {
            Id = Ids.Resource(),
            OrderId = order.Id,
            AuthorizationId = authorization?.Id,
            Amount = amount,
            Status = reason is null ? "COMPLETED" : "PENDING",
            Reason = reason,
            FinalCapture = finalCapture,
            InvoiceId = invoiceId,
            CustomId = customId,
            CreateTime = now,
            UpdateTime = now,
        };
        state.Captures.Add(capture.Id, capture);
        if (reason is null)
        {
            state.Emit("PAYMENT.CAPTURE.COMPLETED", "capture", $"Payment completed for {amount.Value} {amount.Currency}", Render.Capture(state, capture));
        }
        else
        {
            state.Emit("PAYMENT.CAPTURE.PENDING", "capture", $"Payment pending for {amount.Value} {amount.Currency}", Render.Capture(state, capture));
        }

        return capture;
    }

    private static Outcome CaptureAuthorization(ApiCall call)
    {
        var state = call.State;
        var authorization = FindAuthorization(call);
        var problems = new Problems();
        var amount = Fields.Money(call.Body, "amount", "/amount", problems, required: false);
        var invoiceId = Fields.String(call.Body, "invoice_id", "/invoice_id", problems);
        var final = Fields.Boolean(call.Body, "final_capture", "/final_capture", problems) ?? false;
        Fields.String(call.Body, "note_to_payer", "/note_to_payer", problems, 1, 255);
        Fields.String(call.Body, "soft_descriptor", "/soft_descriptor", problems, 1, 22);
        if (amount is { Minor: <= 0 } notPositive)
        {
            problems.Unprocessable("CANNOT_BE_ZERO_OR_NEGATIVE", "/amount/value", notPositive.Value);
        }

        problems.ThrowAny();
        var hold = authorization.Hold;
        if (hold.Expired)
        {
            throw PaypalErrors.Unprocessable(new ErrorDetail("AUTHORIZATION_EXPIRED"));
        }

        if (hold.Voided)
        {
            throw PaypalErrors.Unprocessable(new ErrorDetail("AUTHORIZATION_VOIDED"));
        }

        if (hold.Final || hold.Captured >= hold.Amount.Minor)
        {
            throw PaypalErrors.Unprocessable(new ErrorDetail("AUTHORIZATION_ALREADY_CAPTURED"));
        }

        // No amount: the full authorized amount (PayPal's rule), which fails after a partial capture.
        var take = amount ?? authorization.Amount;
        if (take.Currency != hold.Amount.Currency)
        {
            throw PaypalErrors.Unprocessable(new ErrorDetail("AUTH_CAPTURE_CURRENCY_MISMATCH", "/amount/currency_code", take.Currency, "body"));
        }

        if (hold.Captured + take.Minor > hold.Amount.Minor)
        {
            throw PaypalErrors.Unprocessable(new ErrorDetail("MAX_CAPTURE_AMOUNT_EXCEEDED", "/amount/value", take.Value, "body"));
        }

        if (hold.CaptureCount >= state.Options.MaxCapturesPerAuthorization)
        {
            throw PaypalErrors.Unprocessable(new ErrorDetail("MAX_CAPTURE_COUNT_EXCEEDED"));
        }

        if (hold.Funding == Funding.HonorOnly && call.Now >= authorization.HonorUntil)
        {
            throw PaypalErrors.Unprocessable(new ErrorDetail("PAYER_CANNOT_PAY"));
        }

        var order = state.Orders[authorization.OrderId];
        var unit = order.Units[0];
        var capture = NewCapture(state, order, authorization, take, final, invoiceId ?? authorization.InvoiceId, authorization.CustomId);
        unit.Captures.Add(capture.Id);
        hold.Captured += take.Minor;
        hold.CaptureCount++;
        hold.Final |= final;
        Touch(state, hold);
        return new Outcome(StatusCodes.Status201Created, "capture", capture.Id);
    }

    private static Outcome Reauthorize(ApiCall call)
    {
        var state = call.State;
        var authorization = FindAuthorization(call);
        var problems = new Problems();
        var amount = Fields.Money(call.Body, "amount", "/amount", problems, required: false);
        if (amount is { Minor: <= 0 } notPositive)
        {
            problems.Unprocessable("CANNOT_BE_ZERO_OR_NEGATIVE", "/amount/value", notPositive.Value);
        }

        problems.ThrowAny();
        var hold = authorization.Hold;
        var now = call.Now;
        if (authorization.ParentId is not null)
        {
            throw PaypalErrors.Unprocessable(new ErrorDetail("REAUTHORIZATION_NOT_SUPPORTED"));
        }

        if (hold.Expired || now >= hold.ExpiresAt)
        {
            throw PaypalErrors.Unprocessable(new ErrorDetail("AUTHORIZATION_EXPIRED", Description:
                "The authorization is more than 29 days old: create a new authorized payment instead of reauthorizing it."));
        }

        if (hold.Voided)
        {
            throw PaypalErrors.Unprocessable(new ErrorDetail("AUTHORIZATION_VOIDED"));
        }

        if (hold.Captured > 0 || hold.Final)
        {
            throw PaypalErrors.Unprocessable(new ErrorDetail("AUTHORIZATION_ALREADY_CAPTURED"));
        }

        if (hold.Reauthorized)
        {
            throw PaypalErrors.Unprocessable(new ErrorDetail("REAUTHORIZATION_NOT_SUPPORTED", Description:
                "An authorization can be reauthorized once; this one has been."));
        }

        if (now < authorization.HonorUntil)
        {
            throw PaypalErrors.Unprocessable(new ErrorDetail("REAUTHORIZATION_NOT_SUPPORTED", Description:
                "A reauthorization is possible from day 4 to day 29 of the authorization, after its 3-day honor period."));
        }

        var take = amount ?? authorization.Amount;
        if (take.Currency != authorization.Amount.Currency)
        {
            throw PaypalErrors.Unprocessable(new ErrorDetail("AUTH_CURRENCY_MISMATCH", "/amount/currency_code", take.Currency, "body"));
        }

        if (take.Minor > authorization.Amount.Minor)
        {
            throw PaypalErrors.Unprocessable(new ErrorDetail("AUTHORIZATION_AMOUNT_EXCEEDED", "/amount/value", take.Value, "body"));
        }

        var reauthorization = new Authorization
        {
            Id = Ids.Resource(),
            OrderId = authorization.OrderId,
            ParentId = authorization.Id,
            Hold = hold,
            Amount = take,
            HonorUntil = now + state.Options.HonorPeriod,
            CreateTime = now,
            UpdateTime = now,
            InvoiceId = authorization.InvoiceId,
            CustomId = authorization.CustomId,
        };
        hold.Amount = take;
        hold.Reauthorized = true;
        state.Authorizations.Add(reauthorization.Id, reauthorization);
        state.Orders[authorization.OrderId].Units[0].Authorizations.Add(reauthorization.Id);
        Touch(state, hold);
        state.Emit("PAYMENT.AUTHORIZATION.CREATED", "authorization", "A payment authorization was created", Render.Authorization(state, reauthorization));
        return new Outcome(StatusCodes.Status201Created, "authorization", reauthorization.Id);
    }

    private static Outcome Void(ApiCall call)
    {
        var state = call.State;
        var authorization = FindAuthorization(call);
        var hold = authorization.Hold;
        if (authorization.ParentId is not null)
        {
            throw PaypalErrors.Unprocessable(new ErrorDetail("CANNOT_BE_VOIDED"));
        }

        if (hold.Voided)
        {
            throw PaypalErrors.Unprocessable(new ErrorDetail("PREVIOUSLY_VOIDED"));
        }

        if (hold.Final || hold.Captured >= hold.Amount.Minor)
        {
            throw PaypalErrors.Unprocessable(new ErrorDetail("PREVIOUSLY_CAPTURED"));
        }

        hold.Voided = true;
        Touch(state, hold);
        foreach (var voided in Chain(state, hold))
        {
            state.Emit("PAYMENT.AUTHORIZATION.VOIDED", "authorization", "A payment authorization was voided", Render.Authorization(state, voided));
        }

        return new Outcome(StatusCodes.Status200OK, "authorization", authorization.Id, NoContentWhenMinimal: true);
    }

    private static List<Authorization> Chain(EmulatorState state, Hold hold) =>
        state.Authorizations.Values.Where(a => ReferenceEquals(a.Hold, hold)).ToList();

    private static void Touch(EmulatorState state, Hold hold)
    {
        foreach (var authorization in Chain(state, hold))
        {
            authorization.UpdateTime = state.Clock.Now;
        }
    }

    private static Outcome RefundCapture(ApiCall call)
    {
        var state = call.State;
        var capture = FindCapture(call);
        var problems = new Problems();
        var amount = Fields.Money(call.Body, "amount", "/amount", problems, required: false);
        var invoiceId = Fields.String(call.Body, "invoice_id", "/invoice_id", problems);
        var customId = Fields.String(call.Body, "custom_id", "/custom_id", problems);
        var note = Fields.String(call.Body, "note_to_payer", "/note_to_payer", problems, 1, 255);
        if (amount is { Minor: <= 0 } notPositive)
        {
            problems.Unprocessable("CANNOT_BE_ZERO_OR_NEGATIVE", "/amount/value", notPositive.Value);
        }

        problems.ThrowAny();
        switch (capture.Status)
        {
            case "PENDING":
                throw PaypalErrors.Unprocessable(new ErrorDetail("PENDING_CAPTURE"));
            case "DECLINED" or "FAILED":
                throw PaypalErrors.Unprocessable(new ErrorDetail("REFUND_NOT_ALLOWED"));
            case "REFUNDED":
                throw PaypalErrors.Unprocessable(new ErrorDetail("CAPTURE_FULLY_REFUNDED"));
        }

        if (call.Now - capture.CreateTime > state.Options.RefundWindow)
        {
            throw PaypalErrors.Unprocessable(new ErrorDetail("REFUND_TIME_LIMIT_EXCEEDED"));
        }

        var refunds = capture.Refunds.Select(id => state.Refunds[id]).ToList();
        // Completed and pending refunds both take from what is left; a failed or cancelled one gives it back.
        var available = capture.Amount.Minor - refunds.Where(r => r.Status is "COMPLETED" or "PENDING").Sum(r => r.Amount.Minor);
        if (available <= 0)
        {
            throw PaypalErrors.Unprocessable(new ErrorDetail("CAPTURE_FULLY_REFUNDED"));
        }

        var take = amount ?? capture.Amount with { Minor = available };
        if (take.Currency != capture.Amount.Currency)
        {
            throw PaypalErrors.Unprocessable(new ErrorDetail("REFUND_CAPTURE_CURRENCY_MISMATCH", "/amount/currency_code", take.Currency, "body"));
        }

        if (take.Minor > available)
        {
            throw PaypalErrors.Unprocessable(new ErrorDetail("REFUND_AMOUNT_EXCEEDED", "/amount/value", take.Value, "body"));
        }

        if (refunds.Count >= state.Options.MaxRefundsPerCapture)
        {
            throw PaypalErrors.Unprocessable(new ErrorDetail("MAX_NUMBER_OF_REFUNDS_EXCEEDED"));
        }

        var now = call.Now;
        var pending = capture.NextRefundStatus == "PENDING";
        capture.NextRefundStatus = null;
        var refund = new Refund
        {
            Id = Ids.Resource(),
            CaptureId = capture.Id,
            Amount = take,
            Status = pending ? "PENDING" : "COMPLETED",
            Reason = pending ? "ECHECK" : null,
            InvoiceId = invoiceId,
            CustomId = customId,
            NoteToPayer = note,
            CreateTime = now,
            UpdateTime = now,
        };
        state.Refunds.Add(refund.Id, refund);
        capture.Refunds.Add(refund.Id);
        if (!pending)
        {
            Refunded(state, capture, refund);
        }

        return new Outcome(StatusCodes.Status201Created, "refund", refund.Id);
    }

    /// <summary>A refund completed: the capture becomes PARTIALLY_REFUNDED or REFUNDED; PAYMENT.CAPTURE.REFUNDED (or REVERSED) about the refund.</summary>
    public static void Refunded(EmulatorState state, Capture capture, Refund refund)
    {
        var refunded = capture.Refunds.Select(id => state.Refunds[id]).Where(r => r.Status == "COMPLETED").Sum(r => r.Amount.Minor);
        capture.Status = refunded >= capture.Amount.Minor ? "REFUNDED" : "PARTIALLY_REFUNDED";
        capture.UpdateTime = state.Clock.Now;
        var (type, verb) = refund.Reversal ? ("PAYMENT.CAPTURE.REVERSED", "reversed") : ("PAYMENT.CAPTURE.REFUNDED", "refunded");
        state.Emit(type, "refund", $"A {refund.Amount.Value} {refund.Amount.Currency} capture payment was {verb}", Render.Refund(state, refund));
    }

    /// <summary>A PENDING capture completes (control): COMPLETED with its breakdown, PAYMENT.CAPTURE.COMPLETED.</summary>
    public static bool CompletePending(EmulatorState state, Capture capture)
    {
        if (capture.Status != "PENDING")
        {
            return false;
        }

        capture.Status = "COMPLETED";
        capture.Reason = null;
        capture.UpdateTime = state.Clock.Now;
        state.Emit("PAYMENT.CAPTURE.COMPLETED", "capture", $"Payment completed for {capture.Amount.Value} {capture.Amount.Currency}", Render.Capture(state, capture));
        return true;
    }

    /// <summary>A PENDING capture is denied (control): DECLINED, PAYMENT.CAPTURE.DENIED. The money never arrives.</summary>
    public static bool DenyPending(EmulatorState state, Capture capture)
    {
        if (capture.Status != "PENDING")
        {
            return false;
        }

        capture.Status = "DECLINED";
        capture.Reason = null;
        capture.UpdateTime = state.Clock.Now;
        state.Emit("PAYMENT.CAPTURE.DENIED", "capture", $"A {capture.Amount.Value} {capture.Amount.Currency} capture payment was denied", Render.Capture(state, capture));
        return true;
    }

    /// <summary>A pending refund settles (control): COMPLETED (with its event), FAILED or CANCELLED (the amount is refundable again).</summary>
    public static bool SettleRefund(EmulatorState state, Refund refund, string status)
    {
        if (refund.Status != "PENDING")
        {
            return false;
        }

        refund.Status = status;
        refund.Reason = null;
        refund.UpdateTime = state.Clock.Now;
        if (status == "COMPLETED")
        {
            Refunded(state, state.Captures[refund.CaptureId], refund);
        }

        return true;
    }

    /// <summary>
    /// PayPal reverses what is left of a completed capture (a chargeback the merchant lost, a bank return): a refund
    /// of that amount made by PayPal, the capture REFUNDED, PAYMENT.CAPTURE.REVERSED.
    /// </summary>
    public static Refund? Reverse(EmulatorState state, Capture capture)
    {
        if (capture.Status is not ("COMPLETED" or "PARTIALLY_REFUNDED"))
        {
            return null;
        }

        var taken = capture.Refunds.Select(id => state.Refunds[id]).Where(r => r.Status is "COMPLETED" or "PENDING").Sum(r => r.Amount.Minor);
        var left = capture.Amount.Minor - taken;
        if (left <= 0)
        {
            return null;
        }

        var now = state.Clock.Now;
        var reversal = new Refund
        {
            Id = Ids.Resource(),
            CaptureId = capture.Id,
            Amount = capture.Amount with { Minor = left },
            Status = "COMPLETED",
            Reversal = true,
            CreateTime = now,
            UpdateTime = now,
        };
        state.Refunds.Add(reversal.Id, reversal);
        capture.Refunds.Add(reversal.Id);
        Refunded(state, capture, reversal);
        return reversal;
    }
}
