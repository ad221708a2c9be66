using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Payments.Core.Http;
using Payments.Core.Webhooks;

namespace Payments.Functions.Webhooks;

/// <summary>
/// Stripe's and PayPal's webhooks and the inbox operations. The webhook hands each verified event to Core's InboxCommitter,
/// one per worker process (it lives as long as the worker), which writes the rows of events arriving together in
/// shared transactions and sends their messages through the Service Bus SDK in one batch per queue, rather than a
/// [ServiceBusOutput] binding: a failed send is then known before the answer goes out, and Stripe hears 500. The inbox row stays the durable
/// record either way, and the sweep timer below re-enqueues anything left unprocessed.
/// </summary>
public sealed class WebhookFunctions(WebhooksApi webhooks, WebhookOperations operations)
{
    [Function("StripeWebhook")]
    public async Task<IResult> Receive(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "stripe/webhook")] HttpRequest req,
        CancellationToken ct) =>
        await webhooks.Receive(req, ct);

    /// <summary>PayPal's webhook: verified over the raw bytes and stored through the same committer as Stripe's.</summary>
    [Function("PaypalWebhook")]
    public async Task<IResult> ReceivePaypal(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "paypal/webhook")] HttpRequest req,
        CancellationToken ct) =>
        await webhooks.ReceivePaypal(req, ct);

    [Function("ListWebhookEvents")]
    public async Task<IResult> List(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "webhook-events")] HttpRequest req,
        CancellationToken ct) =>
        await webhooks.List(req.Query("status"), ct);

    [Function("GetWebhookEvent")]
    public async Task<IResult> Get(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "webhook-events/{id}")] HttpRequest req,
        string id,
        CancellationToken ct) =>
        await webhooks.Get(id, ct);

    [Function("ReplayWebhookEvent")]
    public async Task<IResult> Replay(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "webhook-events/{id}/replay")] HttpRequest req,
        string id,
        CancellationToken ct)
    {
        req.NoBody();
        return await webhooks.Replay(id, ct);
    }

    [Function("ReplayFailedWebhookEvents")]
    public async Task<IResult> ReplayFailed(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "webhook-events/replay-failed")] HttpRequest req,
        CancellationToken ct)
    {
        req.NoBody();
        return await webhooks.ReplayFailed(ct);
    }

    [Function("ResyncWebhookEvents")]
    public async Task<IResult> Resync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "webhook-events/resync")] HttpRequest req,
        CancellationToken ct)
    {
        req.NoBody();
        return await webhooks.Resync(ct);
    }

    [Function("WebhookInboxSweepTimer")]
    public Task SweepOnSchedule([TimerTrigger("%WebhookInboxSweepSchedule%")] TimerInfo timer, CancellationToken ct) =>
        operations.RedeliverStuckAsync(ct);

    [Function("WebhookResyncTimer")]
    public Task ResyncOnSchedule([TimerTrigger("%WebhookResyncSchedule%")] TimerInfo timer, CancellationToken ct) =>
        operations.ResyncAsync(ct);
}
