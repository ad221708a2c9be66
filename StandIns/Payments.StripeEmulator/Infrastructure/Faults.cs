namespace Payments.StripeEmulator;

/// <summary>
/// An injected failure: the next <see cref="Remaining"/> /v1 requests matching the method and
/// path prefix fail with <see cref="Status"/>, before any side effect.
/// </summary>
internal sealed record Fault(string? Method, string? PathPrefix, int Status, int Remaining, string? Message)
{
    public bool Matches(string method, string path) =>
        (string.IsNullOrEmpty(Method) || Method == "*" || string.Equals(Method, method, StringComparison.OrdinalIgnoreCase))
        && (string.IsNullOrEmpty(PathPrefix) || path.StartsWith(PathPrefix, StringComparison.Ordinal));
}

internal sealed class FaultStore
{
    private readonly Lock sync = new();
    private readonly List<Fault> faults = [];

    public void Add(Fault fault)
    {
        lock (sync)
        {
            faults.Add(fault);
        }
    }

    /// <summary>Consumes one use of the first fault matching this request, if any.</summary>
    public Fault? Take(string method, string path)
    {
        lock (sync)
        {
            var index = faults.FindIndex(f => f.Matches(method, path));
            if (index < 0)
            {
                return null;
            }

            var fault = faults[index];
            if (fault.Remaining <= 1)
            {
                faults.RemoveAt(index);
            }
            else
            {
                faults[index] = fault with { Remaining = fault.Remaining - 1 };
            }

            return fault;
        }
    }

    public List<Fault> Snapshot()
    {
        lock (sync)
        {
            return [.. faults];
        }
    }

    public void Clear()
    {
        lock (sync)
        {
            faults.Clear();
        }
    }
}
