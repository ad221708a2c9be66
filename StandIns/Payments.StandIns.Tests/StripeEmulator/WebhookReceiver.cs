using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Payments.StandIns.Testing;
using Stripe;

namespace Payments.StandIns.Tests.StripeEmulator;

/// <summary>One POST the receiver got: the raw body and headers, and the event Stripe.net made of it (null if verification failed).</summary>
public sealed record WebhookHit(
    string Json, string Signature, string? UserAgent, string? ContentType, Event? Event, string? Error, int Answer, DateTimeOffset At);

/// <summary>
/// A tiny webhook endpoint on 127.0.0.1: verifies each delivery with Stripe.net's
/// <c>EventUtility.ConstructEvent</c> against <see cref="Secret"/>, as an application would, and
/// answers what <see cref="Respond"/> says (400 when the signature does not verify).
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<WebhookHit> _hits = new();
    private readonly ConcurrentDictionary<string, int> _attempts = new(StringComparer.Ordinal);

    private WebhookReceiver(WebApplication app, string secret)
    {
        _app = app;
        Secret = secret;
    }

    public Uri Url { get; private set; } = null!;

    public string Secret { get; set; }

    /// <summary>The status to answer a verified delivery with, given the event id and how many times it has arrived (1 = first).</summary>
    public Func<string, int, int> Respond { get; set; } = (_, _) => 200;

    /// <summary>How long to take before answering, given the event id and its arrival count.</summary>
    public Func<string, int, TimeSpan> Delay { get; set; } = (_, _) => TimeSpan.Zero;

    public IReadOnlyList<WebhookHit> Hits => [.. _hits];

    /// <summary>The events of verified deliveries answered with a 2xx, in arrival order.</summary>
    public IReadOnlyList<Event> Accepted => [.. _hits.Where(h => h.Event is not null && h.Answer is >= 200 and < 300).Select(h => h.Event!)];

    public static async Task<WebhookReceiver> StartAsync(string secret)
    {
        var app = LoopbackApp.CreateSlimBuilder().Build();
        var receiver = new WebhookReceiver(app, secret);
        app.MapPost("/webhook", receiver.HandleAsync);
        receiver.Url = new Uri(await LoopbackApp.StartAsync(app), "webhook");
        return receiver;
    }

    private async Task HandleAsync(HttpContext http)
    {
        using var reader = new StreamReader(http.Request.Body);
        var json = await reader.ReadToEndAsync();
        var signature = http.Request.Headers["Stripe-Signature"].ToString();
        Event? evt = null;
        string? error = null;
        try
        {
            evt = EventUtility.ConstructEvent(json, signature, Secret);
        }
        catch (StripeException e)
        {
            error = e.Message;
        }

        var answer = StatusCodes.Status400BadRequest;
        if (evt is not null)
        {
            var attempt = _attempts.AddOrUpdate(evt.Id, 1, (_, n) => n + 1);
            var delay = Delay(evt.Id, attempt);
            if (delay > TimeSpan.Zero)
            {
                try
                {
                    await Task.Delay(delay, http.RequestAborted);
                }
                catch (OperationCanceledException)
                {
                    // The sender gave up waiting.
                }
            }

            answer = Respond(evt.Id, attempt);
        }

        _hits.Enqueue(new WebhookHit(
            json, signature, http.Request.Headers.UserAgent.ToString(), http.Request.ContentType, evt, error, answer, DateTimeOffset.UtcNow));
        http.Response.StatusCode = answer;
        if (answer is >= 300 and < 400)
        {
            http.Response.Headers.Location = "https://example.com/elsewhere";
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
