namespace Payments.Core.Telemetry;

/// <summary>What a stored payment holds as its provider last said: captured and refunded, in minor units.</summary>
public readonly record struct MoneyFigures(long Captured, long Refunded);

/// <summary>
/// <c>payments.money.moved</c>: minor units captured and refunded, by currency and capability. Recorded by the
/// stores after a write the ETag accepted, from the difference between the figures read and those written, so a
/// duplicate event, a retry or a lost race adds nothing and every cent is counted once, from the provider's figures.
/// </summary>
public static class MoneyMoved
{
    public const string Captured = "captured";
    public const string Refunded = "refunded";

    public static void Record(string capability, string? currency, MoneyFigures before, MoneyFigures after)
    {
        if (string.IsNullOrEmpty(currency))
            return;
        Add(capability, currency, Captured, after.Captured - before.Captured);
        Add(capability, currency, Refunded, after.Refunded - before.Refunded);
    }

    // Figures only grow (the aggregates keep the larger of what they had and what the provider says), so a
    // smaller one is never money moving back: nothing to count.
    private static void Add(string capability, string currency, string kind, long amount)
    {
        if (amount > 0)
            PaymentsTelemetry.MoneyMoved.Add(amount,
                new("kind", kind), new("currency", currency.ToLowerInvariant()), new("capability", capability));
    }
}
