using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Payments.StandIns.Testing;

namespace Payments.Tests.Paypal;

/// <summary>
/// A real HTTP server on a free loopback port that answers as a test scripts it and records what it was sent:
/// for what PayPal's emulator cannot be asked to do on demand (a 503 with <c>Retry-After</c>, an answer lost on the
/// way) and for serving test certificates. It holds no PayPal behaviour of its own.
/// </summary>
public sealed class LoopbackHttpServer : IAsyncDisposable
{
    public sealed record Received(string Method, string PathAndQuery, IReadOnlyDictionary<string, string> Headers, string Body);

    private readonly WebApplication _app;
    private readonly ConcurrentQueue<Received> _received = new();

    private LoopbackHttpServer(WebApplication app) => _app = app;

    public Uri BaseUrl { get; private set; } = null!;

    public IReadOnlyList<Received> Requests => [.. _received];

    /// <param name="answer">Writes the answer to a request (its body already read into <see cref="Received.Body"/>).</param>
    public static async Task<LoopbackHttpServer> StartAsync(Func<Received, HttpResponse, Task> answer)
    {
        var app = LoopbackApp.CreateSlimBuilder().Build();
        var server = new LoopbackHttpServer(app);
        app.Run(async context =>
        {
            using var reader = new StreamReader(context.Request.Body);
            var received = new Received(
                context.Request.Method, context.Request.Path + context.Request.QueryString,
                context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase),
                await reader.ReadToEndAsync(context.RequestAborted));
            server._received.Enqueue(received);
            await answer(received, context.Response);
        });
        server.BaseUrl = await LoopbackApp.StartAsync(app);
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
