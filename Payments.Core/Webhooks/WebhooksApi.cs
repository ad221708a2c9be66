using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Payments.Core.Http;
using Payments.Core.Messaging;
using Payments.Core.Paypal;

namespace Payments.Core.Webhooks;

/// <summary>What Stripe is told: the event is held (new, or a duplicate of one already held).</summary>
public sealed record WebhookReceipt(bool Received, bool Duplicate);

/// <summary>An event in the inbox as staff see it.</summary>
public sealed record WebhookEventView(
    string Id, string Type, long Created, string? ApiVersion, string? SubjectId, string? Queue, string Status, string Source,
    DateTimeOffset ReceivedAt, DateTimeOffset? ProcessedAt, int Attempts, string? LastError)
{
    public static WebhookEventView From(InboxEvent e) => new(e.Id, e.Type, e.Created, e.ApiVersion, e.SubjectId, e.Queue, InboxEvent.ToWire(e.Status), e.Source,
        e.ReceivedAt, e.ProcessedAt, e.Attempts, e.LastError);
}

public sealed record ReplayedCount(int Replayed);

/// <summary>Stripe's and PayPal's webhooks (anonymous: only the signature is trusted) and the admin operations on the inbox.</summary>
public sealed partial class WebhooksApi(
    WebhookIntake intake, PaypalWebhookIntake paypal, InboxStore inbox, WebhookOperations operations, IOptions<WebhookOptions> options,
    ILogger<WebhooksApi> logger)
{
    public static void Map(IEndpointRouteBuilder api)
    {
        api.MapPost("/stripe/webhook", (WebhooksApi a, HttpRequest r, CancellationToken ct) => a.Receive(r, ct)).WithName("StripeWebhook")
            .ForAnyone("Stripe signs each event: the signature over the raw bytes is checked before anything is read")
            .WithMetadata(new RequestBodyMetadata(typeof(System.Text.Json.JsonElement), Optional: false, Strict: false))
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status500InternalServerError);
        api.MapPost("/paypal/webhook", (WebhooksApi a, HttpRequest r, CancellationToken ct) => a.ReceivePaypal(r, ct)).WithName("PaypalWebhook")
            .ForAnyone("PayPal signs each delivery: the signature over the raw bytes is checked with PayPal's certificate before anything is read")
            .WithMetadata(new RequestBodyMetadata(typeof(System.Text.Json.JsonElement), Optional: false, Strict: false))
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status500InternalServerError).ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        api.MapGet("/webhook-events", (WebhooksApi a, [FromQuery] string? status, CancellationToken ct) => a.List(status, ct))
            .WithName("ListWebhookEvents").ForAdmins().ProducesProblem(StatusCodes.Status400BadRequest);
        api.MapGet("/webhook-events/{id}", (WebhooksApi a, string id, CancellationToken ct) => a.Get(id, ct)).WithName("GetWebhookEvent").ForAdmins().ProducesProblem(StatusCodes.Status404NotFound);
        api.MapPost("/webhook-events/{id}/replay", (WebhooksApi a, string id, NoBody none, CancellationToken ct) => a.Replay(id, ct))
            .WithName("ReplayWebhookEvent").ForAdmins().ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status404NotFound);
        api.MapPost("/webhook-events/replay-failed", (WebhooksApi a, NoBody none, CancellationToken ct) => a.ReplayFailed(ct)).WithName("ReplayFailedWebhookEvents").ForAdmins();
        api.MapPost("/webhook-events/resync", (WebhooksApi a, NoBody none, CancellationToken ct) => a.Resync(ct)).WithName("ResyncWebhookEvents").ForAdmins();
    }

    /// <summary>
    /// 200 once stored and enqueued (or already held); 400 for anything unsigned or malformed; 500 if storage or
    /// the queue failed, so Stripe retries. Takes the raw request: the signature covers the bytes as sent.
    /// </summary>
    public async Task<Ok<WebhookReceipt>> Receive(HttpRequest request, CancellationToken ct)
    {
        var body = await ReadBodyAsync(request, ct);
        IntakeOutcome outcome;
        try
        {
            outcome = await intake.ReceiveAsync(body, request.Headers["Stripe-Signature"].ToString(), ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogNotStored(logger, ex);
            throw new ApiError(500, "webhook_not_stored", "The event could not be stored; Stripe will retry.").ToException();
        }
        return outcome == IntakeOutcome.Invalid
            ? throw new ApiError(400, "invalid_webhook", "The event is not signed by Stripe with our secret, is too old or new, or is not an event.", "Stripe-Signature").ToException()
            : TypedResults.Ok(new WebhookReceipt(true, outcome == IntakeOutcome.Duplicate));
    }

    /// <summary>
    /// PayPal's webhook, answered as Stripe's: 200 once stored and enqueued (or already held); 400 <c>invalid_webhook</c>
    /// (with the refusal, e.g. <c>bad_signature</c>, <c>stale</c>) for a delivery we cannot tell is PayPal's, nothing stored;
    /// 503 when PayPal's certificate could not be fetched, 500 when storage or the queue failed: PayPal retries both.
    /// </summary>
    public async Task<Ok<WebhookReceipt>> ReceivePaypal(HttpRequest request, CancellationToken ct)
    {
        var body = await ReadBodyAsync(request, ct);
        var headers = PaypalWebhookHeaders.From(name => request.Headers[name].ToString());
        PaypalIntakeResult result;
        try
        {
            result = await paypal.ReceiveAsync(body, headers, ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogNotStored(logger, ex);
            throw new ApiError(500, "webhook_not_stored", "The event could not be stored; PayPal will retry.").ToException();
        }
        if (result.Refusal is { TryLater: true })
            throw new ApiError(503, "webhook_certificate_unavailable", "PayPal's certificate could not be fetched to check the signature; PayPal will retry.") { RetryAfterSeconds = 60 }.ToException();
        return result.Outcome == IntakeOutcome.Invalid
            ? throw new ApiError(400, "invalid_webhook", "The delivery is not signed by PayPal for our webhook, is too old or new, or is not an event.", PaypalWebhookHeaders.TransmissionSigHeader)
            {
                Extensions = new Dictionary<string, object?> { ["refusal"] = result.Refusal?.Refusal is { } refusal ? System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(refusal.ToString()) : null },
            }.ToException()
            : TypedResults.Ok(new WebhookReceipt(true, result.Outcome == IntakeOutcome.Duplicate));
    }

    /// <summary>The raw body, bounded: both providers sign the bytes as sent.</summary>
    private async Task<byte[]> ReadBodyAsync(HttpRequest request, CancellationToken ct)
    {
        var limit = options.Value.MaxBodyBytes;
        if (request.ContentLength > limit)
            throw ApiErrors.BodyTooLarge(limit).ToException();
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > limit)
                throw ApiErrors.BodyTooLarge(limit).ToException();
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }

    public async Task<Ok<Listing<WebhookEventView>>> List(string? status, CancellationToken ct)
    {
        var raw = status ?? "";
        if (!Enum.TryParse<InboxStatus>(raw, ignoreCase: true, out var wanted) || raw.Any(char.IsUpper) || raw.Any(char.IsDigit))
            throw ApiErrors.Validation("status", "status is received, processed, ignored or failed.").ToException();
        return TypedResults.Ok(Listing.Of((await inbox.ListAsync(wanted, 200, ct)).Select(WebhookEventView.From)));
    }

    public async Task<Ok<WebhookEventView>> Get(string id, CancellationToken ct)
    {
        var found = await inbox.FindAsync(id, ct) ?? throw ApiErrors.NotFound("event").ToException();
        return TypedResults.Ok(WebhookEventView.From(found.Event));
    }

    public async Task<Ok<WebhookEventView>> Replay(string id, CancellationToken ct)
    {
        if (await inbox.FindAsync(id, ct) is null)
            throw ApiErrors.NotFound("event").ToException();
        if (!await operations.ReplayAsync(id, ct))
            throw new ApiError(409, "invalid_state", "Only failed or waiting events can be replayed.").ToException();
        return TypedResults.Ok(WebhookEventView.From((await inbox.FindAsync(id, ct))!.Value.Event));
    }

    public async Task<Ok<ReplayedCount>> ReplayFailed(CancellationToken ct) => TypedResults.Ok(new ReplayedCount(await operations.ReplayFailedAsync(ct)));

    public async Task<Ok<ResyncResult>> Resync(CancellationToken ct) => TypedResults.Ok(await operations.ResyncAsync(ct));

    [LoggerMessage(EventId = 5003, Level = LogLevel.Error, Message = "A webhook could not be stored or enqueued; answered 500 so Stripe (or PayPal) retries")]
    private static partial void LogNotStored(ILogger logger, Exception ex);
}
