using Payments.Core.Catalog;
using Payments.Core.Stripe;
using Payments.Core.Telemetry;

namespace Payments.Core.Purchases;

public enum CaptureMethod { Automatic, Manual }

/// <summary>How the purchase is paid: a saved card (Stripe, <see cref="Purchase.PaymentIntentId"/>) or PayPal checkout (<see cref="Purchase.Paypal"/>).</summary>
public enum PurchasePaymentMethod { Card, Paypal }

public sealed record Shipment(string Carrier, string TrackingNumber, DateTimeOffset ShippedAt);

public sealed record PaymentOutcome(string? StripeStatus, string? ErrorCode, string? DeclineCode);

/// <summary>A refund asked of Stripe and not yet counted: how much, and since when.</summary>
public sealed record RefundReservation(long Amount, DateTimeOffset At);

/// <summary>A refund Stripe has, as it last said: only <c>succeeded</c> counts as refunded (see <see cref="RefundStatuses"/>).</summary>
/// <param name="RefundKey">Our request's name when we made it (its metadata <c>refund_key</c>); null for one made elsewhere.</param>
public sealed record PurchaseRefund(
    long Amount, string Status, string? Reason, string? FailureReason, string? RefundKey, DateTimeOffset Created, DateTimeOffset Updated);

/// <summary>
/// A purchase: the priced cart and where its payment stands. Amounts are what Stripe reports
/// (authorized, captured, refunded); the status only ever moves forward (see <see cref="PurchaseStatuses.Rank"/>).
/// Holds ids and amounts only: never raw Stripe payloads or card data.
/// </summary>
public sealed class Purchase
{
    public required string Id { get; init; }
    public required string UserId { get; init; }
    public string? CardId { get; init; }
    public PurchasePaymentMethod PaymentMethod { get; init; } = PurchasePaymentMethod.Card;
    public required Quote Quote { get; init; }
    public required CaptureMethod CaptureMethod { get; init; }
    public required DateTimeOffset Created { get; init; }
    public string? ReceiptEmail { get; init; }
    public PurchaseStatus Status { get; private set; } = PurchaseStatus.Pending;
    public string? PaymentIntentId { get; private set; }
    /// <summary>A PayPal purchase's order as last read (ids and PayPal's statuses; the money is in the amounts below).</summary>
    public PaypalPayment? Paypal { get; private set; }
    public long AmountAuthorized { get; private set; }
    public long AmountCaptured { get; private set; }
    /// <summary>Refunds Stripe says succeeded (never pending ones: the customer does not have that money yet).</summary>
    public long AmountRefunded { get; private set; }
    /// <summary>Refunds Stripe has not settled yet (pending, requires_action): not refunded, and not refundable again.</summary>
    public long AmountRefundPending => _refunds.Values.Where(r => RefundStatuses.IsPending(r.Status)).Sum(r => r.Amount);
    /// <summary>Every refund Stripe has of this purchase's intent, by refund id, as last read.</summary>
    public IReadOnlyDictionary<string, PurchaseRefund> Refunds => _refunds;
    private Dictionary<string, PurchaseRefund> _refunds = new(StringComparer.Ordinal);
    /// <summary>A refund failed or was canceled: the customer did not get that money back (staff list these).</summary>
    public bool HasFailedRefund => _refunds.Values.Any(r => RefundStatuses.IsFailed(r.Status));
    /// <summary>Authorized but never taken: the rest of a partial capture, or a canceled or lapsed authorization. Never a refund.</summary>
    public long AmountReleased { get; private set; }
    /// <summary>
    /// Refunds asked of Stripe and not yet counted in <see cref="AmountRefunded"/>, by request key. Reserved
    /// under the row's ETag before Stripe is called, so concurrent refunds can never add up to more than was captured.
    /// </summary>
    public IReadOnlyDictionary<string, RefundReservation> RefundReservations => _reservations;
    private Dictionary<string, RefundReservation> _reservations = new(StringComparer.Ordinal);
    public PaymentOutcome? Outcome { get; private set; }
    public DateTimeOffset? AuthorizedAt { get; private set; }
    public DateTimeOffset? SweptAt { get; private set; }
    public Shipment? Shipment { get; private set; }
    public DateTimeOffset Updated { get; private set; }

    public string Currency => Quote.Currency;
    /// <summary>Captured and refunded as last read or written: the store counts the money a write moved from the difference.</summary>
    internal MoneyFigures StoredFigures { get; private set; }
    internal MoneyFigures Figures => new(AmountCaptured, AmountRefunded);
    internal void MarkStored() => StoredFigures = Figures;
    public long Total => Quote.Total;
    /// <summary>What Stripe will still refund, less the refunds already on their way (pending at Stripe, or asked and not answered yet).</summary>
    public long Refundable => Math.Max(0, AmountCaptured - AmountRefunded - AmountRefundPending - _reservations.Values.Sum(r => r.Amount));

    public static Purchase Start(string id, string userId, string? cardId, Quote quote, CaptureMethod captureMethod, string? receiptEmail, DateTimeOffset now) => new()
    {
        Id = id,
        UserId = userId,
        CardId = cardId,
        Quote = quote,
        CaptureMethod = captureMethod,
        ReceiptEmail = receiptEmail,
        Created = now,
        Updated = now,
    };

    /// <summary>A purchase paid through PayPal checkout: its order is made next, and the payer approves it at PayPal.</summary>
    public static Purchase StartWithPaypal(string id, string userId, Quote quote, CaptureMethod captureMethod, string? receiptEmail, DateTimeOffset now) => new()
    {
        Id = id,
        UserId = userId,
        PaymentMethod = PurchasePaymentMethod.Paypal,
        Quote = quote,
        CaptureMethod = captureMethod,
        ReceiptEmail = receiptEmail,
        Created = now,
        Updated = now,
    };

    /// <summary>Rebuilds the PayPal order's view from storage; only the store calls this.</summary>
    internal void RestorePaypal(PaypalPayment? paypal) => Paypal = paypal;

    /// <summary>Rebuilds from storage; only the store calls this.</summary>
    internal void Restore(PurchaseStatus status, string? paymentIntentId, long authorized, long captured, long refunded, long released,
        IReadOnlyDictionary<string, RefundReservation> reservations,
        PaymentOutcome? outcome, DateTimeOffset? authorizedAt, DateTimeOffset? sweptAt, Shipment? shipment, DateTimeOffset updated)
    {
        Status = status;
        PaymentIntentId = paymentIntentId;
        AmountAuthorized = authorized;
        AmountCaptured = captured;
        AmountRefunded = refunded;
        AmountReleased = released;
        StoredFigures = new MoneyFigures(captured, refunded);
        _reservations = new Dictionary<string, RefundReservation>(reservations, StringComparer.Ordinal);
        Outcome = outcome;
        AuthorizedAt = authorizedAt;
        SweptAt = sweptAt;
        Shipment = shipment;
        Updated = updated;
    }

    /// <summary>Rebuilds the refunds from storage; only the store calls this.</summary>
    internal void RestoreRefunds(IReadOnlyDictionary<string, PurchaseRefund> refunds) =>
        _refunds = new Dictionary<string, PurchaseRefund>(refunds, StringComparer.Ordinal);

    /// <summary>
    /// Applies what Stripe says of one of the intent's refunds: a new one is added (and the reservation of the
    /// request that made it, named by its refund_key, dropped in the same write); a known one moves forward only
    /// (pending → succeeded → failed, or pending → canceled; a stale snapshot changes nothing). Refunded is then
    /// recounted from the refunds, and the refund part of the status follows it, down as well as up: a succeeded
    /// refund that fails takes a refunded purchase back to partially refunded (or succeeded).
    /// Returns the refund as it now stands when something changed, else null.
    /// </summary>
    public PurchaseRefund? ApplyRefund(RefundSnapshot refund, DateTimeOffset now)
    {
        if (refund.PaymentIntentId is { } intentId && PaymentIntentId is { } ours && intentId != ours)
            throw new InvalidOperationException($"Purchase {Id} belongs to {ours}; refund {refund.Id} is of {intentId}.");
        PurchaseRefund next;
        if (_refunds.TryGetValue(refund.Id, out var known))
        {
            if (RefundStatuses.Rank(refund.Status) <= RefundStatuses.Rank(known.Status))
                return null;
            next = known with { Status = refund.Status, FailureReason = refund.FailureReason ?? known.FailureReason, Updated = now };
        }
        else
        {
            next = new PurchaseRefund(refund.Amount, refund.Status, refund.Reason, refund.FailureReason, refund.RefundKey, refund.Created ?? now, now);
            if (refund.RefundKey is { } key)
                _reservations.Remove(key);
        }
        _refunds[refund.Id] = next;
        AmountRefunded = _refunds.Values.Where(r => RefundStatuses.IsRefunded(r.Status)).Sum(r => r.Amount);
        if (Status is PurchaseStatus.Succeeded or PurchaseStatus.PartiallyRefunded or PurchaseStatus.Refunded)
            Status = RefundStatusOf(PurchaseStatus.Succeeded, AmountCaptured);
        Updated = now;
        return next;
    }

    public void AwaitClientConfirmation(string paymentIntentId, DateTimeOffset now)
    {
        if (Status != PurchaseStatus.Pending)
            return;
        PaymentIntentId = paymentIntentId;
        Status = PurchaseStatus.AwaitingPayment;
        Updated = now;
    }

    /// <summary>
    /// Applies what Stripe says about the PaymentIntent. Returns false (and changes nothing) when
    /// the snapshot would move the purchase backwards: it is older than what we already know.
    /// </summary>
    public bool Apply(PaymentIntentSnapshot intent, DateTimeOffset now)
    {
        if (PaymentIntentId is not null && PaymentIntentId != intent.Id)
            throw new InvalidOperationException($"Purchase {Id} belongs to {PaymentIntentId}, not {intent.Id}.");

        // The intent's amount_refunded counts pending refunds too (and drops when one fails): refunded is counted
        // from the refunds themselves (ApplyRefund), and the refund part of the status follows that count.
        var captured = Math.Max(AmountCaptured, intent.AmountReceived);
        var next = RefundStatusOf(StatusOf(intent), captured);
        if (next.Rank() < Status.Rank() && !(IsRefundPart(next) && IsRefundPart(Status)))
            return false;

        PaymentIntentId = intent.Id;
        Status = next;
        AmountAuthorized = Math.Max(AmountAuthorized, intent.AmountAuthorized);
        AmountCaptured = captured;
        AmountReleased = Math.Max(AmountReleased, intent.AmountReleased);
        Outcome = new PaymentOutcome(intent.Status, intent.LastErrorCode, intent.LastDeclineCode);
        if (next == PurchaseStatus.Authorized)
            AuthorizedAt ??= now;
        Updated = now;
        return true;
    }

    /// <summary>
    /// Applies a PayPal order as read (<see cref="PaypalPurchaseState"/>: PayPal's figures in our terms), the PayPal twin
    /// of <see cref="Apply(PaymentIntentSnapshot, DateTimeOffset)"/> under the same rules: forward only (a stale read
    /// changes nothing and returns false), amounts never shrink, and the refund part of the status follows what is
    /// refunded. The order's refunds are applied apart, each by <see cref="ApplyRefund"/>.
    /// </summary>
    public bool ApplyPaypal(PaypalPurchaseState state, DateTimeOffset now)
    {
        if (PaymentMethod != PurchasePaymentMethod.Paypal)
            throw new InvalidOperationException($"Purchase {Id} is not paid with PayPal.");
        if (Paypal is { } known && known.OrderId != state.Paypal.OrderId)
            throw new InvalidOperationException($"Purchase {Id} belongs to PayPal order {known.OrderId}, not {state.Paypal.OrderId}.");
        if (state.Currency != Currency)
            throw new InvalidOperationException($"Purchase {Id} is in {Currency}; PayPal order {state.Paypal.OrderId} is in {state.Currency}.");

        var captured = Math.Max(AmountCaptured, state.Captured);
        var next = RefundStatusOf(state.Status, captured);
        if (next.Rank() < Status.Rank() && !(IsRefundPart(next) && IsRefundPart(Status)) && !(Status == PurchaseStatus.Authorized && HoldEndedUntaken(state)))
            return false;
        // Failed after its hold ended untaken (a denied capture) is final: a read from before the denial (the capture still
        // pending) must not bring back an authorization PayPal no longer holds.
        if (Status == PurchaseStatus.Failed && AmountReleased > 0 && AmountCaptured == 0 && next != PurchaseStatus.Failed)
            return false;

        // The approve link is in PayPal's answer only while the payer has to act: keep the one the order was made with.
        Paypal = state.Paypal with { ApproveUrl = state.Paypal.ApproveUrl ?? Paypal?.ApproveUrl };
        Status = next;
        AmountAuthorized = Math.Max(AmountAuthorized, state.Authorized);
        AmountCaptured = captured;
        AmountReleased = Math.Max(AmountReleased, state.Released);
        // A decline the payer can still undo (another funding source, same order) is kept until the purchase moves on.
        var error = state.ErrorCode ?? (next == PurchaseStatus.AwaitingPayment ? Outcome?.ErrorCode : null);
        Outcome = error is null ? null : new PaymentOutcome(null, error, null);
        if (next == PurchaseStatus.Authorized)
            AuthorizedAt ??= state.AuthorizedAt ?? now;
        Updated = now;
        return true;
    }

    /// <summary>
    /// PayPal denied the capture of an authorization and holds nothing any more (its final capture closed it): the
    /// purchase fails from authorized, nothing taken, all of it released. The one step back in rank, as nothing is held.
    /// </summary>
    private static bool HoldEndedUntaken(PaypalPurchaseState state) =>
        state.Status == PurchaseStatus.Failed && state.Captured == 0 && state.Authorized > 0 && state.Released >= state.Authorized;

    /// <summary>
    /// PayPal refused the payer's funding when we captured or authorized the approved order (<c>INSTRUMENT_DECLINED</c>):
    /// the order stays approvable, so the purchase still awaits the payer, who is sent back to choose another way to pay.
    /// </summary>
    public bool RecordPaypalDecline(string code, DateTimeOffset now)
    {
        if (PaymentMethod != PurchasePaymentMethod.Paypal || Status is not (PurchaseStatus.Pending or PurchaseStatus.AwaitingPayment))
            return false;
        Status = PurchaseStatus.AwaitingPayment;
        Outcome = new PaymentOutcome(null, code, null);
        Updated = now;
        return true;
    }

    /// <summary>
    /// PayPal refused to capture an authorization (after its 3-day honor period the payer's funds are no longer
    /// guaranteed): the authorization still stands until PayPal voids it, so the purchase stays authorized, with the reason.
    /// </summary>
    public bool RecordCaptureRefused(string code, DateTimeOffset now)
    {
        if (Status != PurchaseStatus.Authorized)
            return false;
        Outcome = new PaymentOutcome(null, code, null);
        Updated = now;
        return true;
    }

    /// <summary>A PayPal purchase nobody paid (no authorization or capture at PayPal) is canceled here: the order is left to expire unapproved.</summary>
    public bool CancelUnpaid(DateTimeOffset now)
    {
        if (PaymentMethod != PurchasePaymentMethod.Paypal || Status is not (PurchaseStatus.Pending or PurchaseStatus.AwaitingPayment)
            || AmountAuthorized > 0 || Paypal is { CaptureId: not null } or { AuthorizationId: not null })
            return false;
        Status = PurchaseStatus.Canceled;
        Updated = now;
        return true;
    }

    /// <summary>
    /// Holds <paramref name="amount"/> of what is left for the refund named <paramref name="requestKey"/>.
    /// True when reserved now or already (a resumed request); false when that much is not left.
    /// </summary>
    public bool TryReserveRefund(string requestKey, long amount, DateTimeOffset now)
    {
        if (_reservations.ContainsKey(requestKey))
            return true;
        if (amount <= 0 || amount > Refundable)
            return false;
        _reservations[requestKey] = new RefundReservation(amount, now);
        Updated = now;
        return true;
    }

    /// <summary>Drops a reservation: Stripe refused the refund, or its amount is now counted in <see cref="AmountRefunded"/>.</summary>
    public bool ReleaseRefund(string requestKey, DateTimeOffset now)
    {
        if (!_reservations.Remove(requestKey))
            return false;
        Updated = now;
        return true;
    }

    /// <summary>
    /// Drops reservations made before <paramref name="cutoff"/>: their requests failed without an answer and
    /// were never retried. Call it in the write that applies a fresh read of the intent, whose
    /// amount_refunded counts any of them that Stripe did make.
    /// </summary>
    public bool DropReservationsBefore(DateTimeOffset cutoff, DateTimeOffset now)
    {
        var stale = _reservations.Where(r => r.Value.At < cutoff).Select(r => r.Key).ToList();
        stale.ForEach(key => _reservations.Remove(key));
        if (stale.Count > 0)
            Updated = now;
        return stale.Count > 0;
    }

    /// <summary>Stripe refused to create the payment before anything existed there: the purchase ends with the reason.</summary>
    public void Reject(string code, DateTimeOffset now)
    {
        if (Status != PurchaseStatus.Pending || PaymentIntentId is not null)
            return;
        Status = PurchaseStatus.Failed;
        Outcome = new PaymentOutcome(null, code, null);
        Updated = now;
    }

    /// <summary>Stripe refused the card when we confirmed; the intent (if one was made) waits for another card.</summary>
    public void Decline(string? paymentIntentId, string? code, string? declineCode, DateTimeOffset now)
    {
        if (Status.Rank() > PurchaseStatus.Failed.Rank())
            return;
        PaymentIntentId ??= paymentIntentId;
        Status = PurchaseStatus.Failed;
        Outcome = new PaymentOutcome("requires_payment_method", code, declineCode);
        Updated = now;
    }

    public void Ship(string carrier, string trackingNumber, DateTimeOffset now)
    {
        if (Status is not (PurchaseStatus.Authorized or PurchaseStatus.Succeeded or PurchaseStatus.PartiallyRefunded))
            throw new InvalidOperationException("Only paid or authorized purchases ship.");
        Shipment = new Shipment(carrier, trackingNumber, now);
        Updated = now;
    }

    /// <summary>The authorization sweep alerted about this purchase: the first time, or <paramref name="again"/> (a later warning, such as PayPal's lapse).</summary>
    public void MarkSwept(DateTimeOffset now, bool again = false)
    {
        SweptAt = again ? now : SweptAt ?? now;
        Updated = now;
    }

    /// <summary>A paid purchase reads succeeded, partially_refunded or refunded by what Stripe says succeeded of its refunds.</summary>
    private PurchaseStatus RefundStatusOf(PurchaseStatus status, long captured) =>
        status != PurchaseStatus.Succeeded || AmountRefunded <= 0 ? status
        : AmountRefunded >= captured ? PurchaseStatus.Refunded
        : PurchaseStatus.PartiallyRefunded;

    private static bool IsRefundPart(PurchaseStatus status) =>
        status is PurchaseStatus.Succeeded or PurchaseStatus.PartiallyRefunded or PurchaseStatus.Refunded;

    private static PurchaseStatus StatusOf(PaymentIntentSnapshot intent) => intent.Status switch
    {
        "succeeded" => PurchaseStatus.Succeeded,
        "requires_capture" => PurchaseStatus.Authorized,
        "requires_action" => PurchaseStatus.RequiresAction,
        "canceled" when intent.CancellationReason == "expired" => PurchaseStatus.Expired,
        "canceled" => PurchaseStatus.Canceled,
        "requires_payment_method" when intent.LastErrorCode is not null => PurchaseStatus.Failed,
        "processing" => PurchaseStatus.Pending,
        _ => PurchaseStatus.AwaitingPayment,
    };
}
