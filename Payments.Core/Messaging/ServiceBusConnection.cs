using Azure.Identity;
using Azure.Messaging.ServiceBus;
using Microsoft.Extensions.Configuration;

namespace Payments.Core.Messaging;

/// <summary>
/// The one Service Bus client of a process, from the setting both doors (and the Functions triggers)
/// read: <c>ServiceBusConnection</c>, a connection string (the local broker's or Microsoft's
/// emulator's, <c>…;UseDevelopmentEmulator=true</c>, or a namespace's), or
/// <c>ServiceBusConnection__fullyQualifiedNamespace</c> (and <c>__clientId</c> for a user-assigned
/// identity) with managed identity in Azure.
/// </summary>
public static class ServiceBusConnection
{
    public const string Name = "ServiceBusConnection";

    public static ServiceBusClient CreateClient(IConfiguration configuration)
    {
        var connection = configuration.GetSection(Name);
        // The SDK's default retry options (exponential, 3 retries, 0.8 s to 60 s, 60 s per try) are what host.json's
        // extensions.serviceBus.clientRetryOptions gives the Functions triggers: both doors retry the same.
        var options = new ServiceBusClientOptions { TransportType = ServiceBusTransportType.AmqpTcp };
        if (!string.IsNullOrWhiteSpace(connection.Value))
            return new ServiceBusClient(connection.Value, options);

        var fullyQualifiedNamespace = connection["fullyQualifiedNamespace"];
        if (string.IsNullOrWhiteSpace(fullyQualifiedNamespace))
            throw new InvalidOperationException(
                $"Set {Name} (a connection string; locally the broker's, see docs/configuration.md) or {Name}__fullyQualifiedNamespace (managed identity).");

        var credentialOptions = new DefaultAzureCredentialOptions();
        if (connection["clientId"] is { Length: > 0 } clientId)
            credentialOptions.ManagedIdentityClientId = clientId;
        return new ServiceBusClient(fullyQualifiedNamespace, new DefaultAzureCredential(credentialOptions), options);
    }
}
