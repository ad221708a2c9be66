using System.Security.Cryptography;
using System.Text;

namespace Payments.Core.Paypal;

/// <summary>
/// The <c>PayPal-Request-Id</c> of one intended side effect, derived from our ids (never random), so a retried
/// request, a redelivered message or a re-run handler asks PayPal for the same effect and PayPal answers the first
/// request's latest state instead of doing it twice. PayPal keeps Orders ids about 6 hours and Payments ids 45
/// days. The client sends it unchanged on every transport retry of the call, after the deployment's
/// <see cref="PaypalOptions.RequestIdPrefix"/>.
/// <para>
/// Made of letters, digits, <c>_ . : -</c> and at most <see cref="MaxLength"/> characters (PayPal allows 108,
/// the rest is the prefix's). Parts that would not fit (a long user id, odd characters) are replaced by a
/// SHA-256 of the whole, so the id stays the same for the same parts and different for different ones.
/// </para>
/// </summary>
public readonly record struct PaypalRequestId
{
    public const int MaxLength = 80;

    private PaypalRequestId(string value) => Value = value;

    public string Value { get; }

    /// <summary>Our ids joined with <c>-</c> (our ids hold no <c>-</c>): <c>Of("purchase", "pur_1", "order")</c> is <c>purchase-pur_1-order</c>.</summary>
    public static PaypalRequestId Of(params string[] parts)
    {
        if (parts.Length == 0 || parts.Any(string.IsNullOrEmpty))
            throw new ArgumentException("A PayPal request id needs at least one part and no empty part.", nameof(parts));
        var joined = string.Join('-', parts);
        if (joined.Length <= MaxLength && joined.All(IsAllowed))
            return new PaypalRequestId(joined);
        // Readable start (what the id is for), then a digest of the whole: unique per parts, within the length.
        var digest = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(joined)))[..40];
        var readable = new string(parts[0].Where(IsAllowed).Take(MaxLength - digest.Length - 2).ToArray());
        return new PaypalRequestId($"{(readable.Length == 0 ? "x" : readable)}-h{digest}");
    }

    /// <summary>The order for an invoice share's <paramref name="attempt"/>th PayPal payment (a payment after a declined one is a new order).</summary>
    public static PaypalRequestId InvoiceShareOrder(string invoiceId, string memberId, int attempt) =>
        Of("invoice", invoiceId, "share", memberId, "order", Attempt(attempt));

    /// <summary>The one order of a purchase paid with PayPal.</summary>
    public static PaypalRequestId PurchaseOrder(string purchaseId) => Of("purchase", purchaseId, "order");

    /// <summary>Capturing an approved order (intent CAPTURE): one effect per order.</summary>
    public static PaypalRequestId OrderCapture(string orderId) => Of("order", orderId, "capture");

    /// <summary>Authorizing an approved order (intent AUTHORIZE): one effect per order.</summary>
    public static PaypalRequestId OrderAuthorize(string orderId) => Of("order", orderId, "authorize");

    private static string Attempt(int attempt) =>
        attempt >= 1 ? attempt.ToString(System.Globalization.CultureInfo.InvariantCulture) : throw new ArgumentOutOfRangeException(nameof(attempt));

    private static bool IsAllowed(char c) => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or ':' or '-';

    public override string ToString() => Value ?? "";
}
