namespace Payments.Core;

/// <summary>
/// An amount in the currency's minor unit (cents; for zero-decimal currencies such as JPY, the unit
/// itself), as Stripe counts it. Arithmetic is checked: an overflow throws rather than wraps.
/// </summary>
public readonly record struct Money(long Amount, string Currency)
{
    public static Money Zero(string currency) => new(0, currency);

    public static Money operator +(Money a, Money b) => new(checked(a.Amount + b.Amount), SameCurrency(a, b));
    public static Money operator -(Money a, Money b) => new(checked(a.Amount - b.Amount), SameCurrency(a, b));
    public Money Times(long quantity) => new(checked(Amount * quantity), Currency);

    /// <summary>
    /// THE rounding rule, stated once: a share of an amount (basis points) rounds half up to the
    /// nearest minor unit. 10% of 17000 is 1700; 10% of 5 is 1 (0.5 rounds up); 10% of 4 is 0.
    /// </summary>
    public Money ShareInBasisPoints(int basisPoints)
    {
        if (Amount < 0 || basisPoints < 0)
            throw new ArgumentOutOfRangeException(nameof(basisPoints), "Shares are taken of non-negative amounts only.");
        return new(checked(Amount * basisPoints + 5_000) / 10_000, Currency);
    }

    private static string SameCurrency(Money a, Money b) =>
        a.Currency == b.Currency ? a.Currency : throw new InvalidOperationException($"Cannot mix {a.Currency} and {b.Currency}.");

    public override string ToString() => Currencies.Format(this);
}
