using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Payments.StandIns.Testing;

namespace Payments.StandIns.Tests.PaypalEmulator;

/// <summary>One POST the receiver got: the raw bytes and PayPal's headers, and what it answered.</summary>
public sealed record PaypalDelivery(byte[] Body, IReadOnlyDictionary<string, string> Headers, int Answer)
{
    public string Header(string name) => Headers[name.ToUpperInvariant()];
}

/// <summary>A tiny webhook endpoint on 127.0.0.1 that keeps every delivery as it arrived and answers what <see cref="Respond"/> says.</summary>
public sealed class PaypalWebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<PaypalDelivery> _deliveries = new();
    private int _count;

    private PaypalWebhookReceiver(WebApplication app) => _app = app;

    public Uri Url { get; private set; } = null!;

    /// <summary>The status to answer, given the 1-based number of the delivery.</summary>
    public Func<int, int> Respond { get; set; } = _ => 200;

    public IReadOnlyList<PaypalDelivery> Deliveries => [.. _deliveries];

    public static async Task<PaypalWebhookReceiver> StartAsync()
    {
        var app = LoopbackApp.CreateSlimBuilder().Build();
        var receiver = new PaypalWebhookReceiver(app);
        app.MapPost("/api/paypal/webhook", receiver.HandleAsync);
        receiver.Url = new Uri(await LoopbackApp.StartAsync(app), "api/paypal/webhook");
        return receiver;
    }

    private async Task HandleAsync(HttpContext http)
    {
        using var buffer = new MemoryStream();
        await http.Request.Body.CopyToAsync(buffer);
        var answer = Respond(Interlocked.Increment(ref _count));
        var headers = http.Request.Headers.ToDictionary(h => h.Key.ToUpperInvariant(), h => h.Value.ToString());
        _deliveries.Enqueue(new PaypalDelivery(buffer.ToArray(), headers, answer));
        http.Response.StatusCode = answer;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
