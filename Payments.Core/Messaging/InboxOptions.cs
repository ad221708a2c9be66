namespace Payments.Core.Messaging;

/// <summary>
/// The inbox's settings. They stay in the <c>Webhooks</c> section (<c>Webhooks:Retention</c>), where deployments
/// already set them, though the inbox now belongs to messaging and holds our own messages as well.
/// </summary>
public sealed class InboxOptions
{
    public const string Section = "Webhooks";

    /// <summary>
    /// How long inbox rows (Stripe events and our own messages) and their payload blobs are kept: longer
    /// than Stripe's 30 days of events, so a resync can never take in again an event we already dropped.
    /// </summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(45);

    /// <summary>
    /// How many partitions (buckets) the inbox's rows are spread over (<see cref="InboxKeys"/>). Fewer: an intake
    /// batch writes fewer, larger transactions; more: more room under Azure's ~2,000 entities/s per partition. A
    /// deployment keeps the number it started with: a row is looked for in the bucket its id hashes to, so the inbox
    /// refuses to write under another number (the first write records it).
    /// </summary>
    public int InboxBuckets { get; set; } = 8;
}
