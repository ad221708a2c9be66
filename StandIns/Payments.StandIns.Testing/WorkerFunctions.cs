using Payments.FunctionsHostStandIn;

namespace Payments.StandIns.Testing;

/// <summary>Worker function metadata made in a test, as a worker would report it to the host.</summary>
public static class WorkerFunctions
{
    /// <summary>An anonymous HTTP trigger on <paramref name="route"/>; no methods means any method.</summary>
    public static WorkerFunction Http(string name, string route, params string[] methods) => new(name, name + "-id", "App." + name,
    [
        WorkerBinding.Parse($$"""{"name":"req","type":"httpTrigger","direction":"In","authLevel":"Anonymous","methods":[{{string.Join(',', methods.Select(m => $"\"{m}\""))}}],"route":"{{route}}"}"""),
        WorkerBinding.Parse("""{"name":"$return","type":"http","direction":"Out"}"""),
    ]);

    public static WorkerFunction Timer(string name, string schedule) => new(name, name + "-id", "App." + name,
        [WorkerBinding.Parse($$"""{"name":"timer","type":"timerTrigger","direction":"In","schedule":"{{schedule}}"}""")]);

    /// <summary>A Service Bus trigger whose binding has <paramref name="binding"/>'s JSON properties (queue, connection, …).</summary>
    public static WorkerFunction Queue(string name, string binding) => new(name, name + "-id", "App." + name,
        [WorkerBinding.Parse($$"""{"name":"body","type":"serviceBusTrigger","direction":"In","dataType":"String",{{binding}}}""")]);
}
