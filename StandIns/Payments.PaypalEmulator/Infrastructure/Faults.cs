namespace Payments.PaypalEmulator;

/// <summary>When an injected failure strikes.</summary>
internal enum FaultPhase
{
    /// <summary>Before anything runs (an edge 5xx, a lost connection): nothing happens.</summary>
    Before,

    /// <summary>The operation ran and its effect stays, then the answer failed (the answer was lost).</summary>
    After,
}

/// <summary>
/// An injected failure: the next <see cref="Remaining"/> API requests matching the method and path prefix fail
/// with <see cref="Status"/> (shaped as PayPal's error for it) at <see cref="Phase"/>, after waiting
/// <see cref="DelayMs"/>. Status 0 only waits (a slow PayPal, which holds a request id in flight).
/// </summary>
internal sealed record Fault(string? Method, string? PathPrefix, int Status, int Remaining, FaultPhase Phase, int DelayMs)
{
    public bool Matches(string method, string path, FaultPhase phase, bool delayOnly) =>
        phase == Phase
        && (Status == 0) == delayOnly
        && (string.IsNullOrEmpty(Method) || Method == "*" || string.Equals(Method, method, StringComparison.OrdinalIgnoreCase))
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

    /// <summary>Consumes one use of the first fault matching this request, if any (<paramref name="delayOnly"/>: those with status 0).</summary>
    public Fault? Take(string method, string path, FaultPhase phase, bool delayOnly = false)
    {
        lock (sync)
        {
            var index = faults.FindIndex(f => f.Matches(method, path, phase, delayOnly));
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

/// <summary>One handled API request, as <c>GET /_emulator/requests</c> reports it.</summary>
internal sealed record RequestRecord(string Method, string Path, string? PaypalRequestId, bool Replayed, int Status, string DebugId, string? Issue);

internal sealed class RequestLog
{
    private readonly Lock sync = new();
    private readonly List<RequestRecord> records = [];

    public void Add(RequestRecord record)
    {
        lock (sync)
        {
            records.Add(record);
        }
    }

    public List<RequestRecord> Snapshot()
    {
        lock (sync)
        {
            return [.. records];
        }
    }

    public void Clear()
    {
        lock (sync)
        {
            records.Clear();
        }
    }
}
