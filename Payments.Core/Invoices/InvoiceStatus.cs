using System.Text.Json;

namespace Payments.Core.Invoices;

/// <summary>open → checked_out (priced and locked) → funded → ordered → shipped; open or checked_out → canceled | expired.</summary>
public enum InvoiceStatus { Open, CheckedOut, Funded, Ordered, Shipped, Canceled, Expired }

/// <summary>Who pays what: each member their own items, the organiser everything, or equal parts.</summary>
public enum PaymentMode { Each, Organiser, Split }

/// <summary>unpaid → paying (a payment holds the share) → authorized → captured; voided when the invoice ends.</summary>
public enum ShareStatus { Unpaid, Paying, Authorized, Captured, Voided }

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
        _ => 4,
    };

    public static bool IsEnded(this InvoiceStatus status) => status is InvoiceStatus.Canceled or InvoiceStatus.Expired;

    /// <summary>A PaymentIntent in these states can still be canceled, which releases any hold.</summary>
    public static bool IsVoidable(this InvoicePaymentStatus status) =>
        status is InvoicePaymentStatus.Pending or InvoicePaymentStatus.AwaitingPayment or InvoicePaymentStatus.RequiresAction or InvoicePaymentStatus.Authorized;
}
