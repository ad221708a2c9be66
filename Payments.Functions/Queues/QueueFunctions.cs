using Microsoft.Azure.Functions.Worker;
using Payments.Core.Messaging;

namespace Payments.Functions.Queues;

/// <summary>
/// One Service Bus trigger per queue in <see cref="QueueNames.All"/>, each handing the body, the
/// delivery count and the trace context (from the trigger metadata) to Core's <see cref="QueueDispatcher"/> (the Host's Service Bus processors do the
/// same). Returning completes the message: handled, or failed with its retry scheduled by the
/// dispatcher. The dispatcher throws only for a message to dead-letter (unreadable, unknown type,
/// attempts used up): the throw abandons it, the dispatcher runs no handler on its redeliveries, and
/// Service Bus dead-letters it after the queue's max delivery count (reason MaxDeliveryCountExceeded; ours
/// stays on the inbox row). FunctionsDoorTests checks every queue has one; ServiceBusTriggerTests runs them.
/// </summary>
public sealed class QueueFunctions(QueueDispatcher dispatcher)
{
    [Function("CardsQueue")]
    public Task Cards(
        [ServiceBusTrigger("cards", Connection = "ServiceBusConnection")] string body,
        int deliveryCount,
        string? applicationProperties,
        DateTime? enqueuedTimeUtc,
        CancellationToken ct) => dispatcher.DispatchAsync("cards", body, Delivered.FromTrigger(deliveryCount, applicationProperties, enqueuedTimeUtc), ct);

    [Function("PaymentsQueue")]
    public Task Payments(
        [ServiceBusTrigger("payments", Connection = "ServiceBusConnection")] string body,
        int deliveryCount,
        string? applicationProperties,
        DateTime? enqueuedTimeUtc,
        CancellationToken ct) => dispatcher.DispatchAsync("payments", body, Delivered.FromTrigger(deliveryCount, applicationProperties, enqueuedTimeUtc), ct);

    [Function("ProvisioningQueue")]
    public Task Provisioning(
        [ServiceBusTrigger("provisioning", Connection = "ServiceBusConnection")] string body,
        int deliveryCount,
        string? applicationProperties,
        DateTime? enqueuedTimeUtc,
        CancellationToken ct) => dispatcher.DispatchAsync("provisioning", body, Delivered.FromTrigger(deliveryCount, applicationProperties, enqueuedTimeUtc), ct);

    [Function("BillingQueue")]
    public Task Billing(
        [ServiceBusTrigger("billing", Connection = "ServiceBusConnection")] string body,
        int deliveryCount,
        string? applicationProperties,
        DateTime? enqueuedTimeUtc,
        CancellationToken ct) => dispatcher.DispatchAsync("billing", body, Delivered.FromTrigger(deliveryCount, applicationProperties, enqueuedTimeUtc), ct);

    [Function("FulfilmentQueue")]
    public Task Fulfilment(
        [ServiceBusTrigger("fulfilment", Connection = "ServiceBusConnection")] string body,
        int deliveryCount,
        string? applicationProperties,
        DateTime? enqueuedTimeUtc,
        CancellationToken ct) => dispatcher.DispatchAsync("fulfilment", body, Delivered.FromTrigger(deliveryCount, applicationProperties, enqueuedTimeUtc), ct);
}
