namespace Payments.Core.Paypal;

/// <summary>
/// PayPal's statuses, kept as PayPal's strings: a status PayPal adds later reads as itself, never as an error.
/// Money counts only as PayPal counts it: a <c>PENDING</c> capture is not money yet (<see cref="PaypalCaptureStatus.IsMoney"/>).
/// </summary>
public static class PaypalOrderStatus
{
    public const string Created = "CREATED";
    public const string Saved = "SAVED";
    public const string Approved = "APPROVED";
    public const string Voided = "VOIDED";
    public const string Completed = "COMPLETED";
    public const string PayerActionRequired = "PAYER_ACTION_REQUIRED";

    /// <summary>The payer has not approved yet: send them to the approve link.</summary>
    public static bool AwaitsPayer(string? status) => status is Created or PayerActionRequired;
}

public static class PaypalAuthorizationStatus
{
    public const string Created = "CREATED";
    public const string Captured = "CAPTURED";
    public const string Denied = "DENIED";
    public const string PartiallyCaptured = "PARTIALLY_CAPTURED";
    public const string Voided = "VOIDED";
    public const string Pending = "PENDING";

    /// <summary>Money can still be captured from it (PayPal's honor period and 29-day validity decide whether it succeeds).</summary>
    public static bool IsCapturable(string? status) => status is Created or PartiallyCaptured;
}

/// <summary>PayPal's clock for an authorization (from its <c>create_time</c>; a reauthorization starts a new honor period).</summary>
public static class PaypalAuthorizationLifetime
{
    /// <summary>Funds are guaranteed this long (the honor period); a capture after it may be refused (<c>PAYER_CANNOT_PAY</c>).</summary>
    public static readonly TimeSpan HonorPeriod = TimeSpan.FromDays(3);

    /// <summary>PayPal voids an authorization not captured by then (<c>PAYMENT.AUTHORIZATION.VOIDED</c>).</summary>
    public static readonly TimeSpan ValidFor = TimeSpan.FromDays(29);
}

public static class PaypalCaptureStatus
{
    public const string Completed = "COMPLETED";
    public const string Declined = "DECLINED";
    public const string PartiallyRefunded = "PARTIALLY_REFUNDED";
    public const string Pending = "PENDING";
    public const string Refunded = "REFUNDED";
    public const string Failed = "FAILED";

    /// <summary>The money was taken (some of it may have been refunded since). PENDING is not money yet; DECLINED and FAILED never will be.</summary>
    public static bool IsMoney(string? status) => status is Completed or PartiallyRefunded or Refunded;
}

public static class PaypalRefundStatus
{
    public const string Cancelled = "CANCELLED";
    public const string Failed = "FAILED";
    public const string Pending = "PENDING";
    public const string Completed = "COMPLETED";
}

public enum PaypalIntent { Capture, Authorize }

/// <summary>One purchase unit of an order we create: <paramref name="ReferenceId"/>, <paramref name="CustomId"/> and <paramref name="InvoiceId"/> carry our ids.</summary>
public sealed record PaypalPurchaseUnitRequest(string ReferenceId, Money Amount, string? CustomId = null, string? InvoiceId = null, string? Description = null);

/// <summary>
/// An order as we create it: sent to PayPal with <c>payment_source.paypal.experience_context</c> (<c>user_action</c>
/// PAY_NOW: the payer approves the final amount; <c>shipping_preference</c> NO_SHIPPING: PayPal asks no address).
/// </summary>
public sealed record PaypalOrderRequest(
    PaypalIntent Intent, IReadOnlyList<PaypalPurchaseUnitRequest> PurchaseUnits, string ReturnUrl, string CancelUrl,
    string? BrandName = null, string? Locale = null);

/// <summary>Capturing an authorization: all of it (<paramref name="Amount"/> null) or part; <paramref name="FinalCapture"/> releases the rest.</summary>
public sealed record PaypalAuthorizationCaptureRequest(Money? Amount, bool FinalCapture, string? InvoiceId = null, string? NoteToPayer = null);

/// <summary>Refunding a capture: the rest of it (<paramref name="Amount"/> null) or part.</summary>
public sealed record PaypalRefundRequest(Money? Amount, string? InvoiceId = null, string? CustomId = null, string? NoteToPayer = null);

public sealed record PaypalLink(string Href, string Rel, string? Method);

/// <summary>An order as PayPal has it. <see cref="ApproveUrl"/>: where the payer approves it.</summary>
public sealed record PaypalOrder(
    string Id, string Status, string? Intent, IReadOnlyList<PaypalPurchaseUnit> PurchaseUnits, IReadOnlyList<PaypalLink> Links,
    DateTimeOffset? CreateTime, DateTimeOffset? UpdateTime)
{
    /// <summary>The payer's PayPal account, once they approved (email, payer id).</summary>
    public string? PayerEmail { get; init; }
    public string? PayerId { get; init; }

    /// <summary>
    /// The link to send the payer to: <c>payer-action</c> (orders made with <c>experience_context</c>) or the older
    /// <c>approve</c>; null once there is nothing to approve.
    /// </summary>
    public string? ApproveUrl =>
        (Links.FirstOrDefault(l => l.Rel == "payer-action") ?? Links.FirstOrDefault(l => l.Rel == "approve"))?.Href;

    public IEnumerable<PaypalAuthorization> Authorizations => PurchaseUnits.SelectMany(u => u.Authorizations);
    public IEnumerable<PaypalCapture> Captures => PurchaseUnits.SelectMany(u => u.Captures);
    public IEnumerable<PaypalRefund> Refunds => PurchaseUnits.SelectMany(u => u.Refunds);
}

/// <summary>A purchase unit and the payments PayPal made for it (with <c>Prefer: return=representation</c>).</summary>
public sealed record PaypalPurchaseUnit(
    string? ReferenceId, string? CustomId, string? InvoiceId, Money? Amount,
    IReadOnlyList<PaypalAuthorization> Authorizations, IReadOnlyList<PaypalCapture> Captures, IReadOnlyList<PaypalRefund> Refunds);

/// <summary>
/// An authorization: <see cref="Status"/> is one of <see cref="PaypalAuthorizationStatus"/>; <see cref="ExpirationTime"/> is
/// the end of its 29-day validity (its 3-day honor period is not in the answer: it starts at <see cref="CreateTime"/>).
/// </summary>
public sealed record PaypalAuthorization(
    string Id, string Status, string? StatusReason, Money Amount, string? InvoiceId, string? CustomId,
    DateTimeOffset? ExpirationTime, DateTimeOffset? CreateTime, DateTimeOffset? UpdateTime)
{
    public string? OrderId { get; init; }
}

/// <summary>
/// A capture: money only when <see cref="PaypalCaptureStatus.IsMoney"/>. <see cref="StatusReason"/> says why it is
/// PENDING (<c>PENDING_REVIEW</c>, <c>ECHECK</c>, …). <see cref="PaypalFee"/> and <see cref="NetAmount"/> are PayPal's
/// seller-receivable breakdown when it gives one.
/// </summary>
public sealed record PaypalCapture(
    string Id, string Status, string? StatusReason, Money Amount, bool? FinalCapture, string? InvoiceId, string? CustomId,
    DateTimeOffset? CreateTime, DateTimeOffset? UpdateTime)
{
    public string? OrderId { get; init; }
    public string? AuthorizationId { get; init; }
    public Money? PaypalFee { get; init; }
    public Money? NetAmount { get; init; }
}

/// <summary>A refund: refunded only when <c>COMPLETED</c>; PENDING is on its way; FAILED and CANCELLED gave nothing back.</summary>
public sealed record PaypalRefund(
    string Id, string Status, string? StatusReason, Money Amount, string? InvoiceId, string? CustomId,
    DateTimeOffset? CreateTime, DateTimeOffset? UpdateTime)
{
    public string? CaptureId { get; init; }
    public string? NoteToPayer { get; init; }
}
