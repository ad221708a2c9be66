using System.Text.RegularExpressions;
using System.Xml;
using Payments.Core.Messaging;
using Payments.ServiceBusBroker;
using Payments.StandIns.Testing;
using Xunit;

namespace Payments.StandIns.Tests.ServiceBusBroker;

/// <summary>The broker's appsettings.json declares the queues infra/main.bicep provisions, with the same properties.</summary>
public sealed partial class BrokerConfigurationTests
{
    private static readonly string Bicep = File.ReadAllText(Path.Combine(RepoPaths.Root, "infra", "main.bicep"));

    [Fact]
    public void The_configured_queues_are_the_queues_in_code()
    {
        var queues = BrokerConfiguration.Load().ResolveQueues();

        Assert.Equal(QueueNames.All.Order(), queues.Select(q => q.Name).Order());
    }

    [Fact]
    public void Every_configured_queue_has_the_properties_of_its_Service_Bus_queue()
    {
        var queues = BrokerConfiguration.Load().ResolveQueues();

        Assert.All(queues, queue =>
        {
            Assert.Equal(int.Parse(Param("maxDeliveryCount", "int"), System.Globalization.CultureInfo.InvariantCulture), queue.MaxDeliveryCount);
            Assert.Equal(XmlConvert.ToTimeSpan(Param("queueLockDuration", "string")), queue.LockDuration);
            Assert.Equal(XmlConvert.ToTimeSpan(Param("duplicateDetectionWindow", "string")), queue.DuplicateDetectionWindow);
            Assert.Equal(XmlConvert.ToTimeSpan(Param("messageTimeToLive", "string")), queue.DefaultMessageTimeToLive);
            Assert.True(queue.DeadLetteringOnMessageExpiration);
        });
        Assert.Contains("deadLetteringOnMessageExpiration: true", Bicep, StringComparison.Ordinal);
    }

    [Fact]
    public void The_command_line_sets_the_port()
    {
        Assert.Equal(6000, BrokerConfiguration.Load("--port", "6000").Port);
        Assert.Equal(6001, BrokerConfiguration.Load("--Broker:Port=6001").Port);
    }

    [Fact]
    public void The_connection_string_is_the_emulators()
    {
        Assert.Equal(
            "Endpoint=sb://127.0.0.1:5672;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=SAS_KEY_VALUE;UseDevelopmentEmulator=true;",
            BrokerApp.ConnectionStringFor(5672));
    }

    /// <summary>A parameter's default in main.bicep, e.g. <c>param maxDeliveryCount int = 5</c> or <c>= 'PT1M'</c>.</summary>
    private static string Param(string name, string type)
    {
        var match = ParamDefault().Matches(Bicep).SingleOrDefault(m => m.Groups["name"].Value == name && m.Groups["type"].Value == type);
        Assert.True(match is not null, $"infra/main.bicep has no 'param {name} {type} = …'");
        return match.Groups["value"].Value.Trim('\'');
    }

    [GeneratedRegex(@"^param (?<name>\w+) (?<type>\w+) = (?<value>'[^']*'|\d+)\s*$", RegexOptions.Multiline)]
    private static partial Regex ParamDefault();
}
