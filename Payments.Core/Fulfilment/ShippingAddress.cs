namespace Payments.Core.Fulfilment;

/// <summary>Where a sale's devices go. Fulfilment owns it: Checkout takes it in, Fulfilment ships to it.</summary>
public sealed record ShippingAddress(string Line1, string City, string PostalCode, string Country, string? Line2 = null, string? State = null);
