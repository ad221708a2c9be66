namespace Payments.Core.Catalog;

public enum ProductKind { Digital, Physical, Service }

/// <summary>What we sell and for how much. The server's catalog is the only price authority.</summary>
public sealed record Product(
    string Id, string Name, long UnitAmount, string Currency, ProductKind Kind, long ShippingPerUnit, bool Active)
{
    public Money UnitPrice => new(UnitAmount, Currency);
    public Money ShippingPrice => new(Kind == ProductKind.Physical ? ShippingPerUnit : 0, Currency);
}

public static class ProductKinds
{
    public static string ToWire(this ProductKind kind) => kind switch
    {
        ProductKind.Digital => "digital",
        ProductKind.Physical => "physical",
        ProductKind.Service => "service",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    public static bool TryParse(string? wire, out ProductKind kind) => WireNames.TryParse(wire, ToWire, out kind);
}
