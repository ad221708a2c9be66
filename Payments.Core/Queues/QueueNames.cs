namespace Payments.Core.Queues;

public static class QueueNames
{
    /// <summary>Card upkeep in Stripe (detaching removed cards).</summary>
    public const string Cards = "cards";
    /// <summary>PaymentIntent and charge changes that move purchases.</summary>
    public const string Payments = "payments";
    /// <summary>Checkout completions and subscription changes: organisations and their admins.</summary>
    public const string Provisioning = "provisioning";
    /// <summary>Paid invoices.</summary>
    public const string Billing = "billing";
    /// <summary>Paid device sales to hand to the warehouse.</summary>
    public const string Fulfilment = "fulfilment";

    public static readonly IReadOnlyList<string> All = [Cards, Payments, Provisioning, Billing, Fulfilment];

    /// <summary>Azure Functions' convention for storage queues; Service Bus has its own dead-letter queue.</summary>
    public static string Poison(string queue) => $"{queue}-poison";
}
