using System.Text.Json;
using System.Text.Json.Nodes;
using Google.Protobuf.WellKnownTypes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Payments.FunctionsHostStandIn.Protocol;

namespace Payments.FunctionsHostStandIn;

/// <summary>
/// Plays the Azure Functions host toward a real isolated worker (see README.md): starts it, answers
/// its event stream (init, function metadata, one load per function), checks timer schedules and
/// routes like the host, forwards HTTP requests and invokes timers. Start-up fails loudly, with the
/// worker's last output, if any step does not complete.
/// </summary>
public sealed class FunctionsHost : IAsyncDisposable
{
    public const string HostVersion = "4.0.0-payments-stand-in";

    private readonly OutputTail _output = new(200);
    private readonly FunctionsHostStandInOptions _options;
    private WebApplication? _grpc;
    private WebApplication? _front;
    private HttpFront? _frontDoor;
    private WorkerChannel? _channel;
    private WorkerProcess? _worker;
    private ServiceBusExtension? _serviceBus;

    private FunctionsHost(FunctionsHostStandInOptions options) => _options = options;

    /// <summary>Where callers send HTTP requests, e.g. <c>http://127.0.0.1:41234/</c> (routes under the host.json prefix).</summary>
    public Uri BaseUrl { get; private set; } = null!;

    /// <summary>The worker's own ASP.NET Core address, from its <c>HttpUri</c> capability.</summary>
    public Uri WorkerHttpUri { get; private set; } = null!;

    public string RoutePrefix { get; private set; } = "api";

    public IReadOnlyList<WorkerFunction> Functions { get; private set; } = [];

    public HostRouteTable Routes { get; private set; } = null!;

    public IReadOnlyList<TimerSchedule> Schedules { get; private set; } = [];

    /// <summary>The Service Bus triggers being served: each function's queue, received from once the start completes.</summary>
    public IReadOnlyList<ServiceBusTrigger> ServiceBusTriggers => _serviceBus?.Triggers ?? [];

    /// <summary>host.json's <c>extensions.serviceBus</c> settings as the triggers use them.</summary>
    public ServiceBusHostSettings ServiceBusSettings { get; private set; } = ServiceBusHostSettings.Defaults;

    public FunctionLoadReport LoadReport { get; private set; } = null!;

    /// <summary>Starts of a worker that exits during start-up, as the host restarts a language worker that exits.</summary>
    public const int MaxWorkerStarts = 3;

    public static async Task<FunctionsHost> StartAsync(FunctionsHostStandInOptions options, CancellationToken ct = default)
    {
        for (var start = 1; ; start++)
        {
            try
            {
                return await StartOnceAsync(options, ct);
            }
            catch (FunctionsHostStandInException ex) when (ex.WorkerExited)
            {
                if (start == MaxWorkerStarts)
                    throw new FunctionsHostStandInException($"The worker exited during start-up {MaxWorkerStarts} times; the last time: {ex.Message}", ex) { WorkerExited = true };
                // e.g. its HTTP server lost the free port it had picked to another process before binding it.
                Console.Error.WriteLine($"[stand-in] the worker exited during start-up (start {start} of {MaxWorkerStarts}); starting it again.\n{ex.Message}");
            }
        }
    }

    private static async Task<FunctionsHost> StartOnceAsync(FunctionsHostStandInOptions options, CancellationToken ct)
    {
        var host = new FunctionsHost(options);
        try
        {
            await host.StartWorkerAsync(ct);
            return host;
        }
        catch (Exception ex) when (ex is not FunctionsHostStandInException)
        {
            var failure = new FunctionsHostStandInException(host.Failure($"The stand-in could not start the worker: {ex.Message}"), ex);
            await host.DisposeAsync();
            throw failure;
        }
        catch
        {
            await host.DisposeAsync();
            throw;
        }
    }

    /// <summary>Runs a timer function now, as its schedule would, and waits for it to finish; throws with the worker's exception if it fails.</summary>
    public async Task InvokeTimerAsync(string functionName, CancellationToken ct = default)
    {
        var function = Functions.SingleOrDefault(f => f.Name == functionName && f.IsTimer)
            ?? throw new ArgumentException($"No timer function named {functionName}.", nameof(functionName));
        var now = DateTimeOffset.UtcNow;
        var schedule = Schedules.Single(s => s.FunctionName == functionName).Schedule;
        var timerInfo = new JsonObject
        {
            ["Schedule"] = new JsonObject { ["AdjustForDST"] = true },
            ["ScheduleStatus"] = new JsonObject
            {
                ["Last"] = now,
                ["Next"] = new DateTimeOffset(schedule.GetNextOccurrence(now.UtcDateTime), TimeSpan.Zero),
                ["LastUpdated"] = now,
            },
            ["IsPastDue"] = false,
        };
        var invocationId = Guid.NewGuid().ToString();
        var invocation = NewInvocation(function, invocationId);
        invocation.InputData.Add(new ParameterBinding { Name = function.Trigger!.Name, Data = new TypedData { Json = timerInfo.ToJsonString() } });

        var answer = await Channel.RequestAsync(
            WorkerChannel.InvocationKey(invocationId), new StreamingMessage { RequestId = Guid.NewGuid().ToString(), InvocationRequest = invocation }, ct);
        var result = answer.InvocationResponse.Result;
        if (result.Status != StatusResult.Types.Status.Success)
            throw new FunctionsHostStandInException($"{functionName} failed: {result.Exception?.Message}\n{result.Exception?.StackTrace}");
    }

    /// <summary>An invocation of a function with a fresh W3C trace context, as the host sends every one.</summary>
    internal static InvocationRequest NewInvocation(WorkerFunction function, string invocationId) => new()
    {
        InvocationId = invocationId,
        FunctionId = function.FunctionId,
        TraceContext = new RpcTraceContext
        {
            TraceParent = $"00-{System.Diagnostics.ActivityTraceId.CreateRandom()}-{System.Diagnostics.ActivitySpanId.CreateRandom()}-01",
        },
    };

    /// <summary>The last lines of the worker's stdout/stderr and logs.</summary>
    public string OutputTail => _output.ToString();

    public async ValueTask DisposeAsync()
    {
        // Stop receiving first: in-flight invocations finish while the worker is still there.
        if (_serviceBus is not null)
            await _serviceBus.DisposeAsync();
        if (_channel is not null && _worker is not null && _worker.ExitCode is null)
        {
            try
            {
                await _channel.SendAsync(new StreamingMessage
                {
                    RequestId = Guid.NewGuid().ToString(),
                    WorkerTerminate = new WorkerTerminate { GracePeriod = Duration.FromTimeSpan(TimeSpan.FromSeconds(5)) },
                }, CancellationToken.None);
            }
            catch (Exception ex) when (ex is FunctionsHostStandInException or IOException or InvalidOperationException or Grpc.Core.RpcException)
            {
                _output.Add($"[stand-in] could not send WorkerTerminate: {ex.Message}");
            }
        }
        if (_worker is not null)
            await _worker.StopAsync(TimeSpan.FromSeconds(5));
        _frontDoor?.Dispose();
        foreach (var app in new[] { _front, _grpc })
        {
            if (app is null)
                continue;
            await app.StopAsync();
            await app.DisposeAsync();
        }
        _channel?.Dispose();
    }

    private WorkerChannel Channel => _channel ?? throw new InvalidOperationException("The worker is not started.");

    private async Task StartWorkerAsync(CancellationToken ct)
    {
        var appDirectory = Path.GetFullPath(_options.FunctionAppDirectory);
        if (!File.Exists(Path.Combine(appDirectory, _options.AssemblyFile)))
            throw new FunctionsHostStandInException($"No {_options.AssemblyFile} in {appDirectory}: build the function app first.");
        RoutePrefix = ReadRoutePrefix(Path.Combine(appDirectory, "host.json"));
        ServiceBusSettings = ServiceBusHostSettings.Read(Path.Combine(appDirectory, "host.json"));

        _channel = new WorkerChannel(_output);
        var channel = _channel;
        (_grpc, var grpcUri) = await LoopbackServer.StartAsync(
            HttpProtocols.Http2,
            services =>
            {
                services.AddGrpc(o =>
                {
                    o.MaxReceiveMessageSize = null;
                    o.MaxSendMessageSize = null;
                });
                services.AddSingleton(channel);
            },
            app => app.MapGrpcService<WorkerChannel>());

        _worker = WorkerProcess.Start(appDirectory, _options.AssemblyFile, grpcUri, Guid.NewGuid().ToString(), _options.AppSettings, _output);

        await StepAsync(channel.Started, "open its event stream (StartStream)", ct);

        var init = await StepAsync(channel.RequestAsync(WorkerChannel.InitKey, new StreamingMessage
        {
            RequestId = Guid.NewGuid().ToString(),
            WorkerInitRequest = new WorkerInitRequest
            {
                HostVersion = HostVersion,
                WorkerDirectory = appDirectory,
                FunctionAppDirectory = appDirectory,
            },
        }, ct), "answer WorkerInitRequest", ct);
        EnsureSuccess(init.WorkerInitResponse.Result, "WorkerInitResponse");
        if (!init.WorkerInitResponse.Capabilities.TryGetValue("HttpUri", out var httpUri) || !Uri.TryCreate(httpUri, UriKind.Absolute, out var workerHttp))
            throw new FunctionsHostStandInException(Failure("The worker reported no HttpUri capability (is ASP.NET Core integration configured: ConfigureFunctionsWebApplication?)."));
        WorkerHttpUri = workerHttp;

        var metadata = await StepAsync(channel.RequestAsync(WorkerChannel.MetadataKey, new StreamingMessage
        {
            RequestId = Guid.NewGuid().ToString(),
            FunctionsMetadataRequest = new FunctionsMetadataRequest { FunctionAppDirectory = appDirectory },
        }, ct), "answer FunctionsMetadataRequest", ct);
        var indexed = metadata.FunctionMetadataResponse;
        EnsureSuccess(indexed.Result, "FunctionMetadataResponse");
        if (indexed.UseDefaultMetadataIndexing)
            throw new FunctionsHostStandInException(Failure("The worker asked the host to index functions itself (use_default_metadata_indexing); this stand-in only takes worker-indexed metadata."));

        Functions = indexed.FunctionMetadataResults.Select(WorkerFunction.From).ToList();
        Schedules = TimerSchedules.ResolveAll(Functions, _options.AppSettings);
        Routes = HostRouteTable.Create(Functions, RoutePrefix);

        var loads = await StepAsync(Task.WhenAll(indexed.FunctionMetadataResults.Select(f => channel.RequestAsync(
            WorkerChannel.LoadKey(f.FunctionId),
            new StreamingMessage
            {
                RequestId = Guid.NewGuid().ToString(),
                FunctionLoadRequest = new FunctionLoadRequest { FunctionId = f.FunctionId, Metadata = f },
            }, ct))), "answer every FunctionLoadRequest", ct);
        LoadReport = new FunctionLoadReport(Functions.Count, loads
            .Select(l => l.FunctionLoadResponse)
            .Where(l => l.Result.Status != StatusResult.Types.Status.Success)
            .Select(l => new FunctionLoadFailure(
                Functions.Single(f => f.FunctionId == l.FunctionId).Name,
                l.Result.Exception?.Message ?? l.Result.Result))
            .ToList());
        LoadReport.EnsureAllLoaded();
        // The worker binds its HTTP server while it answers the loads; one that cannot bind exits.
        await StepAsync(ListeningAsync(WorkerHttpUri, ct), $"listen on its HttpUri {WorkerHttpUri}", ct);

        _frontDoor = new HttpFront(Routes, Functions, channel, WorkerHttpUri, _output);
        var front = _frontDoor;
        (_front, BaseUrl) = await LoopbackServer.StartAsync(HttpProtocols.Http1AndHttp2, _ => { }, app => app.Run(front.HandleAsync));

        _serviceBus = await ServiceBusExtension.StartAsync(Functions, _options.AppSettings, ServiceBusSettings, channel, _output, ct);
    }

    /// <summary>Waits for one start-up step, failing early if the worker exits and late if it takes too long.</summary>
    private async Task<T> StepAsync<T>(Task<T> step, string what, CancellationToken ct)
    {
        var timeout = Task.Delay(_options.StepTimeout, ct);
        var finished = await Task.WhenAny(step, _worker!.Exited, timeout);
        if (finished == step)
            return await step;
        if (finished == timeout)
            throw new FunctionsHostStandInException(Failure($"The worker did not {what} within {_options.StepTimeout.TotalSeconds:0} s."));
        throw new FunctionsHostStandInException(Failure($"The worker did not {what} before exiting with code {_worker.ExitCode}.")) { WorkerExited = true };
    }

    /// <summary>Completes once a connection to the worker's HTTP server is accepted.</summary>
    private static async Task<bool> ListeningAsync(Uri workerHttp, CancellationToken ct)
    {
        while (true)
        {
            try
            {
                using var probe = new System.Net.Sockets.TcpClient();
                await probe.ConnectAsync(workerHttp.Host, workerHttp.Port, ct);
                return true;
            }
            catch (System.Net.Sockets.SocketException)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(50), ct);
            }
        }
    }

    private void EnsureSuccess(StatusResult result, string what)
    {
        if (result.Status != StatusResult.Types.Status.Success)
            throw new FunctionsHostStandInException(Failure($"{what} reported {result.Status}: {result.Exception?.Message ?? result.Result}"));
    }

    private string Failure(string message) => $"{message}\nThe worker's last output:\n{_output}";

    /// <summary>host.json <c>extensions.http.routePrefix</c>, "api" when absent (the host's default).</summary>
    public static string ReadRoutePrefix(string hostJsonPath)
    {
        if (!File.Exists(hostJsonPath))
            return "api";
        var hostJson = JsonNode.Parse(File.ReadAllText(hostJsonPath), documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip });
        return hostJson?["extensions"]?["http"]?["routePrefix"]?.GetValue<string>() ?? "api";
    }
}
