namespace Payments.Core.Purchases;

/// <summary>
/// Section <c>Purchases:Paypal</c>: where PayPal sends the payer after the approve page. PayPal appends
/// <c>token={orderId}&amp;PayerID=…</c> to the return URL (and <c>token</c> to the cancel URL); <c>{PURCHASE_ID}</c> in
/// either is replaced by the purchase's id, so the shop's page knows which purchase to complete
/// (<c>POST /api/me/purchases/{id}/paypal/complete</c>).
/// </summary>
public sealed class PurchasePaypalOptions
{
    public const string Section = "Purchases:Paypal";
    public const string PurchaseIdPlaceholder = "{PURCHASE_ID}";

    public string ReturnUrl { get; set; } = "http://127.0.0.1:7071/paypal/return?purchase=" + PurchaseIdPlaceholder;
    public string CancelUrl { get; set; } = "http://127.0.0.1:7071/paypal/cancel?purchase=" + PurchaseIdPlaceholder;
    /// <summary>The name PayPal shows the payer on the approve page; PayPal's account name when empty.</summary>
    public string? BrandName { get; set; }

    public string ReturnUrlFor(string purchaseId) => ReturnUrl.Replace(PurchaseIdPlaceholder, purchaseId, StringComparison.Ordinal);

    public string CancelUrlFor(string purchaseId) => CancelUrl.Replace(PurchaseIdPlaceholder, purchaseId, StringComparison.Ordinal);
}
