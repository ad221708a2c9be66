using System.Text.RegularExpressions;
using Payments.Core.Queues;
using Payments.Tests.Infrastructure;
using Xunit;

namespace Payments.Tests.Functions;

/// <summary>
/// The Service Bus triggers cannot be built on our feed (their extension package is missing), so the
/// worker never reports them here: this is the one part of Payments.Functions still checked as source
/// text. Every queue Core sends to needs exactly one trigger on that queue, over the connection the
/// sender uses, handing the body to the dispatcher for the same queue.
/// </summary>
public sealed partial class ServiceBusTriggerSourceTests
{
    [Fact]
    public void Every_queue_has_one_service_bus_trigger_that_dispatches_to_it()
    {
        var source = File.ReadAllText(Path.Combine(RepoPaths.Root, "Payments.Functions", "Queues", "QueueFunctions.cs"));
        var triggers = Trigger().Matches(source).Select(m => (Queue: m.Groups["queue"].Value, Connection: m.Groups["connection"].Value, Dispatched: m.Groups["dispatched"].Value)).ToList();

        Assert.Equal(QueueNames.All.Order(StringComparer.Ordinal), triggers.Select(t => t.Queue).Order(StringComparer.Ordinal));
        Assert.All(triggers, t =>
        {
            Assert.Equal("ServiceBusConnection", t.Connection);
            Assert.Equal(t.Queue, t.Dispatched);
        });
        Assert.Equal(triggers.Count, Regex.Count(source, @"\[Function\("));
    }

    [GeneratedRegex(@"\[ServiceBusTrigger\(\s*""(?<queue>[^""]+)""\s*,\s*Connection\s*=\s*""(?<connection>[^""]+)""\s*\)\][^;]*?=>\s*dispatcher\.DispatchAsync\(\s*""(?<dispatched>[^""]+)""", RegexOptions.Singleline)]
    private static partial Regex Trigger();
}
