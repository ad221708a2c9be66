using System.Collections.Concurrent;
using Grpc.Core;
using Payments.FunctionsHostStandIn.Protocol;

namespace Payments.FunctionsHostStandIn;

/// <summary>
/// The host's side of the worker's one bidirectional stream (<c>FunctionRpc.EventStream</c>): the
/// worker opens it with <c>StartStream</c>; requests go out, and each answer completes the request
/// waiting for it (init, metadata, one load per function id, one invocation per invocation id).
/// </summary>
internal sealed class WorkerChannel(OutputTail log) : FunctionRpc.FunctionRpcBase, IDisposable
{
    private readonly TaskCompletionSource<string> _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ConcurrentDictionary<string, TaskCompletionSource<StreamingMessage>> _pending = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private IServerStreamWriter<StreamingMessage>? _writer;

    /// <summary>Completes with the worker id once the worker has sent <c>StartStream</c>.</summary>
    public Task<string> Started => _started.Task;

    /// <summary>Completes when the worker ends its stream.</summary>
    public Task Closed => _closed.Task;

    public override async Task EventStream(
        IAsyncStreamReader<StreamingMessage> requestStream, IServerStreamWriter<StreamingMessage> responseStream, ServerCallContext context)
    {
        _writer = responseStream;
        try
        {
            await foreach (var message in requestStream.ReadAllAsync(context.CancellationToken))
                Dispatch(message);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or Grpc.Core.RpcException)
        {
            log.Add($"[stand-in] event stream ended: {ex.Message}");
        }
        finally
        {
            var closed = new FunctionsHostStandInException("The worker closed its event stream.");
            _started.TrySetException(closed);
            foreach (var key in _pending.Keys)
                if (_pending.TryRemove(key, out var waiting))
                    waiting.TrySetException(closed);
            _closed.TrySetResult();
        }
    }

    /// <summary>Sends a message and waits for the answer that <paramref name="answerKey"/> names.</summary>
    public async Task<StreamingMessage> RequestAsync(string answerKey, StreamingMessage request, CancellationToken ct)
    {
        var answer = new TaskCompletionSource<StreamingMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_pending.TryAdd(answerKey, answer))
            throw new InvalidOperationException($"A request is already waiting for {answerKey}.");
        try
        {
            await SendAsync(request, ct);
            return await answer.Task.WaitAsync(ct);
        }
        finally
        {
            _pending.TryRemove(answerKey, out _);
        }
    }

    public async Task SendAsync(StreamingMessage message, CancellationToken ct)
    {
        var writer = _writer ?? throw new FunctionsHostStandInException("The worker has not opened its event stream.");
        await _writeLock.WaitAsync(ct);
        try
        {
            await writer.WriteAsync(message, ct);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public void Dispose() => _writeLock.Dispose();

    public static string InitKey => "init";
    public static string MetadataKey => "metadata";
    public static string LoadKey(string functionId) => "load:" + functionId;
    public static string InvocationKey(string invocationId) => "invocation:" + invocationId;

    private void Dispatch(StreamingMessage message)
    {
        switch (message.ContentCase)
        {
            case StreamingMessage.ContentOneofCase.StartStream:
                _started.TrySetResult(message.StartStream.WorkerId);
                break;
            case StreamingMessage.ContentOneofCase.WorkerInitResponse:
                Complete(InitKey, message);
                break;
            case StreamingMessage.ContentOneofCase.FunctionMetadataResponse:
                Complete(MetadataKey, message);
                break;
            case StreamingMessage.ContentOneofCase.FunctionLoadResponse:
                Complete(LoadKey(message.FunctionLoadResponse.FunctionId), message);
                break;
            case StreamingMessage.ContentOneofCase.InvocationResponse:
                Complete(InvocationKey(message.InvocationResponse.InvocationId), message);
                break;
            case StreamingMessage.ContentOneofCase.RpcLog:
                var entry = message.RpcLog;
                log.Add($"[worker {entry.Level}] {entry.Category}: {entry.Message}{(entry.Exception is { } e ? " " + e.Message : "")}");
                break;
            default:
                log.Add($"[stand-in] ignored a {message.ContentCase} message from the worker");
                break;
        }
    }

    private void Complete(string key, StreamingMessage message)
    {
        if (_pending.TryGetValue(key, out var waiting))
            waiting.TrySetResult(message);
        else
            log.Add($"[stand-in] unexpected {message.ContentCase} ({key})");
    }
}
