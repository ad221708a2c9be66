using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Payments.ServiceBusBroker;

/// <summary>
/// <c>GET /operations</c> on a port of its own (<see cref="BrokerOptions.CountsPort"/>): the broker's
/// <see cref="BrokerOperations"/> as a JSON array of <c>{"entity","operation","count"}</c>, read-only. A benchmark
/// running the broker as a process of its own reads it before and after a run. Not part of Service Bus.
/// </summary>
internal sealed partial class OperationCountsEndpoint : IDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly HttpListener _listener;
    private readonly BrokerOperations _operations;
    private readonly ILogger _logger;

    private OperationCountsEndpoint(HttpListener listener, Uri url, BrokerOperations operations, ILogger logger)
    {
        _listener = listener;
        _operations = operations;
        _logger = logger;
        Url = url;
    }

    public Uri Url { get; }

    /// <exception cref="HttpListenerException">The port cannot be bound.</exception>
    public static OperationCountsEndpoint Start(string host, int port, BrokerOperations operations, ILogger logger)
    {
        var url = new Uri($"http://{host}:{port}/operations");
        var listener = new HttpListener();
        listener.Prefixes.Add($"http://{host}:{port}/");
        listener.Start();
        var endpoint = new OperationCountsEndpoint(listener, url, operations, logger);
        _ = endpoint.ServeAsync();
        LogListening(logger, url);
        return endpoint;
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return; // Stopped.
            }
            try
            {
                Answer(context);
            }
            catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException)
            {
                LogAnswerFailed(_logger, e);
            }
        }
    }

    private void Answer(HttpListenerContext context)
    {
        using var response = context.Response;
        if (context.Request.HttpMethod != "GET" || context.Request.Url?.AbsolutePath.TrimEnd('/') != "/operations")
        {
            response.StatusCode = (int)HttpStatusCode.NotFound;
            return;
        }
        var body = JsonSerializer.SerializeToUtf8Bytes(_operations.Snapshot(), Json);
        response.ContentType = "application/json";
        response.ContentLength64 = body.Length;
        response.OutputStream.Write(body);
    }

    public void Dispose() => _listener.Close();

    [LoggerMessage(EventId = 1004, Level = LogLevel.Information, Message = "Operation counts at {Url}")]
    private static partial void LogListening(ILogger logger, Uri url);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Warning, Message = "Answering a request for the operation counts failed")]
    private static partial void LogAnswerFailed(ILogger logger, Exception exception);
}
