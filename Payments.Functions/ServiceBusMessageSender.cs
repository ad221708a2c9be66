using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Azure.Identity;
using Azure.Messaging.ServiceBus;
using Microsoft.Extensions.Configuration;
using Payments.Core.Queues;

namespace Payments.Functions;

/// <summary>
/// Sends Core's background messages to the Service Bus queue their type routes to
/// (<see cref="MessageTable"/>); the Service Bus triggers in <c>Queues/QueueFunctions.cs</c> receive them.
/// Uses the triggers' connection, <c>ServiceBusConnection</c>: a connection string locally, or
/// <c>ServiceBusConnection__fullyQualifiedNamespace</c> (and <c>__clientId</c> for a user-assigned
/// identity) with managed identity in Azure.
/// </summary>
public sealed class ServiceBusMessageSender : IMessageSender, IAsyncDisposable
{
    public const string ConnectionName = "ServiceBusConnection";

    /// <summary>Service Bus limit for MessageId.</summary>
    private const int MaxMessageIdLength = 128;

    private readonly ServiceBusClient _client;
    private readonly ConcurrentDictionary<string, ServiceBusSender> _senders = new(StringComparer.Ordinal);

    public ServiceBusMessageSender(IConfiguration configuration)
    {
        _client = CreateClient(configuration.GetSection(ConnectionName));
    }

    public Task SendAsync(QueueMessage message, CancellationToken ct)
    {
        var queue = MessageTable.For(message.Type).Queue;
        var sender = _senders.GetOrAdd(queue, name => _client.CreateSender(name));
        var outgoing = new ServiceBusMessage(message.ToJson())
        {
            MessageId = MessageIdFor(message),
            ContentType = "application/json",
            Subject = message.Type,
        };
        return sender.SendMessageAsync(outgoing, ct);
    }

    /// <summary>
    /// The same Stripe event (or, for our own messages, the same type and subject) always gives the
    /// same id, so Service Bus duplicate detection (enabled on every queue in infra/main.bicep)
    /// drops a repeat sent within its window.
    /// </summary>
    public static string MessageIdFor(QueueMessage message)
    {
        var readable = message.DeduplicationId;
        if (readable.Length <= MaxMessageIdLength)
            return readable;
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(readable));
        return $"{message.Type[..Math.Min(message.Type.Length, 60)]}:{Convert.ToHexStringLower(hash)}";
    }

    public ValueTask DisposeAsync() => _client.DisposeAsync();

    private static ServiceBusClient CreateClient(IConfigurationSection connection)
    {
        var options = new ServiceBusClientOptions { TransportType = ServiceBusTransportType.AmqpTcp };
        if (!string.IsNullOrWhiteSpace(connection.Value))
            return new ServiceBusClient(connection.Value, options);

        var fullyQualifiedNamespace = connection["fullyQualifiedNamespace"];
        if (string.IsNullOrWhiteSpace(fullyQualifiedNamespace))
            throw new InvalidOperationException(
                $"Set {ConnectionName} (a connection string) or {ConnectionName}__fullyQualifiedNamespace (managed identity).");

        var credentialOptions = new DefaultAzureCredentialOptions();
        if (connection["clientId"] is { Length: > 0 } clientId)
            credentialOptions.ManagedIdentityClientId = clientId;
        return new ServiceBusClient(fullyQualifiedNamespace, new DefaultAzureCredential(credentialOptions), options);
    }
}
