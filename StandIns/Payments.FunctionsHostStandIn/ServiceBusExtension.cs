using Azure.Messaging.ServiceBus;
using Payments.FunctionsHostStandIn.Protocol;

namespace Payments.FunctionsHostStandIn;

/// <summary>A Service Bus trigger as the stand-in runs it: the function, its queue, and whether a successful run completes the message.</summary>
public sealed record ServiceBusTrigger(string FunctionName, string Queue, bool AutoComplete);

/// <summary>A trigger and the connection string it receives with (kept out of <see cref="ServiceBusTrigger"/>, which tests print).</summary>
public sealed record ServiceBusTriggerPlan(ServiceBusTrigger Trigger, string ConnectionString)
{
    public override string ToString() => Trigger.ToString();
}

/// <summary>
/// The host's checks on a Service Bus trigger before it listens: its queue (a <c>%Setting%</c> resolved),
/// its connection setting, and only what the stand-in serves (no topics, batches or sessions). A failed check stops the start.
/// </summary>
public static class ServiceBusTriggerPlans
{
    public static ServiceBusTriggerPlan Resolve(WorkerFunction function, IReadOnlyDictionary<string, string> appSettings, ServiceBusHostSettings settings)
    {
        var binding = function.Trigger!;
        string Refuse(string why) => throw new FunctionsHostStandInException($"Service Bus trigger {function.Name}: {why}");

        if (binding.Property("topicName") is { Length: > 0 })
            Refuse("topic subscriptions are not served by the stand-in; only queues.");
        if (string.Equals(binding.Property("cardinality"), "many", StringComparison.OrdinalIgnoreCase))
            Refuse("batches (IsBatched) are not served by the stand-in.");
        if (string.Equals(binding.Property("isSessionsEnabled"), "true", StringComparison.OrdinalIgnoreCase))
            Refuse("sessions are not served by the stand-in.");
        var queue = AppSettings.Resolve(appSettings, binding.Property("queueName") ?? Refuse("no queueName."), $"Service Bus trigger {function.Name}: its queue");

        // The extension reads the connection from the named setting (or ConnectionStrings:Name, or AzureWebJobsName).
        var connection = binding.Property("connection") is { Length: > 0 } named ? named : "ServiceBus";
        string? connectionString = null;
        foreach (var name in new[] { connection, "ConnectionStrings:" + connection, "AzureWebJobs" + connection })
            if (AppSettings.TryGet(appSettings, name, out var value) && !string.IsNullOrWhiteSpace(value))
            {
                connectionString = value;
                break;
            }
        if (connectionString is null)
            Refuse(AppSettings.TryGet(appSettings, connection + ":fullyQualifiedNamespace", out _)
                ? $"connection '{connection}' is identity-based (fullyQualifiedNamespace); the stand-in needs a connection string."
                : $"connection setting '{connection}' is not set.");

        var autoComplete = binding.Property("autoCompleteMessages") is { } declared
            ? string.Equals(declared, "true", StringComparison.OrdinalIgnoreCase)
            : settings.AutoCompleteMessages;
        return new ServiceBusTriggerPlan(new ServiceBusTrigger(function.Name, queue, autoComplete), connectionString!);
    }
}

/// <summary>
/// The host's Service Bus extension, for single-message queue triggers: one <see cref="ServiceBusProcessor"/>
/// per function, peek-lock, with host.json's concurrency, prefetch and lock renewal. Each message is an
/// <c>InvocationRequest</c> (the body as the trigger's input, the extension's trigger metadata); a
/// successful invocation completes the message (when auto-complete is on), a failed one abandons it, so
/// the queue's max delivery count dead-letters a message that keeps failing.
/// </summary>
internal sealed class ServiceBusExtension : IAsyncDisposable
{
    private readonly List<ServiceBusClient> _clients = [];
    private readonly List<ServiceBusProcessor> _processors = [];
    private readonly WorkerChannel _channel;
    private readonly OutputTail _log;

    private ServiceBusExtension(WorkerChannel channel, OutputTail log)
    {
        _channel = channel;
        _log = log;
    }

    public IReadOnlyList<ServiceBusTrigger> Triggers { get; private set; } = [];

    /// <summary>Checks every Service Bus trigger as the host would (a bad one stops the start), then starts receiving for each.</summary>
    public static async Task<ServiceBusExtension> StartAsync(
        IReadOnlyList<WorkerFunction> functions, IReadOnlyDictionary<string, string> appSettings, ServiceBusHostSettings settings,
        WorkerChannel channel, OutputTail log, CancellationToken ct)
    {
        var triggers = new ServiceBusExtension(channel, log);
        try
        {
            var planned = functions.Where(f => f.IsServiceBus).Select(f => (Function: f, Plan: ServiceBusTriggerPlans.Resolve(f, appSettings, settings))).ToList();
            triggers.Triggers = planned.Select(p => p.Plan.Trigger).ToList();
            var clients = new Dictionary<string, ServiceBusClient>(StringComparer.Ordinal);
            foreach (var (function, plan) in planned)
            {
                if (!clients.TryGetValue(plan.ConnectionString, out var client))
                {
                    client = new ServiceBusClient(plan.ConnectionString);
                    clients[plan.ConnectionString] = client;
                    triggers._clients.Add(client);
                }
                var processor = client.CreateProcessor(plan.Trigger.Queue, new ServiceBusProcessorOptions
                {
                    ReceiveMode = ServiceBusReceiveMode.PeekLock,
                    // The extension settles itself after the invocation (complete, or abandon on failure).
                    AutoCompleteMessages = false,
                    MaxConcurrentCalls = settings.MaxConcurrentCalls,
                    PrefetchCount = settings.PrefetchCount,
                    MaxAutoLockRenewalDuration = settings.MaxAutoLockRenewalDuration,
                });
                processor.ProcessMessageAsync += args => triggers.InvokeAsync(function, plan.Trigger, args);
                processor.ProcessErrorAsync += args =>
                {
                    log.Add($"[stand-in] Service Bus {args.ErrorSource} on {plan.Trigger.Queue} ({function.Name}): {args.Exception.Message}");
                    return Task.CompletedTask;
                };
                triggers._processors.Add(processor);
                await processor.StartProcessingAsync(ct);
            }
            return triggers;
        }
        catch
        {
            await triggers.DisposeAsync();
            throw;
        }
    }

    private async Task InvokeAsync(WorkerFunction function, ServiceBusTrigger trigger, ProcessMessageEventArgs args)
    {
        var message = args.Message;
        var invocationId = Guid.NewGuid().ToString();
        var invocation = FunctionsHost.NewInvocation(function, invocationId);
        invocation.InputData.Add(new ParameterBinding { Name = function.Trigger!.Name, Data = Input(function.Trigger, message) });
        foreach (var (key, value) in ServiceBusTriggerMetadata.For(message))
            invocation.TriggerMetadata[key] = value;

        StatusResult result;
        try
        {
            var answer = await _channel.RequestAsync(
                WorkerChannel.InvocationKey(invocationId), new StreamingMessage { RequestId = Guid.NewGuid().ToString(), InvocationRequest = invocation }, args.CancellationToken);
            result = answer.InvocationResponse.Result;
        }
        catch (Exception ex) when (!args.CancellationToken.IsCancellationRequested)
        {
            result = new StatusResult { Status = StatusResult.Types.Status.Failure, Exception = new RpcException { Message = ex.Message } };
        }

        if (result.Status == StatusResult.Types.Status.Success)
        {
            // Without auto-complete the function settles the message itself; one that does not lets its lock expire.
            if (trigger.AutoComplete)
                await args.CompleteMessageAsync(message, CancellationToken.None);
            return;
        }
        _log.Add($"[stand-in] {function.Name} failed on message {message.MessageId} (delivery {message.DeliveryCount}); abandoning it: {result.Exception?.Message}");
        await args.AbandonMessageAsync(message, cancellationToken: CancellationToken.None);
    }

    /// <summary>The body as the binding's data type asks: bytes for <c>binary</c>, else the UTF-8 text.</summary>
    private static TypedData Input(WorkerBinding binding, ServiceBusReceivedMessage message) =>
        string.Equals(binding.Property("dataType"), "binary", StringComparison.OrdinalIgnoreCase)
            ? new TypedData { Bytes = Google.Protobuf.ByteString.CopyFrom(message.Body.ToArray()) }
            : new TypedData { String = message.Body.ToString() };

    /// <summary>Stops receiving (in-flight invocations finish first), then closes the connections.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var processor in _processors)
        {
            try
            {
                await processor.StopProcessingAsync();
            }
            catch (Exception ex) when (ex is ServiceBusException or ObjectDisposedException or InvalidOperationException)
            {
                _log.Add($"[stand-in] stopping a Service Bus processor: {ex.Message}");
            }
            await processor.DisposeAsync();
        }
        foreach (var client in _clients)
            await client.DisposeAsync();
    }
}
