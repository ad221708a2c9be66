using System.Text.Json;
using System.Text.Json.Serialization;

namespace Payments.Core.Paypal;

/// <summary>
/// PayPal's JSON as sent and answered (snake_case, unknown fields ignored), and its mapping to our records. Every
/// amount passes through <see cref="PaypalAmount"/>: nothing else here reads or writes a money value.
/// </summary>
internal static class PaypalWire
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public sealed record Amount(string CurrencyCode, string Value)
    {
        public static Amount From(Money money)
        {
            var amount = PaypalAmount.From(money);
            return new Amount(amount.CurrencyCode, amount.Value);
        }

        public Money ToMoney() => new PaypalAmount(CurrencyCode, Value).ToMoney();
    }

    // --- Requests ----------------------------------------------------------------------------------

    public sealed record OrderRequest(string Intent, IReadOnlyList<PurchaseUnitRequest> PurchaseUnits, PaymentSource PaymentSource);
    public sealed record PurchaseUnitRequest(string ReferenceId, string? CustomId, string? InvoiceId, string? Description, Amount Amount);
    public sealed record PaymentSource(PaypalSource Paypal);
    public sealed record PaypalSource(ExperienceContext ExperienceContext);
    public sealed record ExperienceContext(string ReturnUrl, string CancelUrl, string UserAction, string ShippingPreference, string? BrandName, string? Locale);
    public sealed record CaptureRequest(Amount? Amount, bool FinalCapture, string? InvoiceId, string? NoteToPayer);
    public sealed record ReauthorizeRequest(Amount? Amount);
    public sealed record RefundRequest(Amount? Amount, string? InvoiceId, string? CustomId, string? NoteToPayer);

    // --- Answers -----------------------------------------------------------------------------------

    public sealed record Link(string? Href, string? Rel, string? Method);
    public sealed record StatusDetails(string? Reason);
    public sealed record RelatedIds(string? OrderId, string? AuthorizationId, string? CaptureId);
    public sealed record SupplementaryData(RelatedIds? RelatedIds);
    public sealed record Breakdown(Amount? GrossAmount, Amount? PaypalFee, Amount? NetAmount);
    public sealed record Payer(string? EmailAddress, string? PayerId);
    public sealed record PaypalWallet(string? EmailAddress, string? AccountId);
    public sealed record PaymentSourceAnswer(PaypalWallet? Paypal);

    public sealed record Authorization(
        string? Id, string? Status, StatusDetails? StatusDetails, Amount? Amount, string? InvoiceId, string? CustomId,
        DateTimeOffset? ExpirationTime, DateTimeOffset? CreateTime, DateTimeOffset? UpdateTime, SupplementaryData? SupplementaryData, List<Link>? Links);

    public sealed record Capture(
        string? Id, string? Status, StatusDetails? StatusDetails, Amount? Amount, bool? FinalCapture, string? InvoiceId, string? CustomId,
        DateTimeOffset? CreateTime, DateTimeOffset? UpdateTime, SupplementaryData? SupplementaryData, Breakdown? SellerReceivableBreakdown, List<Link>? Links);

    public sealed record Refund(
        string? Id, string? Status, StatusDetails? StatusDetails, Amount? Amount, string? InvoiceId, string? CustomId, string? NoteToPayer,
        DateTimeOffset? CreateTime, DateTimeOffset? UpdateTime, SupplementaryData? SupplementaryData, List<Link>? Links);

    public sealed record Payments(List<Authorization>? Authorizations, List<Capture>? Captures, List<Refund>? Refunds);
    public sealed record PurchaseUnit(string? ReferenceId, string? CustomId, string? InvoiceId, Amount? Amount, Payments? Payments);

    public sealed record Order(
        string? Id, string? Status, string? Intent, List<PurchaseUnit>? PurchaseUnits, List<Link>? Links,
        DateTimeOffset? CreateTime, DateTimeOffset? UpdateTime, Payer? Payer, PaymentSourceAnswer? PaymentSource);

    public sealed record Token(string? AccessToken, string? TokenType, long? ExpiresIn);

    public sealed record ErrorDetail(string? Field, string? Value, string? Location, string? Issue, string? Description);

    /// <summary>PayPal's error shape, and OAuth's (<c>error</c>, <c>error_description</c>) from the token endpoint.</summary>
    public sealed class Error
    {
        public string? Name { get; init; }
        public string? Message { get; init; }
        public string? DebugId { get; init; }
        public List<ErrorDetail>? Details { get; init; }
        [JsonPropertyName("error")]
        public string? OAuthError { get; init; }
        public string? ErrorDescription { get; init; }
    }

    // --- Mapping -----------------------------------------------------------------------------------

    public static PaypalOrder Map(Order o) => new(
        Required(o.Id, "order id"), Required(o.Status, "order status"), o.Intent,
        [.. (o.PurchaseUnits ?? []).Select(Map)], Links(o.Links), o.CreateTime, o.UpdateTime)
    {
        PayerEmail = o.PaymentSource?.Paypal?.EmailAddress ?? o.Payer?.EmailAddress,
        PayerId = o.PaymentSource?.Paypal?.AccountId ?? o.Payer?.PayerId,
    };

    private static PaypalPurchaseUnit Map(PurchaseUnit u) => new(
        u.ReferenceId, u.CustomId, u.InvoiceId, u.Amount?.ToMoney(),
        [.. (u.Payments?.Authorizations ?? []).Select(Map)], [.. (u.Payments?.Captures ?? []).Select(Map)], [.. (u.Payments?.Refunds ?? []).Select(Map)]);

    public static PaypalAuthorization Map(Authorization a) => new(
        Required(a.Id, "authorization id"), Required(a.Status, "authorization status"), a.StatusDetails?.Reason,
        RequiredAmount(a.Amount, "authorization"), a.InvoiceId, a.CustomId, a.ExpirationTime, a.CreateTime, a.UpdateTime)
    {
        OrderId = a.SupplementaryData?.RelatedIds?.OrderId,
    };

    public static PaypalCapture Map(Capture c) => new(
        Required(c.Id, "capture id"), Required(c.Status, "capture status"), c.StatusDetails?.Reason,
        RequiredAmount(c.Amount, "capture"), c.FinalCapture, c.InvoiceId, c.CustomId, c.CreateTime, c.UpdateTime)
    {
        OrderId = c.SupplementaryData?.RelatedIds?.OrderId,
        AuthorizationId = c.SupplementaryData?.RelatedIds?.AuthorizationId ?? LinkedId(c.Links, "up", "/authorizations/"),
        PaypalFee = c.SellerReceivableBreakdown?.PaypalFee?.ToMoney(),
        NetAmount = c.SellerReceivableBreakdown?.NetAmount?.ToMoney(),
    };

    public static PaypalRefund Map(Refund r) => new(
        Required(r.Id, "refund id"), Required(r.Status, "refund status"), r.StatusDetails?.Reason,
        RequiredAmount(r.Amount, "refund"), r.InvoiceId, r.CustomId, r.CreateTime, r.UpdateTime)
    {
        CaptureId = r.SupplementaryData?.RelatedIds?.CaptureId ?? LinkedId(r.Links, "up", "/captures/"),
        NoteToPayer = r.NoteToPayer,
    };

    private static List<PaypalLink> Links(List<Link>? links) =>
        [.. (links ?? []).Where(l => l.Href is not null && l.Rel is not null).Select(l => new PaypalLink(l.Href!, l.Rel!, l.Method))];

    /// <summary>The id at the end of a link such as <c>rel: up</c> → <c>…/v2/payments/captures/{id}</c>.</summary>
    private static string? LinkedId(List<Link>? links, string rel, string segment)
    {
        var href = links?.FirstOrDefault(l => l.Rel == rel && l.Href?.Contains(segment, StringComparison.Ordinal) == true)?.Href;
        if (href is null || !Uri.TryCreate(href, UriKind.Absolute, out var uri))
            return null;
        var path = uri.AbsolutePath;
        var at = path.IndexOf(segment, StringComparison.Ordinal) + segment.Length;
        var end = path.IndexOf('/', at);
        return end < 0 ? path[at..] : path[at..end];
    }

    private static string Required(string? value, string what) =>
        string.IsNullOrEmpty(value) ? throw new InvalidOperationException($"PayPal's answer has no {what}.") : value;

    private static Money RequiredAmount(Amount? amount, string what) =>
        amount?.ToMoney() ?? throw new InvalidOperationException($"PayPal's {what} has no amount (was Prefer: return=representation honoured?).");
}
