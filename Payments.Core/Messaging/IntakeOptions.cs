namespace Payments.Core.Messaging;

/// <summary>The group commit of intake (<see cref="InboxCommitter"/>): how events that arrive together share their writes and sends.</summary>
public sealed class IntakeOptions
{
    public const string Section = "Webhooks:Intake";

    /// <summary>Most events in one commit (each bucket's rows then go in transactions of up to 100 entities).</summary>
    public int MaxBatch { get; set; } = 100;

    /// <summary>How long a commit waits, after its first event, for more to join it (unless <see cref="MaxBatch"/> is reached first).</summary>
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromMilliseconds(2);

    /// <summary>Commits under way at once: while one writes and sends, the next gathers what arrives meanwhile.</summary>
    public int MaxConcurrentCommits { get; set; } = 2;
}
