namespace Payments.Core.Queues;

public static class QueueNames
{
    /// <summary>Card upkeep in Stripe (detaching removed cards).</summary>
    public const string Cards = "cards";
    /// <summary>PaymentIntent and charge changes that move purchases.</summary>
    public const string Payments = "payments";

    public static readonly IReadOnlyList<string> All = [Cards, Payments];

    /// <summary>Azure Functions' convention for storage queues; Service Bus has its own dead-letter queue.</summary>
    public static string Poison(string queue) => $"{queue}-poison";
}
