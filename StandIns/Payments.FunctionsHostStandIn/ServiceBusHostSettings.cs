using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Payments.FunctionsHostStandIn;

/// <summary>
/// The <c>extensions.serviceBus</c> settings of host.json that the stand-in honours, with the
/// extension's documented defaults for what is absent (keys are case-insensitive, as the host reads them).
/// </summary>
public sealed record ServiceBusHostSettings(int MaxConcurrentCalls, bool AutoCompleteMessages, TimeSpan MaxAutoLockRenewalDuration, int PrefetchCount)
{
    /// <summary>The extension's defaults: 16 calls per core, auto-complete on, 5 minutes of lock renewal, no prefetch.</summary>
    public static ServiceBusHostSettings Defaults => new(16 * Environment.ProcessorCount, true, TimeSpan.FromMinutes(5), 0);

    public static ServiceBusHostSettings Read(string hostJsonPath)
    {
        var defaults = Defaults;
        if (!File.Exists(hostJsonPath))
            return defaults;
        var hostJson = JsonNode.Parse(File.ReadAllText(hostJsonPath), documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip });
        if (Child(Child(hostJson, "extensions"), "serviceBus") is not JsonObject serviceBus)
            return defaults;
        return new ServiceBusHostSettings(
            Child(serviceBus, "maxConcurrentCalls")?.GetValue<int>() ?? defaults.MaxConcurrentCalls,
            Child(serviceBus, "autoCompleteMessages")?.GetValue<bool>() ?? defaults.AutoCompleteMessages,
            Child(serviceBus, "maxAutoLockRenewalDuration") is { } renewal
                ? TimeSpan.Parse(renewal.GetValue<string>(), CultureInfo.InvariantCulture)
                : defaults.MaxAutoLockRenewalDuration,
            Child(serviceBus, "prefetchCount")?.GetValue<int>() ?? defaults.PrefetchCount);
    }

    private static JsonNode? Child(JsonNode? node, string name) =>
        node is JsonObject o ? o.FirstOrDefault(p => string.Equals(p.Key, name, StringComparison.OrdinalIgnoreCase)).Value : null;
}
