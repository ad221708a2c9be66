namespace Payments.FunctionsHostStandIn;

public sealed record FunctionsHostStandInOptions
{
    /// <summary>The function app's build output: the app's assembly, functions.metadata, host.json.</summary>
    public required string FunctionAppDirectory { get; init; }

    /// <summary>The app's assembly in that directory, e.g. <c>Payments.Functions.dll</c>.</summary>
    public required string AssemblyFile { get; init; }

    /// <summary>App settings (<c>A:B</c> or <c>A__B</c>); the worker gets them as environment variables, timers resolve <c>%Setting%</c> from them.</summary>
    public IReadOnlyDictionary<string, string> AppSettings { get; init; } = new Dictionary<string, string>();

    /// <summary>How long each start-up step (stream, init, metadata, loads) may take.</summary>
    public TimeSpan StepTimeout { get; init; } = TimeSpan.FromSeconds(60);
}
