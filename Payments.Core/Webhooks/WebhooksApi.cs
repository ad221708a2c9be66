using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Payments.Core.Http;

namespace Payments.Core.Webhooks;

/// <summary>Stripe's webhook (anonymous: only the signature is trusted) and the admin operations on the inbox.</summary>
public sealed partial class WebhooksApi(
    WebhookIntake intake, WebhookInbox inbox, WebhookOperations operations, IOptions<WebhookOptions> options,
    ILogger<WebhooksApi> logger)
{
    public static void Map(IEndpointRouteBuilder api)
    {
        api.MapPost("/stripe/webhook", (WebhooksApi a, HttpRequest r, CancellationToken ct) => a.Receive(r, ct)).WithName("StripeWebhook")
            .ForAnyone("Stripe signs each event: the signature over the raw bytes is checked before anything is read");
        api.MapGet("/webhook-events", (WebhooksApi a, HttpRequest r, CancellationToken ct) => a.List(r, ct)).WithName("ListWebhookEvents").ForAdmins();
        api.MapGet("/webhook-events/{id}", (WebhooksApi a, HttpRequest r, string id, CancellationToken ct) => a.Get(r, id, ct)).WithName("GetWebhookEvent").ForAdmins();
        api.MapPost("/webhook-events/{id}/replay", (WebhooksApi a, HttpRequest r, string id, CancellationToken ct) => a.Replay(r, id, ct)).WithName("ReplayWebhookEvent").ForAdmins();
        api.MapPost("/webhook-events/replay-failed", (WebhooksApi a, HttpRequest r, CancellationToken ct) => a.ReplayFailed(r, ct)).WithName("ReplayFailedWebhookEvents").ForAdmins();
        api.MapPost("/webhook-events/resync", (WebhooksApi a, HttpRequest r, CancellationToken ct) => a.Resync(r, ct)).WithName("ResyncWebhookEvents").ForAdmins();
    }

    /// <summary>200 once stored and enqueued (or already held); 400 for anything unsigned or malformed; 500 if storage or the queue failed, so Stripe retries.</summary>
    public async Task<IResult> Receive(HttpRequest request, CancellationToken ct)
    {
        var limit = options.Value.MaxBodyBytes;
        if (request.ContentLength > limit)
            return ProblemMapper.ToResult(ApiErrors.BodyTooLarge(limit));
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > limit)
                return ProblemMapper.ToResult(ApiErrors.BodyTooLarge(limit));
            buffer.Write(chunk, 0, read);
        }
        try
        {
            var outcome = await intake.ReceiveAsync(buffer.ToArray(), request.Headers["Stripe-Signature"].ToString(), ct);
            return outcome == IntakeOutcome.Invalid
                ? ProblemMapper.ToResult(new ApiError(400, "invalid_webhook", "The event is not signed by Stripe with our secret, is too old or new, or is not an event.", "Stripe-Signature"))
                : TypedResults.Ok(new { received = true, duplicate = outcome == IntakeOutcome.Duplicate });
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogNotStored(logger, ex);
            return ProblemMapper.ToResult(new ApiError(500, "webhook_not_stored", "The event could not be stored; Stripe will retry."));
        }
    }

    public Task<IResult> List(HttpRequest request, CancellationToken ct) => Api.Run(request, async () =>
    {
        var raw = request.Query["status"].ToString();
        if (!Enum.TryParse<InboxStatus>(raw, ignoreCase: true, out var status) || raw.Any(char.IsUpper))
            throw ApiErrors.Validation("status", "status is received, processed, ignored or failed.").ToException();
        var events = await inbox.ListAsync(status, 200, ct);
        return TypedResults.Ok(new { data = events.Select(Response) });
    });

    public Task<IResult> Get(HttpRequest request, string id, CancellationToken ct) => Api.Run(request, async () =>
    {
        var found = await inbox.FindAsync(id, ct) ?? throw ApiErrors.NotFound("event").ToException();
        return TypedResults.Ok(Response(found.Event));
    });

    public Task<IResult> Replay(HttpRequest request, string id, CancellationToken ct) => Api.Run(request, async () =>
    {
        JsonBody.RequireNone(request);
        if (await inbox.FindAsync(id, ct) is null)
            throw ApiErrors.NotFound("event").ToException();
        if (!await operations.ReplayAsync(id, ct))
            throw new ApiError(409, "invalid_state", "Only failed or waiting events can be replayed.").ToException();
        return TypedResults.Ok(Response((await inbox.FindAsync(id, ct))!.Value.Event));
    });

    public Task<IResult> ReplayFailed(HttpRequest request, CancellationToken ct) => Api.Run(request, async () =>
    {
        JsonBody.RequireNone(request);
        return TypedResults.Ok(new { replayed = await operations.ReplayFailedAsync(ct) });
    });

    public Task<IResult> Resync(HttpRequest request, CancellationToken ct) => Api.Run(request, async () =>
    {
        JsonBody.RequireNone(request);
        return TypedResults.Ok(await operations.ResyncAsync(ct));
    });

    [LoggerMessage(EventId = 5003, Level = LogLevel.Error, Message = "A webhook could not be stored or enqueued; answered 500 so Stripe retries")]
    private static partial void LogNotStored(ILogger logger, Exception ex);

    private static object Response(InboxEvent e) => new
    {
        id = e.Id,
        type = e.Type,
        created = e.Created,
        apiVersion = e.ApiVersion,
        subjectId = e.SubjectId,
        queue = e.Queue,
        status = InboxEvent.ToWire(e.Status),
        source = e.Source,
        receivedAt = e.ReceivedAt,
        processedAt = e.ProcessedAt,
        attempts = e.Attempts,
        lastError = e.LastError,
    };
}
