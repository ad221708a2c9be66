namespace Payments.Tests.Infrastructure;

/// <summary>The real clock moved by <see cref="Offset"/>: lets a test's own Host live in a later month while timers keep running.</summary>
public sealed class ShiftedClock : TimeProvider
{
    public TimeSpan Offset { get; set; }

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + Offset;
}
