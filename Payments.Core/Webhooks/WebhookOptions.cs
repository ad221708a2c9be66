namespace Payments.Core.Webhooks;

public sealed class WebhookOptions
{
    public const string Section = "Webhooks";

    /// <summary>The endpoint's signing secret (whsec_…).</summary>
    public string? Secret { get; set; }
    /// <summary>The previous secret, accepted too while Stripe rolls the secret over.</summary>
    public string? PreviousSecret { get; set; }
    public int ToleranceSeconds { get; set; } = 300;
    public int MaxBodyBytes { get; set; } = 4 * 1024 * 1024;
    /// <summary>Inbox events not processed after this long are enqueued again by the inbox sweep.</summary>
    public TimeSpan RedeliverAfter { get; set; } = TimeSpan.FromMinutes(5);
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromMinutes(1);
    public TimeSpan ResyncInterval { get; set; } = TimeSpan.FromMinutes(15);
    /// <summary>How far back the first resync looks (Stripe keeps events for 30 days).</summary>
    public TimeSpan ResyncFirstLookBack { get; set; } = TimeSpan.FromDays(3);
    // How long the inbox keeps rows is Messaging's InboxOptions.Retention, read from this same section (Webhooks:Retention).

    public IReadOnlyList<string> Secrets =>
        new[] { Secret, PreviousSecret }.Where(s => !string.IsNullOrWhiteSpace(s)).Select(s => s!).ToList();
}
