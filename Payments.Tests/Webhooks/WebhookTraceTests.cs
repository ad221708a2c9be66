using System.Diagnostics;
using System.Net;
using OpenTelemetry.Trace;
using Payments.Core.Purchases;
using Payments.Core.Webhooks;
using Payments.Tests.Infrastructure;
using Xunit;
using static Payments.Tests.Webhooks.WebhookTestKit;
using Payments.Core.Messaging;

namespace Payments.Tests.Webhooks;

/// <summary>
/// One trace from Stripe's request to the handler's Stripe call: the webhook's HTTP span, the inbox write,
/// the Service Bus send, the handler's span (its context carried in the message's application properties)
/// and the handler's read of the PaymentIntent, exported by the Host's OpenTelemetry (here to memory).
/// </summary>
[Collection(PaymentsTestGroup.Name)]
public sealed class WebhookTraceTests(PaymentsFixture fixture)
{
    [Fact]
    public async Task A_webhooks_trace_runs_from_the_request_through_service_bus_to_the_handler_and_its_stripe_call()
    {
        var exported = new List<Activity>();
        await using var host = await PaymentsHostServer.StartAsync(fixture.Azurite.ConnectionString, fixture.Stripe.BaseUrl,
            services => services.ConfigureOpenTelemetryTracerProvider(t => t.AddInMemoryExporter(exported)));
        var (user, purchaseId, intentId) = await PurchaseCapturedInStripeAsync(host, fixture.Stripe);
        var json = EventJson("payment_intent.succeeded", IntentObject(intentId));
        var eventId = IdOf(json);

        await HttpAssert.JsonAsync(await PostAsync(host.Http, json), HttpStatusCode.OK);
        await HttpAssert.EventuallyAsync(async () =>
            (await host.Get<InboxStore>().FindAsync(eventId, default))!.Value.Event.Status == InboxStatus.Processed, "event processed");
        Assert.Equal(PurchaseStatus.Succeeded, (await host.Get<PurchaseStore>().FindAsync(user, purchaseId, default))!.Purchase.Status);

        Activity[] Spans() { lock (exported) return [.. exported]; }
        Activity? process = null;
        await HttpAssert.EventuallyAsync(() => Task.FromResult((process = Spans().FirstOrDefault(a =>
            a.OperationName == "process payments" && (string?)a.GetTagItem("payments.event.id") == eventId)) is not null), "the handler's span exported");
        var trace = Spans().Where(a => a.TraceId == process!.TraceId).ToList();

        // (The emulator runs in this process too: its own server spans for our Stripe calls are in the trace as well.)
        var request = Assert.Single(trace, a => a.Kind == ActivityKind.Server && (string?)a.GetTagItem("url.path") == "/api/stripe/webhook");
        var store = Assert.Single(trace, a => a.OperationName == "store stripe event");
        Assert.Equal(request.SpanId, store.ParentSpanId);
        var send = Assert.Single(trace, a => a.OperationName == "send payments");
        Assert.Equal(ActivityKind.Producer, send.Kind);
        Assert.Equal(ActivityKind.Consumer, process!.Kind);
        Assert.Equal(send.SpanId, process.ParentSpanId); // across the queue
        // The handler's read of the intent from Stripe (the emulator) is in the same trace, under the handler.
        var clients = string.Join("\n", trace.Where(a => a.Kind == ActivityKind.Client).Select(a => $"{a.OperationName} {a.GetTagItem("url.full")} parent {a.ParentSpanId} process {process.SpanId} descends {Descends(a, process, trace)}"));
        var stripeReads = trace.Where(a => a.Kind == ActivityKind.Client
            && a.GetTagItem("url.full") is string url && url.Split('?')[0].EndsWith($"/v1/payment_intents/{intentId}", StringComparison.Ordinal) && Descends(a, process, trace)).ToList();
        Assert.True(stripeReads.Count == 1, $"client spans in the trace:\n{clients}");
        var stripeRead = stripeReads[0];
        Assert.Equal("GET", stripeRead.GetTagItem("http.request.method"));
        // So is each table call the handler made (the purchase it updated).
        Assert.Contains(trace, a => a.Kind == ActivityKind.Client && a.GetTagItem("url.full") is string url && url.Contains("/purchases(", StringComparison.Ordinal) && Descends(a, process, trace));
    }

    private static bool Descends(Activity span, Activity ancestor, List<Activity> trace)
    {
        for (var parent = span.ParentSpanId; parent != default;)
        {
            if (parent == ancestor.SpanId)
                return true;
            parent = trace.FirstOrDefault(a => a.SpanId == parent)?.ParentSpanId ?? default;
        }
        return false;
    }
}
