using Payments.StandIns.Common;

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
    : IInjectedFault<Fault>
{
    /// <param name="delayOnly">Whether this asks for the faults with status 0 (a slow answer) rather than the failing ones.</param>
    public bool Matches(string method, string path, FaultPhase phase, bool delayOnly = false) =>
        phase == Phase && (Status == 0) == delayOnly && FaultTargets.Match(Method, PathPrefix, method, path);

    public Fault UsedOnce() => this with { Remaining = Remaining - 1 };
}

/// <summary>One handled API request, as <c>GET /_emulator/requests</c> reports it.</summary>
internal sealed record RequestRecord(string Method, string Path, string? PaypalRequestId, bool Replayed, int Status, string DebugId, string? Issue);
