using System.Text.Json.Nodes;

namespace Payments.StandIns.Testing;

/// <summary>Payments.Functions, the app the Functions host stand-in runs: its build output and the settings a developer starts it with.</summary>
public static class FunctionsApp
{
    /// <summary>Payments.Functions' build output (this project builds it first).</summary>
    public static string Directory => RepoPaths.Metadata("FunctionsAppDirectory");

    /// <summary>The timer schedule settings, as a developer gets them from local.settings.sample.json.</summary>
    public static IReadOnlyDictionary<string, string> SampleSchedules()
    {
        var sample = JsonNode.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "local.settings.sample.json")))!["Values"]!.AsObject();
        return sample.Where(v => v.Key.EndsWith("Schedule", StringComparison.Ordinal))
            .ToDictionary(v => v.Key, v => v.Value!.GetValue<string>(), StringComparer.Ordinal);
    }
}
