namespace Payments.Core.Checkout;

/// <summary>What the store sells through Stripe Checkout. Prices are minor units in <see cref="Currency"/>.</summary>
public sealed class CheckoutOptions
{
    public const string Section = "Checkout";

    public string Currency { get; set; } = "USD";
    public string DeviceName { get; set; } = "Device";
    public long DeviceUnitAmount { get; set; } = 14900;
    public int MaxDevices { get; set; } = 50;
    public string SubscriptionName { get; set; } = "Subscription";
    public long SubscriptionUnitAmount { get; set; } = 2900;
    /// <summary>day, week, month or year.</summary>
    public string SubscriptionInterval { get; set; } = "month";
    /// <summary>
    /// How long a Checkout Session stays open (Stripe allows 30 to 1440). An abandoned subscription checkout
    /// blocks another one for the same admin email until its session expires, so keep this short.
    /// </summary>
    public int SessionMinutes { get; set; } = 60;
    public string SuccessUrl { get; set; } = "http://127.0.0.1:7071/checkout/success?session_id={CHECKOUT_SESSION_ID}";
    public string CancelUrl { get; set; } = "http://127.0.0.1:7071/checkout/cancel";
}
