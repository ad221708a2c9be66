using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Payments.FunctionsHostStandIn;
using Xunit;

namespace Payments.StandIns.Tests.FunctionsHostStandIn;

/// <summary>
/// The stand-in forwards to the worker as the host's proxy does: a worker whose HTTP server is not
/// listening yet (right after start-up) gets the request once it is, instead of the caller getting a 500.
/// </summary>
public sealed class WorkerProxyRetryTests
{
    [Fact]
    public async Task A_request_refused_by_a_worker_still_starting_reaches_it_once_it_listens()
    {
        var port = UnusedLoopbackPort();
        var log = new ConcurrentQueue<string>();
        var firstRefusal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var proxy = new HttpClient(new WorkerProxyRetry(new SocketsHttpHandler(), line =>
        {
            log.Enqueue(line);
            firstRefusal.TrySetResult();
        }));

        var sending = proxy.PostAsync($"http://127.0.0.1:{port}/api/me/payment-methods", new StringContent("the body"));
        if (await Task.WhenAny(firstRefusal.Task, sending) == sending)
            (await sending).Dispose(); // without a retry the refusal is the caller's: this throws it
        await using var worker = await StartEchoAsync(port);
        using var answer = await sending;

        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Equal("POST /api/me/payment-methods: the body", await answer.Content.ReadAsStringAsync());
        Assert.InRange(log.Count, 1, WorkerProxyRetry.MaxTries - 1);
        Assert.All(log, line => Assert.Contains("could not reach the worker for POST /api/me/payment-methods", line, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_worker_that_never_listens_fails_the_forward_after_ten_tries()
    {
        var port = UnusedLoopbackPort();
        var log = new ConcurrentQueue<string>();
        using var proxy = new HttpClient(new WorkerProxyRetry(new SocketsHttpHandler(), log.Enqueue));

        await Assert.ThrowsAsync<HttpRequestException>(() => proxy.GetAsync($"http://127.0.0.1:{port}/api/products"));

        Assert.Equal(WorkerProxyRetry.MaxTries - 1, log.Count);
        Assert.EndsWith($"(try 9 of 10); trying again in 250 ms: Connection refused (127.0.0.1:{port})", log.Last(), StringComparison.Ordinal);
    }

    private static int UnusedLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task<WebApplication> StartEchoAsync(int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var app = builder.Build();
        app.Run(async context =>
        {
            using var reader = new StreamReader(context.Request.Body);
            await context.Response.WriteAsync($"{context.Request.Method} {context.Request.Path}: {await reader.ReadToEndAsync()}");
        });
        await app.StartAsync();
        return app;
    }
}
