using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Payments.Core.Telemetry;

/// <summary>
/// Our spans and metrics, on .NET's own <see cref="ActivitySource"/> and <see cref="Meter"/> (no exporter here:
/// each door adds OpenTelemetry and its exporters). One trace runs from the webhook's request through the inbox
/// write and the Service Bus send (its context travels as the message's <c>traceparent</c> application
/// property) to the handler and its Stripe and table calls (HTTP client spans).
/// </summary>
public static class PaymentsTelemetry
{
    public const string Name = "Payments";
    public const string TraceParentProperty = "traceparent";
    public const string TraceStateProperty = "tracestate";

    public static readonly ActivitySource Source = new(Name);
    public static readonly Meter Meter = new(Name);

    public static readonly Counter<long> EventsReceived = Meter.CreateCounter<long>("payments.webhook.events.received", "{event}", "Stripe and PayPal events acknowledged, by type and whether new");
    public static readonly Counter<long> MessagesHandled = Meter.CreateCounter<long>("payments.messages.handled", "{message}", "Queue messages by type and outcome (handled, skipped, waiting, retrying, dead_lettered)");
    public static readonly Histogram<double> HandlerDuration = Meter.CreateHistogram<double>("payments.messages.handler.duration", "s", "How long a message's handler ran");
    public static readonly Histogram<double> QueueLag = Meter.CreateHistogram<double>("payments.messages.lag", "s", "From a message's enqueue to its handling");
    public static readonly Counter<long> MoneyMoved = Meter.CreateCounter<long>("payments.money.moved", "{minor_unit}", "Money captured and refunded, as the provider counts it, by kind, currency and capability (see Telemetry.MoneyMoved)");
    public static readonly Counter<long> StripeCalls = Meter.CreateCounter<long>("payments.stripe.calls", "{call}", "Calls to Stripe's API by operation and outcome (see Stripe.StripeCallMetrics)");
    public static readonly Counter<long> StripeReadsAvoided = Meter.CreateCounter<long>("payments.stripe.reads.avoided", "{read}", "Stripe reads a handler did not make: not_ours (the signed payload proved the event none of ours, by type) or shared (another handler's read served it, by object; see Stripe.StripeReadCoalescer)");
    public static readonly Histogram<double> StripeCallDuration = Meter.CreateHistogram<double>("payments.stripe.call.duration", "s", "How long each call to Stripe's API took, by operation and outcome");
    public static readonly Counter<long> PaypalCalls = Meter.CreateCounter<long>("payments.paypal.calls", "{call}", "Calls to PayPal's API by operation and outcome (see Paypal.PaypalCallMetrics)");
    public static readonly Histogram<double> PaypalCallDuration = Meter.CreateHistogram<double>("payments.paypal.call.duration", "s", "How long each call to PayPal's API took, by operation and outcome");

    /// <summary>The span of one Service Bus send; its context goes into the message so the handler's span continues the trace.</summary>
    public static Activity? StartSend(string queue, string messageType, string messageId) => StartSend(queue, messageType, messageId, default, null);

    /// <summary>
    /// The span of one message of a batch send: a child of the request that accepted the message (so its trace runs on
    /// to the handler), linked to the batch's span, where the shared write and send are. Without a parent: a child of the current span.
    /// </summary>
    public static Activity? StartSend(string queue, string messageType, string messageId, ActivityContext parent, Activity? batch)
    {
        ActivityLink[]? links = batch is null ? null : [new ActivityLink(batch.Context)];
        var activity = Source.StartActivity($"send {queue}", ActivityKind.Producer, parent, links: links);
        activity?.SetTag("messaging.system", "servicebus");
        activity?.SetTag("messaging.operation.type", "send");
        activity?.SetTag("messaging.destination.name", queue);
        activity?.SetTag("messaging.message.id", messageId);
        activity?.SetTag("payments.message.type", messageType);
        return activity;
    }

    /// <summary>A context as a W3C <c>traceparent</c>; null for none.</summary>
    public static string? TraceParent(ActivityContext context) =>
        context == default ? null : $"00-{context.TraceId}-{context.SpanId}-{(context.TraceFlags.HasFlag(ActivityTraceFlags.Recorded) ? "01" : "00")}";

    /// <summary>The span of one delivered message's handling, a child of the send that queued it when its context came along.</summary>
    public static Activity? StartProcess(string queue, string? traceParent, string? traceState)
    {
        ActivityContext.TryParse(traceParent, traceState, isRemote: true, out var parent);
        var activity = Source.StartActivity($"process {queue}", ActivityKind.Consumer, parent);
        activity?.SetTag("messaging.system", "servicebus");
        activity?.SetTag("messaging.operation.type", "process");
        activity?.SetTag("messaging.destination.name", queue);
        return activity;
    }
}
