namespace Payments.Core.Reconciliation;

public sealed class ReconciliationOptions
{
    public const string Section = "Reconciliation";

    /// <summary>How often the Host runs the reconciler (Functions: the ReconciliationSchedule timer, hourly by default too).</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// A pass compares every purchase and invoice written within this long before the pass began. A day
    /// spans many runs, so a difference left by a failed write is seen again and again until it is gone.
    /// </summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromDays(1);

    /// <summary>Objects read per table page (each costs one or two Stripe reads).</summary>
    public int PageSize { get; set; } = 50;

    /// <summary>Pages per source per run; the rest of the pass waits in the cursor for the next run.</summary>
    public int MaxPagesPerRun { get; set; } = 20;
}
