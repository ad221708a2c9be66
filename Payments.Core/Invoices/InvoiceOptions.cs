namespace Payments.Core.Invoices;

public sealed class InvoiceOptions
{
    public const string Section = "Invoices";

    /// <summary>From creation to expiry; inside the 7 days a card authorization lives, so every hold can still be captured (at most 6 days with PayPal: <see cref="InvoiceOptionsValidation"/>).</summary>
    public TimeSpan Deadline { get; set; } = TimeSpan.FromDays(5);
    /// <summary>Members per invoice, the organiser included.</summary>
    public int MaxMembers { get; set; } = 20;
    /// <summary>How often the Host's deadline sweep runs (Functions: the InvoiceDeadlineSweepSchedule timer).</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromMinutes(15);
    /// <summary>How soon an invoice email waiting for a funding run under way looks again (the run marks the invoice in moments).</summary>
    public TimeSpan EmailRecheckWhileFunding { get; set; } = TimeSpan.FromSeconds(2);
    /// <summary>How soon an ended email looks again while its invoice is still ending (voids and refunds under way, or left to the sweep).</summary>
    public TimeSpan EmailRecheckWhileEnding { get; set; } = TimeSpan.FromSeconds(15);
    /// <summary>Where PayPal sends a member who approved a share's order (<c>{invoiceId}</c> is filled in; PayPal adds <c>token</c>, the order id, and <c>PayerID</c>): the page that calls complete.</summary>
    public string PaypalReturnUrl { get; set; } = "http://127.0.0.1:7071/invoices/{invoiceId}/paypal/return";
    /// <summary>Where PayPal sends a member who cancelled on its page (with <c>token</c>): the order is left to expire, the share still theirs for 15 minutes.</summary>
    public string PaypalCancelUrl { get; set; } = "http://127.0.0.1:7071/invoices/{invoiceId}/paypal/cancel";
    public InvoiceShippingOptions Shipping { get; set; } = new();
}

/// <summary>
/// Shipping per physical unit, in the minor units of the catalog's currency: a country's own
/// amount, else its zone's, else the default.
/// </summary>
public sealed class InvoiceShippingOptions
{
    public long DefaultUnitAmount { get; set; } = 500;
    public Dictionary<string, InvoiceShippingZone> Zones { get; set; } = [];
    public Dictionary<string, long> Countries { get; set; } = [];

    public long UnitAmountFor(string country)
    {
        foreach (var (code, amount) in Countries)
            if (string.Equals(code, country, StringComparison.OrdinalIgnoreCase))
                return amount;
        foreach (var zone in Zones.Values)
            if (zone.Countries.Any(c => string.Equals(c, country, StringComparison.OrdinalIgnoreCase)))
                return zone.UnitAmount;
        return DefaultUnitAmount;
    }
}

public sealed class InvoiceShippingZone
{
    public long UnitAmount { get; set; }
    public List<string> Countries { get; set; } = [];
}
