namespace Payments.Core.Queues;

public static class QueueNames
{
    /// <summary>Card upkeep in Stripe (detaching removed cards).</summary>
    public const string Cards = "cards";

    public static readonly IReadOnlyList<string> All = [Cards];

    /// <summary>Azure Functions' convention for storage queues; Service Bus has its own dead-letter queue.</summary>
    public static string Poison(string queue) => $"{queue}-poison";
}
