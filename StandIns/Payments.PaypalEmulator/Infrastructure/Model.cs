using System.Text.Json.Nodes;

namespace Payments.PaypalEmulator;

/// <summary>
/// How the payer funds an approved order, chosen on the approve page (or with the approve control). Each plays
/// one documented PayPal outcome.
/// </summary>
internal enum Funding
{
    /// <summary>PayPal balance: captures complete, authorizations are created.</summary>
    Balance,

    /// <summary>A card that declines: capturing or authorizing the order answers 422 <c>INSTRUMENT_DECLINED</c>; the payer must approve again.</summary>
    Declined,

    /// <summary>Captures are <c>PENDING</c> with <c>status_details.reason</c> <c>PENDING_REVIEW</c> until a control call completes or denies them.</summary>
    PendingReview,

    /// <summary>Captures are <c>PENDING</c> with reason <c>ECHECK</c> (a bank-funded payment) until completed or denied.</summary>
    Echeck,

    /// <summary>Funds are guaranteed only during an authorization's honor period: a capture after it answers 422 <c>PAYER_CANNOT_PAY</c>.</summary>
    HonorOnly,
}

internal static class FundingNames
{
    public static readonly (Funding Funding, string Name, string Label)[] All =
    [
        (Funding.Balance, "balance", "PayPal balance (the payment completes)"),
        (Funding.Declined, "card_declined", "A card that declines at capture (INSTRUMENT_DECLINED)"),
        (Funding.PendingReview, "pending_review", "Capture held for review (PENDING, PENDING_REVIEW)"),
        (Funding.Echeck, "echeck", "eCheck: capture pending until the bank pays (PENDING, ECHECK)"),
        (Funding.HonorOnly, "honor_only", "Funds only during the 3-day honor period (a later capture fails: PAYER_CANNOT_PAY)"),
    ];

    public static Funding? Parse(string? name) =>
        string.IsNullOrEmpty(name) ? Funding.Balance : All.FirstOrDefault(f => f.Name == name) is { Name: not null } f ? f.Funding : null;

    public static string Name(Funding funding) => All.First(f => f.Funding == funding).Name;
}

/// <summary>The buyer who approved an order (a sandbox personal account).</summary>
internal sealed record Payer(string PayerId, string Email, string GivenName, string Surname, string CountryCode);

internal sealed class PurchaseUnit
{
    public required string ReferenceId { get; init; }

    public required Money Amount { get; init; }

    /// <summary>As sent (already validated): breakdown and items are echoed, never interpreted further.</summary>
    public JsonNode? Breakdown { get; init; }

    public JsonNode? Items { get; init; }

    public string? CustomId { get; init; }

    public string? InvoiceId { get; init; }

    public string? Description { get; init; }

    public string? SoftDescriptor { get; init; }

    public List<string> Captures { get; } = [];

    public List<string> Authorizations { get; } = [];
}

internal sealed class Order
{
    public required string Id { get; init; }

    public required string ClientId { get; init; }

    /// <summary>CAPTURE or AUTHORIZE.</summary>
    public required string Intent { get; init; }

    /// <summary>CREATED, PAYER_ACTION_REQUIRED, APPROVED or COMPLETED (VOIDED and SAVED are not reached here).</summary>
    public required string Status { get; set; }

    public required DateTimeOffset CreateTime { get; init; }

    public DateTimeOffset UpdateTime { get; set; }

    /// <summary>An order not yet captured or authorized by then is gone (see the README: the value is unconfirmed).</summary>
    public required DateTimeOffset ExpiresAt { get; init; }

    public required List<PurchaseUnit> Units { get; init; }

    /// <summary>Created with <c>payment_source.paypal</c>: the payer goes to the <c>payer-action</c> link.</summary>
    public bool PaymentSourcePaypal { get; init; }

    public JsonObject? ExperienceContext { get; init; }

    public string? ReturnUrl { get; init; }

    public string? CancelUrl { get; init; }

    public Payer? Payer { get; set; }

    public Funding Funding { get; set; }

    public bool IsOpen => Status is "CREATED" or "PAYER_ACTION_REQUIRED" or "APPROVED";

    public bool IsExpired(DateTimeOffset now) => IsOpen && now >= ExpiresAt;
}

/// <summary>
/// The funds an authorization holds, shared by an authorization and its reauthorization: what was captured,
/// whether the last capture was final, and the 29-day end the reauthorization does not move.
/// </summary>
internal sealed class Hold
{
    public required Money Amount { get; set; }

    public long Captured { get; set; }

    public int CaptureCount { get; set; }

    public bool Final { get; set; }

    public bool Voided { get; set; }

    /// <summary>Voided because the 29 days passed (a capture then answers AUTHORIZATION_EXPIRED).</summary>
    public bool Expired { get; set; }

    public bool Reauthorized { get; set; }

    public required DateTimeOffset ExpiresAt { get; init; }

    public required Funding Funding { get; init; }

    public bool Open => !Voided && !Final && Captured < Amount.Minor;
}

internal sealed class Authorization
{
    public required string Id { get; init; }

    public required string OrderId { get; init; }

    /// <summary>The authorization this one reauthorized, if it is a reauthorization.</summary>
    public string? ParentId { get; init; }

    public required Hold Hold { get; init; }

    public required Money Amount { get; init; }

    public required DateTimeOffset HonorUntil { get; init; }

    public required DateTimeOffset CreateTime { get; init; }

    public DateTimeOffset UpdateTime { get; set; }

    public string? InvoiceId { get; init; }

    public string? CustomId { get; init; }

    public string Status =>
        Hold.Voided ? "VOIDED"
        : Hold.Captured == 0 ? "CREATED"
        : Hold.Captured >= Amount.Minor ? "CAPTURED"
        : "PARTIALLY_CAPTURED";
}

internal sealed class Capture
{
    public required string Id { get; init; }

    public required string OrderId { get; init; }

    public string? AuthorizationId { get; init; }

    public required Money Amount { get; init; }

    /// <summary>COMPLETED, PENDING, DECLINED, PARTIALLY_REFUNDED or REFUNDED.</summary>
    public required string Status { get; set; }

    /// <summary><c>status_details.reason</c> while PENDING (PENDING_REVIEW, ECHECK) or after a denial.</summary>
    public string? Reason { get; set; }

    public required bool FinalCapture { get; init; }

    public string? InvoiceId { get; init; }

    public string? CustomId { get; init; }

    public required DateTimeOffset CreateTime { get; init; }

    public DateTimeOffset UpdateTime { get; set; }

    public List<string> Refunds { get; } = [];

    /// <summary>Set by a control call: how the next refund of this capture turns out (PENDING or FAILED); null completes.</summary>
    public string? NextRefundStatus { get; set; }
}

internal sealed class Refund
{
    public required string Id { get; init; }

    public required string CaptureId { get; init; }

    public required Money Amount { get; init; }

    /// <summary>COMPLETED, PENDING, FAILED or CANCELLED.</summary>
    public required string Status { get; set; }

    public string? Reason { get; set; }

    public string? InvoiceId { get; init; }

    public string? CustomId { get; init; }

    public string? NoteToPayer { get; init; }

    /// <summary>Made by a reversal (PAYMENT.CAPTURE.REVERSED), not by the merchant.</summary>
    public bool Reversal { get; init; }

    public required DateTimeOffset CreateTime { get; init; }

    public DateTimeOffset UpdateTime { get; set; }
}
