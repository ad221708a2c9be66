namespace Payments.Core.Messaging;

public sealed class QueueOptions
{
    public const string Section = "Queues";

    /// <summary>Used when <see cref="RetryDelays"/> is not configured: the last tries are minutes apart, so a short outage is outlived.</summary>
    public static readonly IReadOnlyList<TimeSpan> DefaultRetryDelays =
        [TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(15)];

    /// <summary>
    /// The wait before each retry of a failing handler: the first retry waits the first delay, and so
    /// on. A message gets one attempt more than there are delays, then it is dead-lettered. Unset, the
    /// <see cref="DefaultRetryDelays"/> apply (kept out of appsettings.json: configuration merges lists by
    /// index, so a shorter list set elsewhere would keep the file's later entries).
    /// </summary>
    public TimeSpan[]? RetryDelays { get; set; }

    /// <summary>
    /// Handlers run at once per queue in the Host (Functions: host.json maxConcurrentCalls, per instance). A handler
    /// mostly waits (storage, Stripe), so a processor handles about this many ÷ a handler's duration messages a
    /// second: 32 kept handling up with intake at 16 requests in flight in bench/ where 16 fell behind (bench/README.md,
    /// "Sizing the processors"); 64 did no better.
    /// </summary>
    public int MaxConcurrentCalls { get; set; } = 32;

    /// <summary>
    /// Messages the Host's processors fetch ahead (Functions: host.json prefetchCount). None: prefetched messages wait
    /// with their lock running and not renewed, so a slow spell (Stripe answering 429) can cost them their lock and a
    /// delivery; the bench showed no gain from it, and Service Bus bills a delivery the same either way.
    /// </summary>
    public int PrefetchCount { get; set; }

    /// <summary>How long the Host's processors keep renewing a message's lock while its handler runs.</summary>
    public TimeSpan MaxAutoLockRenewalDuration { get; set; } = TimeSpan.FromMinutes(5);

    public IReadOnlyList<TimeSpan> EffectiveRetryDelays => RetryDelays is { Length: > 0 } delays ? delays : DefaultRetryDelays;

    public int MaxAttempts => EffectiveRetryDelays.Count + 1;
}
