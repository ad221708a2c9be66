using Payments.Core.Fulfilment;
namespace Payments.Core.Checkout;

public enum SaleStatus { InProgress, Completed }

/// <summary>A store checkout in progress: what Stripe Checkout does not hold for us (devices, ship-to, admin email).</summary>
public sealed record Sale(
    string Id, string UserId, int Devices, bool Subscription, string Name, ShippingAddress ShipTo, string AdminEmail, string? BillingEmail,
    SaleStatus Status, string? SessionId, string? CustomerId, string? SubscriptionId, DateTimeOffset Created, DateTimeOffset? CompletedAt)
{
    public string StatusWire => Status == SaleStatus.Completed ? "completed" : "in_progress";
}
