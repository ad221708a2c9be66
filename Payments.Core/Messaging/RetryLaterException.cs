namespace Payments.Core.Messaging;

/// <summary>
/// A handler cannot go on until something outside it changes by a known time (another handler's claim
/// goes stale). The dispatcher schedules the same attempt again after <see cref="After"/>: waiting is not
/// failing, so it uses up none of the message's attempts. (Counting it let a one-time email whose claim
/// was left by a crash use up its retries and be dead-lettered unsent: found by the fault campaign.)
/// </summary>
public class RetryLaterException(string message, TimeSpan after, Exception? inner = null) : InvalidOperationException(message, inner)
{
    public TimeSpan After { get; } = after;
}
