namespace Payments.Core.Messaging;

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

    /// <summary>Where Service Bus keeps a queue's dead letters.</summary>
    public static string DeadLetter(string queue) => $"{queue}/$DeadLetterQueue";
}
