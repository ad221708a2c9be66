using System.Reflection;
using Microsoft.Extensions.Logging;
using Xunit;

namespace Payments.Tests.Common;

/// <summary>An event id names one log line: an operator's alert or query on it must not also catch another's.</summary>
public sealed class LogEventIdTests
{
    [Fact]
    public void Every_log_message_of_core_and_the_host_has_an_event_id_of_its_own()
    {
        var messages = new[] { typeof(Payments.Core.Money).Assembly, typeof(Payments.Host.PaymentsHostApp).Assembly }
            .SelectMany(a => a.GetTypes())
            .SelectMany(t => t.GetMethods(BindingFlags.Static | BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public | BindingFlags.DeclaredOnly))
            .Select(m => (Method: $"{m.DeclaringType!.Name}.{m.Name}", Attribute: m.GetCustomAttribute<LoggerMessageAttribute>()))
            .Where(x => x.Attribute is not null)
            .ToList();

        Assert.True(messages.Count > 50, $"only {messages.Count} log messages found");
        var shared = messages.GroupBy(x => x.Attribute!.EventId).Where(g => g.Count() > 1)
            .Select(g => $"{g.Key}: {string.Join(", ", g.Select(x => x.Method))}").ToList();
        Assert.True(shared.Count == 0, "event ids used twice: " + string.Join("; ", shared));
    }
}
