using System.Text.Json.Nodes;
using Payments.FunctionsHostStandIn.Protocol;

namespace Payments.FunctionsHostStandIn;

/// <summary>One binding of a function as the worker described it (its raw binding JSON).</summary>
public sealed record WorkerBinding(string Name, string Type, string Direction, JsonObject Raw)
{
    public bool IsTrigger => Type.EndsWith("Trigger", StringComparison.OrdinalIgnoreCase);

    public string? Property(string name) => Raw[name] is JsonValue value ? value.ToString() : null;

    public static WorkerBinding Parse(string rawJson)
    {
        var raw = JsonNode.Parse(rawJson) as JsonObject
            ?? throw new FunctionsHostStandInException($"A binding is not a JSON object: {rawJson}");
        string Text(string key) => raw[key]?.GetValue<string>() ?? "";
        return new WorkerBinding(Text("name"), Text("type"), Text("direction"), raw);
    }
}

/// <summary>One function from the worker's <c>FunctionMetadataResponse</c>.</summary>
public sealed record WorkerFunction(string Name, string FunctionId, string EntryPoint, IReadOnlyList<WorkerBinding> Bindings)
{
    public WorkerBinding? Trigger => Bindings.SingleOrDefault(b => b.IsTrigger);

    public bool IsHttp => string.Equals(Trigger?.Type, "httpTrigger", StringComparison.OrdinalIgnoreCase);

    public bool IsTimer => string.Equals(Trigger?.Type, "timerTrigger", StringComparison.OrdinalIgnoreCase);

    /// <summary>The HTTP route as declared (without the host's route prefix); the host defaults it to the function's name.</summary>
    public string? HttpRoute => IsHttp ? Trigger!.Property("route") ?? Name : null;

    /// <summary>Upper-case methods; empty means every method (the host's default).</summary>
    public IReadOnlyList<string> HttpMethods => IsHttp && Trigger!.Raw["methods"] is JsonArray methods
        ? methods.Select(m => m!.GetValue<string>().ToUpperInvariant()).ToList()
        : [];

    public bool IsServiceBus => string.Equals(Trigger?.Type, "serviceBusTrigger", StringComparison.OrdinalIgnoreCase);

    /// <summary>The timer schedule as declared, e.g. <c>%AuthorizationSweepSchedule%</c>.</summary>
    public string? TimerSchedule => IsTimer ? Trigger!.Property("schedule") : null;

    internal static WorkerFunction From(RpcFunctionMetadata metadata) => new(
        metadata.Name,
        metadata.FunctionId,
        metadata.EntryPoint,
        metadata.RawBindings.Select(WorkerBinding.Parse).ToList());
}
