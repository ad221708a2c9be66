
namespace Payments.Core.Fulfilment;

public enum FulfilmentStatus { Pending, Shipped }

/// <summary>Devices to ship for a paid sale: one order per sale, created once.</summary>
public sealed record FulfilmentOrder(
    string SaleId, int Devices, string Name, ShippingAddress ShipTo, FulfilmentStatus Status, string? InvoiceId,
    DateTimeOffset Created, DateTimeOffset? NotifiedAt, string? Carrier, string? TrackingNumber, DateTimeOffset? ShippedAt)
{
    public string StatusWire => Status == FulfilmentStatus.Shipped ? "shipped" : "pending";
}
