using Payments.Core.Catalog;
using Payments.Core.Purchases;
using Payments.Core.Stripe;

namespace Payments.Core.Invoices;

/// <summary>
/// A group invoice: one shared cart, its members and their items, and once checked out, each
/// member's share and the payments toward it. Every change goes through a method here that
/// guards the transition and throws the API's answer when it is not allowed; the store writes the
/// whole change at once, guarded by the invoice row's ETag.
/// </summary>
public sealed partial class Invoice
{
    private readonly List<InvoiceMember> _members;
    private readonly Dictionary<string, InvoiceShare> _shares;
    private readonly Dictionary<string, InvoicePayment> _payments;
    private readonly List<InvoiceRefund> _refunds;

    private Invoice(InvoiceHeader header, IEnumerable<InvoiceMember> members, IEnumerable<InvoiceShare> shares,
        IEnumerable<InvoicePayment> payments, IEnumerable<InvoiceRefund> refunds)
    {
        Header = header;
        _members = members.OrderBy(m => m.JoinOrder).ToList();
        _shares = shares.ToDictionary(s => s.MemberId, StringComparer.Ordinal);
        _payments = payments.ToDictionary(p => p.Id, StringComparer.Ordinal);
        _refunds = refunds.OrderBy(r => r.Created).ToList();
    }

    public InvoiceHeader Header { get; private set; }
    public string Id => Header.Id;
    public string OrganiserId => Header.OrganiserId;
    public InvoiceStatus Status => Header.Status;
    /// <summary>In join order, the organiser first.</summary>
    public IReadOnlyList<InvoiceMember> Members => _members;
    /// <summary>In join order; only members with something to pay have a share.</summary>
    public IReadOnlyList<InvoiceShare> Shares => _members.Where(m => _shares.ContainsKey(m.UserId)).Select(m => _shares[m.UserId]).ToList();
    public IReadOnlyCollection<InvoicePayment> Payments => _payments.Values;
    public IReadOnlyList<InvoiceRefund> Refunds => _refunds;

    public static Invoice Open(string id, string organiserId, string? email, string? title, DateTimeOffset now, TimeSpan deadline) =>
        new(new InvoiceHeader(id, organiserId, InvoiceStatus.Open, now, now + deadline, now) { Title = title },
            [new InvoiceMember(organiserId, email, 0, now, [])], [], [], []);

    /// <summary>Rebuilds from storage; only the store calls this.</summary>
    internal static Invoice Restore(InvoiceHeader header, IEnumerable<InvoiceMember> members, IEnumerable<InvoiceShare> shares,
        IEnumerable<InvoicePayment> payments, IEnumerable<InvoiceRefund> refunds) => new(header, members, shares, payments, refunds);

    public bool IsMember(string userId) => _members.Any(m => m.UserId == userId);
    public InvoiceMember? Member(string userId) => _members.FirstOrDefault(m => m.UserId == userId);
    public InvoiceShare? Share(string memberId) => _shares.GetValueOrDefault(memberId);
    public InvoicePayment? Payment(string paymentId) => _payments.GetValueOrDefault(paymentId);

    /// <summary>False (and no change) when the user is a member already.</summary>
    public bool Join(string userId, string? email, int maxMembers, DateTimeOffset now)
    {
        if (IsMember(userId))
            return false;
        RequireOpen();
        if (_members.Count >= maxMembers)
            throw InvoiceErrors.Full(maxMembers).ToException();
        _members.Add(new InvoiceMember(userId, email, _members.Max(m => m.JoinOrder) + 1, now, []));
        Touch(now);
        return true;
    }

    /// <summary>Replaces the member's own items (an empty list removes them all).</summary>
    public void SetItems(string userId, IReadOnlyList<QuoteLine> items, DateTimeOffset now)
    {
        RequireOpen();
        var index = _members.FindIndex(m => m.UserId == userId);
        _members[index] = _members[index] with { Items = items };
        Touch(now);
    }

    /// <summary>Prices and locks: the totals and shares are fixed from here on.</summary>
    public void CheckOut(string callerId, PaymentMode mode, ShippingAddress address, PricedInvoice priced, DateTimeOffset now)
    {
        RequireOrganiser(callerId);
        RequireOpen();
        _shares.Clear();
        for (var i = 0; i < priced.Members.Count; i++)
            if (priced.Shares[i] > 0)
                _shares[priced.Members[i].UserId] = new InvoiceShare(priced.Members[i].UserId, priced.Shares[i], ShareStatus.Unpaid, null, null, 0, 0);
        Header = Header with
        {
            Status = InvoiceStatus.CheckedOut, Mode = mode, ShippingAddress = address, Totals = priced.Totals, CheckedOutAt = now,
        };
        Touch(now);
    }

    /// <summary>
    /// How long a payment may hold a share without being authorized (a client confirmation or 3-D
    /// Secure left unfinished, a request that died) before another payment may take the share over;
    /// the old intent is then voided, and voided again should it be authorized later.
    /// </summary>
    public static readonly TimeSpan PaymentClaimTimeout = TimeSpan.FromMinutes(15);

    /// <summary>
    /// Checks that the share may be paid now, without changing anything. <paramref name="resumingPayerId"/>
    /// lets a payer whose own request died before Stripe answered retry it (same Idempotency-Key):
    /// their pending payment still holds the share, and the retry carries on with it. It also lets that payer
    /// start over at once from their own payment that waits for them (see <see cref="MayTakeOver"/>).
    /// </summary>
    public InvoiceShare RequirePayable(string memberId, DateTimeOffset now, string? resumingPayerId = null)
    {
        RequireAcceptingPayments();
        var share = Share(memberId) ?? throw InvoiceErrors.ShareNotFound().ToException();
        if (share.Status == ShareStatus.Unpaid)
            return share;
        if (share.Status == ShareStatus.Paying && _payments[share.PaymentId!] is var holder
            && ((holder.Status == InvoicePaymentStatus.Pending && holder.PayerId == resumingPayerId) || MayTakeOver(holder, resumingPayerId, now)))
            return share;
        throw InvoiceErrors.AlreadyCovered().ToException();
    }

    private void RequireAcceptingPayments()
    {
        if (Status.IsEndingOrEnded())
            throw InvoiceErrors.Closed(Status).ToException();
        if (Status != InvoiceStatus.CheckedOut)
            throw InvoiceErrors.InvalidState(Status == InvoiceStatus.Open
                ? "The organiser has not checked the invoice out yet; shares are known after checkout."
                : $"The invoice is {Status.ToWire()}; every share is paid.").ToException();
    }

    /// <summary>
    /// Whether a new payment by <paramref name="payerId"/> may take the share from the payment holding it: anyone once
    /// the holder has been left alone for <see cref="PaymentClaimTimeout"/>; its own payer at once when it waits for
    /// them (a card form or 3-D Secure left unfinished, a PayPal approval canceled or abandoned), so a payer who turns
    /// back from PayPal can pay by card straight away. Never from a payment still in flight to the provider (pending).
    /// The payment taken over is then voided (<see cref="HoldsToVoid"/>), and voided again should it be authorized later.
    /// </summary>
    private static bool MayTakeOver(InvoicePayment holder, string? payerId, DateTimeOffset now) =>
        now - holder.Updated >= PaymentClaimTimeout
        || (payerId is not null && holder.PayerId == payerId
            && holder.Status is InvoicePaymentStatus.AwaitingPayment or InvoicePaymentStatus.RequiresAction);

    /// <summary>The payer claims the share for a new payment: from here until it fails, nobody else can pay it.</summary>
    public InvoicePayment ClaimShare(string memberId, string payerId, string paymentId, string? cardId, DateTimeOffset now)
    {
        if (_payments.TryGetValue(paymentId, out var existing))
            return existing;
        RequireAcceptingPayments();
        var share = Share(memberId) ?? throw InvoiceErrors.ShareNotFound().ToException();
        if (share.Status != ShareStatus.Unpaid && !(share.Status == ShareStatus.Paying && MayTakeOver(_payments[share.PaymentId!], payerId, now)))
            throw InvoiceErrors.AlreadyCovered().ToException();
        var payment = new InvoicePayment(paymentId, memberId, payerId, cardId, share.Amount, Header.Totals!.Currency,
            InvoicePaymentStatus.Pending, null, null, null, now, now);
        _payments[paymentId] = payment;
        _shares[memberId] = share with { Status = ShareStatus.Paying, PayerId = payerId, PaymentId = paymentId };
        // A PayPal order taken over before it was authorized holds nothing and never will: completing it answers 409
        // (a card's PaymentIntent taken over is canceled at Stripe instead, through HoldsToVoid).
        if (share.PaymentId is { } displaced && _payments[displaced] is { Paypal.AuthorizationId: null })
            Decline(displaced, null, "share_taken_over", null, now);
        Touch(now);
        return payment;
    }

    /// <summary>
    /// Applies what Stripe says about a payment's PaymentIntent. False (no change) when the snapshot is
    /// older than what we know. A payment that no longer holds its share (or an invoice that ended)
    /// keeps its status here; <see cref="HoldsToVoid"/> then names it for voiding.
    /// </summary>
    public bool ApplyIntent(string paymentId, PaymentIntentSnapshot intent, DateTimeOffset now)
    {
        if (!_payments.TryGetValue(paymentId, out var payment))
            return false;
        // Another intent's snapshot (a stale metadata, a mix-up of ids) says nothing about this payment.
        if (payment.PaymentIntentId is { } own && own != intent.Id)
            return false;
        var next = StatusOf(intent);
        if (next.Rank() < payment.Status.Rank() || (next == payment.Status && payment.PaymentIntentId == intent.Id))
            return false;
        payment = payment with
        {
            Status = next, PaymentIntentId = intent.Id, ErrorCode = intent.LastErrorCode ?? payment.ErrorCode,
            DeclineCode = intent.LastDeclineCode ?? payment.DeclineCode, Updated = now,
        };
        _payments[paymentId] = payment;
        FollowPayment(payment, intent.AmountReceived);
        Touch(now);
        return true;
    }

    /// <summary>The card was refused when we confirmed: the share is free to pay again.</summary>
    public void Decline(string paymentId, string? paymentIntentId, string? code, string? declineCode, DateTimeOffset now)
    {
        var payment = _payments[paymentId];
        if (payment.Status.Rank() > InvoicePaymentStatus.Failed.Rank())
            return;
        payment = payment with
        {
            Status = InvoicePaymentStatus.Failed, PaymentIntentId = payment.PaymentIntentId ?? paymentIntentId,
            ErrorCode = code, DeclineCode = declineCode, Updated = now,
        };
        _payments[paymentId] = payment;
        FollowPayment(payment, 0);
        Touch(now);
    }

    /// <summary>Every share is authorized (or captured) and the invoice is still waiting for its money.</summary>
    public bool IsFullyAuthorized =>
        Status == InvoiceStatus.CheckedOut && _shares.Count > 0 && _shares.Values.All(s => s.Status is ShareStatus.Authorized or ShareStatus.Captured);

    /// <summary>Claims the captures for one runner; false when another holds a fresh claim or there is nothing to capture.</summary>
    public bool ClaimFunding(DateTimeOffset now, TimeSpan staleAfter)
    {
        if (!IsFullyAuthorized || (Header.FundingClaimedAt is { } claimed && now - claimed < staleAfter))
            return false;
        Header = Header with { FundingClaimedAt = now };
        Touch(now);
        return true;
    }

    public void ReleaseFunding(DateTimeOffset now)
    {
        Header = Header with { FundingClaimedAt = null };
        Touch(now);
    }

    /// <summary>Authorized payments that hold their share: what funding captures.</summary>
    public IReadOnlyList<InvoicePayment> PaymentsToCapture =>
        _shares.Values.Where(s => s.Status == ShareStatus.Authorized && s.PaymentId is not null).Select(s => _payments[s.PaymentId!]).ToList();

    /// <summary>The capture failed for good (the authorization lapsed or was refused): the share is unpaid again.</summary>
    public void CaptureFailed(string paymentId, string? code, DateTimeOffset now)
    {
        var payment = _payments[paymentId] with { Status = InvoicePaymentStatus.Canceled, ErrorCode = code ?? "capture_failed", Updated = now };
        _payments[paymentId] = payment;
        FollowPayment(payment, 0);
        Touch(now);
    }

    /// <summary>False when not every share is captured yet (or the invoice was funded already).</summary>
    public bool MarkFunded(DateTimeOffset now)
    {
        if (Status != InvoiceStatus.CheckedOut || _shares.Values.Any(s => s.Status != ShareStatus.Captured))
            return false;
        Header = Header with { Status = InvoiceStatus.Funded, FundedAt = now, FundingClaimedAt = null };
        Touch(now);
        return true;
    }

    /// <summary>A funding run holds a claim that has not gone stale: its captures may be in flight at Stripe.</summary>
    public bool IsFundingClaimed(DateTimeOffset now, TimeSpan staleAfter) =>
        Header.FundingClaimedAt is { } claimed && now - claimed < staleAfter;

    /// <summary>
    /// Cancel (organiser) or expire (deadline), first step: from here no payment is accepted and the
    /// invoice is <see cref="InvoiceStatus.Ending"/>; it becomes <paramref name="outcome"/> in
    /// <see cref="CompleteEnding"/> once <see cref="HoldsToVoid"/> and <see cref="RefundsOwed"/> are
    /// empty. A checked-out invoice with captured shares (a capture of another share was refused) ends
    /// too: those shares are refunded. Refused (<c>funding_in_progress</c>, retryable) while a funding
    /// run holds a fresh claim, since its captures would land on an ending invoice; and the deadline does not end an
    /// invoice whose every share is captured or has a PayPal capture pending (<see cref="AwaitsPaypalCaptures"/>). False (no change)
    /// when it is ending or ended that way already.
    /// </summary>
    public bool BeginEnding(InvoiceStatus outcome, DateTimeOffset now, TimeSpan claimStaleAfter)
    {
        if (Status == InvoiceStatus.Ending || Status == outcome)
            return false;
        if (Status.IsEnded())
            throw InvoiceErrors.Closed(Status).ToException();
        if (Status is not (InvoiceStatus.Open or InvoiceStatus.CheckedOut))
            throw InvoiceErrors.InvalidState($"A {Status.ToWire()} invoice was paid in full and cannot be {outcome.ToWire()}; refund its shares instead.").ToException();
        if (IsFundingClaimed(now, claimStaleAfter) || (outcome == InvoiceStatus.Expired && AwaitsPaypalCaptures))
            throw InvoiceErrors.FundingInProgress().ToException();
        foreach (var share in _shares.Values.Where(s => s.Status != ShareStatus.Captured).ToList())
            _shares[share.MemberId] = share with { Status = ShareStatus.Voided };
        Header = Header with { Status = InvoiceStatus.Ending, EndingAs = outcome, EndingStartedAt = now, FundingClaimedAt = null };
        Touch(now);
        return true;
    }

    /// <summary>
    /// Payments whose PaymentIntent or PayPal authorization may still hold money but must not: the invoice is ending
    /// or ended, the payment lost its share (another payment holds it), or it was given up (a PayPal authorization
    /// PayPal made after all). Canceling their intents, voiding their authorizations, releases the holds.
    /// </summary>
    public IReadOnlyList<InvoicePayment> HoldsToVoid =>
        _payments.Values
            .Where(p => p.MayHoldMoney
                && (Status.IsEndingOrEnded() || _shares.GetValueOrDefault(p.MemberId)?.PaymentId != p.Id
                    || p.Status is InvoicePaymentStatus.Canceled or InvoicePaymentStatus.Failed))
            .ToList();

    /// <summary>
    /// On an ending or ended invoice, every captured payment not yet given back in full: what is still
    /// owed and the attempt number (1 + the refunds Stripe failed or canceled), which names the refund's
    /// key, so a retry replays the same refund and only a failed one is tried again under a new key.
    /// We always capture a payment's whole amount, so that is what is owed.
    /// </summary>
    public IReadOnlyList<OwedRefund> RefundsOwed => Owed.Where(o => o.Attempt <= MaxEndingRefundAttempts).ToList();

    /// <summary>
    /// How many refunds of one payment ending tries. A card whose refunds fail at the bank (closed account) fails every
    /// one; after this many the money is for an admin to return another way: the organiser was told of each failure,
    /// the reconciler lists it (<c>captured_on_ended_invoice</c>), and <see cref="RefundsGivenUp"/> names it.
    /// </summary>
    public const int MaxEndingRefundAttempts = 3;

    /// <summary>Captured payments of an ending or ended invoice whose every refund Stripe failed or canceled: money we could not give back.</summary>
    public IReadOnlyList<OwedRefund> RefundsGivenUp => Owed.Where(o => o.Attempt > MaxEndingRefundAttempts).ToList();

    private IEnumerable<OwedRefund> Owed =>
        !Status.IsEndingOrEnded()
            ? []
            : _payments.Values
                .Where(p => p.HasRefundableCapture)
                .Select(p =>
                {
                    var refunds = _refunds.Where(r => r.PaymentId == p.Id).ToList();
                    var givenBack = refunds.Where(r => InvoiceWire.RefundGivesBack(r.Status)).Sum(r => r.Amount);
                    return new OwedRefund(p, p.Amount - givenBack, 1 + refunds.Count(r => !InvoiceWire.RefundGivesBack(r.Status)));
                })
                .Where(o => o.Amount > 0);

    /// <summary>
    /// Money an ending or ended invoice still holds (a hold, an unrefunded capture, or a PayPal capture still PENDING
    /// that may yet become money to give back): the sweep keeps coming back until there is none.
    /// </summary>
    public bool HasEndingWork => Status.IsEndingOrEnded() && (HoldsToVoid.Count > 0 || RefundsOwed.Count > 0 || PaypalCapturesPending.Count > 0);

    /// <summary>
    /// The last step of ending: with no hold left and every capture given back, the invoice becomes
    /// canceled or expired and its refunded shares read <c>refunded</c>. Also settles the shares of an
    /// invoice that ended already when a late capture was refunded. False when nothing changed or work remains.
    /// </summary>
    public bool CompleteEnding(DateTimeOffset now)
    {
        if (!Status.IsEndingOrEnded() || HasEndingWork)
            return false;
        var changed = false;
        // A share whose refunds were given up (see RefundsGivenUp) keeps reading captured: the money is still not back.
        var givenUp = RefundsGivenUp.Select(o => o.Payment.MemberId).ToHashSet(StringComparer.Ordinal);
        foreach (var share in _shares.Values.Where(s => s.Status == ShareStatus.Captured && !givenUp.Contains(s.MemberId)).ToList())
        {
            _shares[share.MemberId] = share with { Status = ShareStatus.Refunded };
            changed = true;
        }
        if (Status == InvoiceStatus.Ending)
        {
            Header = Header with { Status = Header.EndingAs ?? InvoiceStatus.Canceled, EndedAt = now };
            changed = true;
        }
        if (changed)
            Touch(now);
        return changed;
    }

    /// <summary>What the invoice ends as: its outcome while ending, else its status.</summary>
    public InvoiceStatus Outcome => Status == InvoiceStatus.Ending ? Header.EndingAs ?? InvoiceStatus.Canceled : Status;

    public void MarkOrdered(string callerId, DateTimeOffset now)
    {
        RequireOrganiser(callerId);
        if (Status == InvoiceStatus.Ordered)
            return;
        if (Status != InvoiceStatus.Funded)
            throw InvoiceErrors.InvalidState($"Only a funded invoice can be checked out with the shop; this one is {Status.ToWire()}.").ToException();
        Header = Header with { Status = InvoiceStatus.Ordered, OrderedAt = now };
        Touch(now);
    }

    public void Ship(string callerId, string carrier, string trackingNumber, DateTimeOffset now)
    {
        RequireOrganiser(callerId);
        if (Status is not (InvoiceStatus.Ordered or InvoiceStatus.Shipped))
            throw InvoiceErrors.InvalidState($"Only an ordered invoice ships; this one is {Status.ToWire()}.").ToException();
        Header = Header with { Status = InvoiceStatus.Shipped, Shipment = new Shipment(carrier, trackingNumber, now) };
        Touch(now);
    }

    /// <summary>What can still be refunded of a member's share; throws when the invoice or share was never captured.</summary>
    public (InvoiceShare Share, long Refundable) RequireRefundable(string callerId, string memberId)
    {
        RequireOrganiser(callerId);
        if (Status is not (InvoiceStatus.Funded or InvoiceStatus.Ordered or InvoiceStatus.Shipped))
            throw InvoiceErrors.InvalidState($"Shares are refunded after funding; this invoice is {Status.ToWire()}.").ToException();
        var share = Share(memberId) ?? throw InvoiceErrors.ShareNotFound().ToException();
        // Pending refunds are not refunded yet, but their money is spoken for: refunding it again could pass what was captured.
        return (share, Math.Max(0, share.AmountCaptured - share.AmountRefunded - RefundsPending(memberId)));
    }

    /// <summary>Refunds of the member's share Stripe has not settled yet (pending or requires_action): not refunded, not refundable.</summary>
    public long RefundsPending(string memberId) =>
        _refunds.Where(r => r.MemberId == memberId && RefundStatuses.IsPending(r.Status)).Sum(r => r.Amount);

    /// <summary>
    /// Records a refund with the status Stripe gave it; a refund already recorded only moves forward
    /// (<see cref="ApplyRefund"/>). The share's refunded amount is recounted from its refunds either way.
    /// </summary>
    public void AddRefund(InvoiceRefund refund, DateTimeOffset now)
    {
        var known = _refunds.FindIndex(r => r.Id == refund.Id);
        if (known >= 0)
        {
            Advance(known, refund.Status, refund.FailureReason, now);
            return;
        }
        _refunds.Add(refund);
        RecountRefunds(refund.MemberId);
        Touch(now);
    }

    /// <summary>
    /// Applies what Stripe says of a refund of <paramref name="paymentId"/>'s intent: a refund we do not know
    /// yet (made in Stripe's dashboard, or its request's write not done yet) is added; a known one moves
    /// forward only (pending → succeeded → failed; a stale snapshot changes nothing). Returns the refund as it
    /// now stands when something changed, else null.
    /// </summary>
    public InvoiceRefund? ApplyRefund(string paymentId, RefundSnapshot snapshot, DateTimeOffset now)
    {
        var known = _refunds.FindIndex(r => r.Id == snapshot.Id);
        if (known >= 0)
            return Advance(known, snapshot.Status, snapshot.FailureReason, now) ? _refunds[known] : null;
        if (!_payments.TryGetValue(paymentId, out var payment) || !_shares.ContainsKey(payment.MemberId))
            return null;
        var added = new InvoiceRefund(snapshot.Id, payment.MemberId, paymentId, snapshot.Amount, snapshot.Reason, snapshot.Status, snapshot.Created ?? now)
        {
            FailureReason = snapshot.FailureReason, Updated = now,
        };
        _refunds.Add(added);
        RecountRefunds(added.MemberId);
        Touch(now);
        return added;
    }

    private bool Advance(int index, string status, string? failureReason, DateTimeOffset now)
    {
        var refund = _refunds[index];
        if (RefundStatuses.Rank(status) <= RefundStatuses.Rank(refund.Status))
            return false;
        _refunds[index] = refund with { Status = status, FailureReason = failureReason ?? refund.FailureReason, Updated = now };
        RecountRefunds(refund.MemberId);
        Touch(now);
        return true;
    }

    /// <summary>Refunded is what Stripe says succeeded, recounted from the refunds so any order of updates ends the same.</summary>
    private void RecountRefunds(string memberId)
    {
        if (_shares.TryGetValue(memberId, out var share))
            _shares[memberId] = share with
            {
                AmountRefunded = _refunds.Where(r => r.MemberId == memberId && RefundStatuses.IsRefunded(r.Status)).Sum(r => r.Amount),
            };
    }

    public void RequireOrganiser(string callerId)
    {
        if (callerId != OrganiserId)
            throw InvoiceErrors.OrganiserOnly().ToException();
    }

    public void RequireOpen()
    {
        if (Status.IsEndingOrEnded())
            throw InvoiceErrors.Closed(Status).ToException();
        if (Status != InvoiceStatus.Open)
            throw InvoiceErrors.NotOpen().ToException();
    }

    /// <summary>The share follows the payment that holds it; a failed or canceled one frees it (unless the invoice ended).</summary>
    private void FollowPayment(InvoicePayment payment, long amountReceived)
    {
        if (!_shares.TryGetValue(payment.MemberId, out var share))
            return;
        if (Status.IsEndingOrEnded())
        {
            // Nothing is paid any more; only money that was taken shows on the share, to be refunded.
            if (payment.Status == InvoicePaymentStatus.Captured && share.PaymentId == payment.Id && share.Status != ShareStatus.Refunded)
                _shares[share.MemberId] = share with { Status = ShareStatus.Captured, AmountCaptured = Math.Max(share.AmountCaptured, amountReceived) };
            return;
        }
        if (share.PaymentId != payment.Id)
        {
            // A payment the share had let go of got authorized after all (say the payer finished 3-D Secure
            // after a decline on another card): it takes the share if nobody else holds it.
            if (payment.Status == InvoicePaymentStatus.Authorized && share.Status == ShareStatus.Unpaid && Status == InvoiceStatus.CheckedOut)
                _shares[share.MemberId] = share with { Status = ShareStatus.Authorized, PayerId = payment.PayerId, PaymentId = payment.Id };
            return;
        }
        _shares[share.MemberId] = payment.Status switch
        {
            InvoicePaymentStatus.Authorized => share with { Status = ShareStatus.Authorized },
            InvoicePaymentStatus.Captured => share with { Status = ShareStatus.Captured, AmountCaptured = Math.Max(share.AmountCaptured, amountReceived) },
            InvoicePaymentStatus.Failed or InvoicePaymentStatus.Canceled => share with { Status = ShareStatus.Unpaid, PayerId = null, PaymentId = null },
            _ => share with { Status = ShareStatus.Paying },
        };
    }

    private static InvoicePaymentStatus StatusOf(PaymentIntentSnapshot intent) => intent.Status switch
    {
        "succeeded" => InvoicePaymentStatus.Captured,
        "requires_capture" => InvoicePaymentStatus.Authorized,
        "requires_action" => InvoicePaymentStatus.RequiresAction,
        "canceled" => InvoicePaymentStatus.Canceled,
        "requires_payment_method" when intent.LastErrorCode is not null => InvoicePaymentStatus.Failed,
        "processing" => InvoicePaymentStatus.Pending,
        _ => InvoicePaymentStatus.AwaitingPayment,
    };

    private void Touch(DateTimeOffset now) => Header = Header with { Updated = now };
}
