using System.Globalization;
using System.Text.Json.Nodes;
using Payments.Core.Messaging;
using Xunit;

namespace Payments.Tests.Infra;

/// <summary>host.json as the Functions host in Azure reads it (no host runs here, so its settings are checked as data).</summary>
public sealed class HostJsonTests
{
    private static JsonNode HostJson() =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(InfraTests.RepoRoot, "host.json")))
        ?? throw new InvalidOperationException("host.json is empty.");

    private static TimeSpan Duration(JsonNode? node, string path)
    {
        var text = node?.GetValue<string>();
        Assert.False(string.IsNullOrEmpty(text), $"host.json sets no {path}.");
        return TimeSpan.Parse(text, CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// The trigger stops renewing a message's lock after maxAutoLockRenewalDuration. A handler still
    /// running then (it may, up to functionTimeout) loses its lock: Service Bus hands the message to
    /// another instance while the first is still working, and the handler runs twice.
    /// </summary>
    [Fact]
    public void LockRenewalCoversTheFunctionTimeout()
    {
        var host = HostJson();
        // Unset, Flex Consumption's default timeout (30 minutes) would apply, which nothing here pins.
        var timeout = Duration(host["functionTimeout"], "functionTimeout");
        var renewal = Duration(host["extensions"]?["serviceBus"]?["maxAutoLockRenewalDuration"], "extensions.serviceBus.maxAutoLockRenewalDuration");

        Assert.True(renewal >= timeout,
            $"host.json renews a message lock for {renewal} but lets a function run for {timeout}: raise extensions.serviceBus.maxAutoLockRenewalDuration to at least functionTimeout.");
    }

    /// <summary>
    /// Both doors size their Service Bus consumers alike, per queue and instance: the Functions triggers from
    /// host.json, the Host's processors from QueueOptions (and Payments.Host's appsettings.json, which names the
    /// concurrency). Why these numbers: bench/README.md, "Sizing the processors".
    /// </summary>
    [Fact]
    public void TheTriggersAreSizedLikeTheHostsProcessors()
    {
        var serviceBus = HostJson()["extensions"]?["serviceBus"];
        var defaults = new QueueOptions();
        var appSettings = JsonNode.Parse(File.ReadAllText(Path.Combine(InfraTests.RepoRoot, "Payments.Host", "appsettings.json")))?["Queues"];

        Assert.Equal(defaults.MaxConcurrentCalls, serviceBus?["maxConcurrentCalls"]?.GetValue<int>());
        Assert.Equal(defaults.PrefetchCount, serviceBus?["prefetchCount"]?.GetValue<int>());
        Assert.Equal(defaults.MaxConcurrentCalls, appSettings?["MaxConcurrentCalls"]?.GetValue<int>());
        Assert.Equal(defaults.PrefetchCount, appSettings?["PrefetchCount"]?.GetValue<int>() ?? 0);
    }
}
