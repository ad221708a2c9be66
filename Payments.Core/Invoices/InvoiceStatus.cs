using System.Text.Json;

namespace Payments.Core.Invoices;

/// <summary>
/// open → checked_out (priced and locked) → funded → ordered → shipped; open or checked_out → ending
/// (no payment accepted; holds being voided and captured shares refunded) → canceled | expired once
/// the invoice holds no money.
/// </summary>
public enum InvoiceStatus { Open, CheckedOut, Funded, Ordered, Shipped, Ending, Canceled, Expired }

/// <summary>Who pays what: each member their own items, the organiser everything, or equal parts.</summary>
public enum PaymentMode { Each, Organiser, Split }

/// <summary>
/// unpaid → paying (a payment holds the share) → authorized → captured; voided when the invoice ends
/// before the share was captured, refunded when it ends after (the capture given back in full).
/// </summary>
public enum ShareStatus { Unpaid, Paying, Authorized, Captured, Voided, Refunded }

/// <summary>One payment toward one share, following its PaymentIntent; it only moves forward (see <see cref="InvoiceWire.Rank"/>).</summary>
public enum InvoicePaymentStatus { Pending, AwaitingPayment, RequiresAction, Failed, Authorized, Captured, Canceled }

/// <summary>Our enums as snake_case on the wire and in storage.</summary>
public static class InvoiceWire
{
    public static string ToWire<TEnum>(this TEnum value) where TEnum : struct, Enum =>
        JsonNamingPolicy.SnakeCaseLower.ConvertName(value.ToString());

    public static bool TryParse<TEnum>(string? wire, out TEnum value) where TEnum : struct, Enum =>
        WireNames.TryParse(wire, ToWire, out value);

    public static int Rank(this InvoicePaymentStatus status) => status switch
    {
        InvoicePaymentStatus.Pending => 0,
        InvoicePaymentStatus.AwaitingPayment => 1,
        InvoicePaymentStatus.RequiresAction or InvoicePaymentStatus.Failed => 2,
        InvoicePaymentStatus.Authorized => 3,
        // A capture is the one outcome that holds money: nothing may move a payment back from it (a
        // stale "canceled" read, or a capture refused after all) and lose track of that money.
        InvoicePaymentStatus.Canceled => 4,
        _ => 5,
    };

    public static bool IsEnded(this InvoiceStatus status) => status is InvoiceStatus.Canceled or InvoiceStatus.Expired;

    /// <summary>Ending or ended: no payment is accepted, and any money the invoice holds is to be given back.</summary>
    public static bool IsEndingOrEnded(this InvoiceStatus status) => status is InvoiceStatus.Ending || status.IsEnded();

    /// <summary>A refund Stripe failed or canceled gave nothing back; any other (pending, succeeded) is on its way or done.</summary>
    public static bool RefundGivesBack(string stripeStatus) => stripeStatus is not ("failed" or "canceled");

    /// <summary>A PaymentIntent in these states can still be canceled, which releases any hold.</summary>
    public static bool IsVoidable(this InvoicePaymentStatus status) =>
        status is InvoicePaymentStatus.Pending or InvoicePaymentStatus.AwaitingPayment or InvoicePaymentStatus.RequiresAction or InvoicePaymentStatus.Authorized;
}
