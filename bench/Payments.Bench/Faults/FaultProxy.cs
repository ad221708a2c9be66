using System.Net.Http.Headers;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;

namespace Payments.Bench.Faults;

/// <summary>What a fault proxy did with the requests it saw.</summary>
internal sealed record ProxyCounts(long Requests, long Refused, long ResponseLost);

/// <summary>
/// A reverse proxy on loopback that fails a share of the requests passing through it, half each way:
/// <b>refused</b>, answered at once with <paramref name="refusal"/>'s status and body without reaching the
/// upstream (nothing happened there), and <b>response lost</b>, forwarded and answered by the upstream (it
/// happened) but the connection is then dropped before the client sees a byte. The second kind is the nasty
/// one: a client retrying an insert finds it already done.
/// </summary>
internal sealed class FaultProxy : IAsyncDisposable
{
    private static readonly HashSet<string> HopByHop = new(StringComparer.OrdinalIgnoreCase)
    {
        "Host", "Connection", "Keep-Alive", "Transfer-Encoding", "Upgrade", "Proxy-Connection", "TE", "Trailer", "Expect",
    };

    private readonly WebApplication _app;
    private readonly HttpClient _upstream;
    private readonly Uri _target;
    private readonly int _faultPerMille;
    private readonly Refusal _refusal;
    private readonly Random _random;
    private long _requests;
    private long _refused;
    private long _lost;

    /// <param name="Status">The status a refused request gets.</param>
    /// <param name="ContentType">Its content type.</param>
    /// <param name="Body">Its body.</param>
    /// <param name="Headers">Extra headers (such as x-ms-error-code).</param>
    public sealed record Refusal(int Status, string ContentType, string Body, IReadOnlyDictionary<string, string> Headers);

    private FaultProxy(WebApplication app, Uri target, int faultPercent, Refusal refusal, int seed)
    {
        _app = app;
        _target = target;
        _faultPerMille = faultPercent * 10;
        _refusal = refusal;
        _random = new Random(seed);
        _upstream = new HttpClient(new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            UseCookies = false,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
        })
        {
            Timeout = TimeSpan.FromSeconds(100),
        };
    }

    public Uri Url { get; private set; } = null!;

    /// <summary>Whether faults are injected now (off while the campaign counts).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>A kill armed for the next intake commit (<see cref="ArmCommitKill"/>); null when none is.</summary>
    private CommitKill? _commitKill;

    private sealed record CommitKill(Action Kill, bool AnswerFirst, TaskCompletionSource Fired);

    /// <summary>
    /// Arms a SIGKILL for the next entity group transaction that adds inbox rows (an intake commit): it is forwarded and
    /// done by the upstream (the rows are durable), then <paramref name="kill"/> runs, either before the answer (the Host
    /// never learns its commit succeeded: nothing sent, nothing answered) or just after it goes back (the Host dies
    /// somewhere between its commit and its answers to Stripe: sending, or answering). Completes when it fired.
    /// </summary>
    public Task ArmCommitKill(Action kill, bool answerFirst)
    {
        var armed = new CommitKill(kill, answerFirst, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        Interlocked.Exchange(ref _commitKill, armed);
        return armed.Fired.Task;
    }

    /// <summary>Takes back a kill that has not fired.</summary>
    public void DisarmCommitKill() => Interlocked.Exchange(ref _commitKill, null);

    /// <summary>An intake commit: a batch whose operations insert inbox rows (POST to the inbox table, rows <c>event|…</c>).</summary>
    private static bool IsIntakeCommit(string body) =>
        body.Contains("\"RowKey\":\"event|evt_", StringComparison.Ordinal) && body.Contains("POST http", StringComparison.Ordinal)
        && body.Contains("webhookinbox", StringComparison.Ordinal);

    public ProxyCounts Counts => new(Interlocked.Read(ref _requests), Interlocked.Read(ref _refused), Interlocked.Read(ref _lost));

    public static async Task<FaultProxy> StartAsync(Uri target, int faultPercent, Refusal refusal, int seed)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = null);
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var proxy = new FaultProxy(app, target, faultPercent, refusal, seed);
        app.Run(proxy.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        proxy.Url = new Uri(address.TrimEnd('/') + "/");
        return proxy;
    }

    private enum Fault { None, Refuse, LoseResponse }

    private Fault Draw()
    {
        if (!Enabled)
            return Fault.None;
        int roll;
        lock (_random)
            roll = _random.Next(1000);
        return roll < _faultPerMille / 2 ? Fault.Refuse : roll < _faultPerMille ? Fault.LoseResponse : Fault.None;
    }

    private async Task HandleAsync(HttpContext context)
    {
        Interlocked.Increment(ref _requests);
        var fault = Draw();
        if (fault == Fault.Refuse)
        {
            Interlocked.Increment(ref _refused);
            context.Response.StatusCode = _refusal.Status;
            context.Response.ContentType = _refusal.ContentType;
            foreach (var (name, value) in _refusal.Headers)
                context.Response.Headers[name] = value;
            await context.Response.WriteAsync(_refusal.Body, context.RequestAborted);
            return;
        }

        // The request target exactly as sent (Path is decoded): storage signs the encoded path.
        var target = context.Features.Get<IHttpRequestFeature>()!.RawTarget;
        using var request = new HttpRequestMessage(new HttpMethod(context.Request.Method),
            new Uri(_target.GetLeftPart(UriPartial.Authority) + target, new UriCreationOptions { DangerousDisablePathAndQueryCanonicalization = true }));
        CommitKill? kill = null;
        if (Volatile.Read(ref _commitKill) is not null && target.Contains("$batch", StringComparison.Ordinal))
        {
            // Read the transaction to see whether it is an intake commit (batches are small); it is forwarded as read.
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
            if (IsIntakeCommit(System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length)))
                kill = Interlocked.Exchange(ref _commitKill, null);
            request.Content = new ByteArrayContent(buffer.ToArray());
        }
        else if (context.Request.ContentLength > 0 || context.Request.Headers.TransferEncoding.Count > 0)
        {
            request.Content = new StreamContent(context.Request.Body);
        }
        foreach (var (name, values) in context.Request.Headers)
        {
            if (HopByHop.Contains(name))
                continue;
            if (!request.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values))
                request.Content?.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
        }

        HttpResponseMessage response;
        try
        {
            response = await _upstream.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, context.RequestAborted);
        }
        catch (HttpRequestException)
        {
            context.Response.StatusCode = StatusCodes.Status502BadGateway;
            return;
        }
        using (response)
        {
            if (kill is { AnswerFirst: false })
            {
                // Committed upstream; the Host dies before it hears so.
                await response.Content.LoadIntoBufferAsync(context.RequestAborted);
                kill.Kill();
                kill.Fired.TrySetResult();
                context.Abort();
                return;
            }
            if (fault == Fault.LoseResponse && kill is null)
            {
                // The upstream has done it and answered; the client never hears.
                await response.Content.LoadIntoBufferAsync(context.RequestAborted);
                Interlocked.Increment(ref _lost);
                context.Abort();
                return;
            }
            context.Response.StatusCode = (int)response.StatusCode;
            Copy(response.Headers, context.Response.Headers);
            Copy(response.Content.Headers, context.Response.Headers);
            await response.Content.CopyToAsync(context.Response.Body, context.RequestAborted);
            if (kill is not null)
            {
                // Committed and answered: the Host dies on its way from the commit to its answers.
                await context.Response.CompleteAsync();
                kill.Kill();
                kill.Fired.TrySetResult();
            }
        }
    }

    private static void Copy(HttpHeaders from, IHeaderDictionary to)
    {
        foreach (var (name, values) in from)
        {
            if (!HopByHop.Contains(name))
                to[name] = values.ToArray();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _upstream.Dispose();
    }
}
