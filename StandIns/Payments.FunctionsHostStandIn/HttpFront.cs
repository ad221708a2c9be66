using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Payments.FunctionsHostStandIn.Protocol;

namespace Payments.FunctionsHostStandIn;

/// <summary>
/// The host's HTTP side with ASP.NET Core integration: route the request (404 if no function
/// matches), send the matching <c>InvocationRequest</c>, forward the real request to the worker's
/// <c>HttpUri</c> with <c>x-ms-invocation-id</c>, and relay the worker's answer. If the invocation
/// fails, the caller gets the host's bare 500, whatever the worker had started to write.
/// </summary>
internal sealed class HttpFront(HostRouteTable routes, IReadOnlyList<WorkerFunction> functions, WorkerChannel channel, Uri workerHttpUri, OutputTail log) : IDisposable
{
    public const string InvocationIdHeader = "x-ms-invocation-id";

    private static readonly HashSet<string> NotForwarded = new(StringComparer.OrdinalIgnoreCase)
    {
        "Host", "Connection", "Keep-Alive", "Transfer-Encoding", "Upgrade", "Proxy-Connection", "TE", "Trailer", "Content-Length",
    };

    private readonly HttpClient _worker = new(new WorkerProxyRetry(
        new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            UseProxy = false,
            AutomaticDecompression = System.Net.DecompressionMethods.None,
        },
        log.Add))
    {
        Timeout = TimeSpan.FromSeconds(230), // the Functions front end's limit for an HTTP answer
    };

    public async Task HandleAsync(HttpContext context)
    {
        var match = routes.Match(context.Request.Method, context.Request.Path);
        if (match is not { } found)
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        var function = functions.Single(f => f.Name == found.Route.FunctionName);
        var invocationId = Guid.NewGuid().ToString();
        var body = await ReadBodyAsync(context.Request);
        var invocation = channel.RequestAsync(
            WorkerChannel.InvocationKey(invocationId), Invocation(function, invocationId, context.Request, found.Values), context.RequestAborted);

        HttpResponseMessage? answer = null;
        byte[] answerBody;
        StatusResult result;
        try
        {
            using var forward = Forward(context.Request, body, invocationId);
            answer = await _worker.SendAsync(forward, HttpCompletionOption.ResponseHeadersRead, context.RequestAborted);
            // Read the whole answer before awaiting the invocation: the worker finishes writing it before it reports.
            answerBody = await answer.Content.ReadAsByteArrayAsync(context.RequestAborted);
            result = (await invocation).InvocationResponse.Result;
        }
        catch (Exception ex) when (!context.RequestAborted.IsCancellationRequested)
        {
            answer?.Dispose();
            // The host answers a bare 500 here too; the reason goes where a test's failure message can show it.
            log.Add($"[stand-in] {context.Request.Method} {context.Request.Path} ({function.Name}, invocation {invocationId}) could not be completed: {ex}");
            context.Response.StatusCode = StatusCodes.Status500InternalServerError;
            return;
        }

        using var _ = answer;
        if (result.Status != StatusResult.Types.Status.Success)
        {
            log.Add($"[stand-in] {context.Request.Method} {context.Request.Path} ({function.Name}, invocation {invocationId}) failed: {result.Exception?.Message}\n{result.Exception?.StackTrace}");
            context.Response.StatusCode = StatusCodes.Status500InternalServerError;
            return;
        }

        context.Response.StatusCode = (int)answer.StatusCode;
        foreach (var header in answer.Headers.Concat(answer.Content.Headers))
            if (!NotForwarded.Contains(header.Key))
                context.Response.Headers[header.Key] = header.Value.ToArray();
        await context.Response.Body.WriteAsync(answerBody, context.RequestAborted);
    }

    public void Dispose() => _worker.Dispose();

    private static async Task<byte[]> ReadBodyAsync(HttpRequest request)
    {
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, request.HttpContext.RequestAborted);
        return buffer.ToArray();
    }

    private HttpRequestMessage Forward(HttpRequest request, byte[] body, string invocationId)
    {
        var target = new Uri(workerHttpUri, request.Path.Value!.TrimStart('/') + request.QueryString.Value);
        var message = new HttpRequestMessage(new HttpMethod(request.Method), target);
        if (body.Length > 0 || request.ContentType is not null)
            message.Content = new ByteArrayContent(body);
        foreach (var (name, values) in request.Headers)
        {
            if (NotForwarded.Contains(name))
                continue;
            if (!message.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values))
                message.Content?.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
        }
        message.Headers.Add(InvocationIdHeader, invocationId);
        return message;
    }

    /// <summary>The trigger's input (an RpcHttp naming the request) and the binding data the host gives an HTTP trigger: route values, Query, Headers.</summary>
    private static StreamingMessage Invocation(WorkerFunction function, string invocationId, HttpRequest request, RouteValueDictionary routeValues)
    {
        var http = new RpcHttp { Method = request.Method, Url = $"{request.Scheme}://{request.Host}{request.Path}{request.QueryString}" };
        foreach (var (name, values) in request.Query)
            http.Query[name] = values.ToString();
        foreach (var (name, value) in routeValues)
            http.Params[name] = Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "";

        var invocation = FunctionsHost.NewInvocation(function, invocationId);
        invocation.InputData.Add(new ParameterBinding { Name = function.Trigger!.Name, Data = new TypedData { Http = http } });
        foreach (var (name, value) in http.Params)
            invocation.TriggerMetadata[name] = new TypedData { String = value };
        invocation.TriggerMetadata["Query"] = new TypedData { Json = JsonSerializer.Serialize(http.Query) };
        invocation.TriggerMetadata["Headers"] = new TypedData
        {
            Json = JsonSerializer.Serialize(request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase)),
        };
        return new StreamingMessage { RequestId = Guid.NewGuid().ToString(), InvocationRequest = invocation };
    }
}
