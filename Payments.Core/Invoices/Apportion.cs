namespace Payments.Core.Invoices;

/// <summary>
/// Splits an amount of minor units into parts that always sum exactly to it: the largest
/// remainder method. Each part first gets the floor of its proportional share; the minor units
/// left over (fewer than the number of parts) go one each to the parts with the largest
/// fractional remainder, and between equal remainders to the earlier part. Callers list parts in
/// member join order (the organiser first), so in an equal split the odd cents go to whoever
/// joined first. No floating point: the products are taken in 128-bit integers.
/// </summary>
public static class Apportion
{
    /// <summary>Parts proportional to <paramref name="weights"/>; all-zero weights split equally.</summary>
    public static long[] ByWeights(long total, IReadOnlyList<long> weights)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(total);
        if (weights.Count == 0)
            throw new ArgumentException("At least one part is needed.", nameof(weights));
        if (weights.Any(w => w < 0))
            throw new ArgumentOutOfRangeException(nameof(weights), "Weights cannot be negative.");

        Int128 sum = 0;
        foreach (var w in weights)
            sum += w;
        if (sum == 0)
            return Equally(total, weights.Count);

        var parts = new long[weights.Count];
        var remainders = new Int128[weights.Count];
        long given = 0;
        for (var i = 0; i < weights.Count; i++)
        {
            var exact = (Int128)total * weights[i];
            parts[i] = (long)(exact / sum);
            remainders[i] = exact % sum;
            given += parts[i];
        }
        var order = Enumerable.Range(0, weights.Count).OrderByDescending(i => remainders[i]).ThenBy(i => i);
        foreach (var i in order.Take((int)(total - given)))
            parts[i]++;
        return parts;
    }

    /// <summary>Equal parts that differ by at most one minor unit; the earlier parts carry the extra units.</summary>
    public static long[] Equally(long total, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(total);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        var parts = new long[count];
        for (var i = 0; i < count; i++)
            parts[i] = total / count + (i < total % count ? 1 : 0);
        return parts;
    }
}
