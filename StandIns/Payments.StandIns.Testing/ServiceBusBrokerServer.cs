using System.Net.Sockets;
using Azure.Messaging.ServiceBus;
using Payments.ServiceBusBroker;

namespace Payments.StandIns.Testing;

/// <summary>
/// The local Service Bus broker (StandIns/Payments.ServiceBusBroker), in process, on a free loopback port,
/// with the queues of its appsettings.json (those of infra/main.bicep) plus any a test adds. Reach it with
/// <see cref="ConnectionString"/> (Microsoft's emulator connection string) and the real client.
/// If it cannot start, the run fails: there is no in-memory fallback.
/// </summary>
public sealed class ServiceBusBrokerServer : IAsyncDisposable
{
    private readonly List<ServiceBusClient> _clients = [];

    private ServiceBusBrokerServer(BrokerApp broker) => Broker = broker;

    public BrokerApp Broker { get; }

    public int Port => Broker.Port;

    /// <summary><c>Endpoint=sb://127.0.0.1:PORT;…;UseDevelopmentEmulator=true;</c></summary>
    public string ConnectionString => Broker.ConnectionString;

    /// <summary>Starts a broker with the configured queues and <paramref name="extraQueues"/> (e.g. one with a short lock).</summary>
    public static async Task<ServiceBusBrokerServer> StartAsync(params QueueOptions[] extraQueues)
    {
        var options = BrokerConfiguration.Load();
        options.Host = "127.0.0.1";
        options.Port = 0;
        options.Queues.AddRange(extraQueues);

        BrokerApp broker;
        try
        {
            broker = BrokerApp.Start(options);
        }
        catch (Exception e) when (e is SocketException or InvalidOperationException or IOException)
        {
            throw new InvalidOperationException($"The Service Bus broker did not start: {e.Message}", e);
        }

        // Fail here, not in the first test, if nothing answers on the port.
        using var probe = new TcpClient();
        await probe.ConnectAsync("127.0.0.1", broker.Port);
        return new ServiceBusBrokerServer(broker);
    }

    /// <summary>A client on this broker, disposed with the server. Few retries, so a failure shows at once.</summary>
    public ServiceBusClient CreateClient()
    {
        var client = new ServiceBusClient(ConnectionString, new ServiceBusClientOptions
        {
            RetryOptions = new ServiceBusRetryOptions { MaxRetries = 1, TryTimeout = TimeSpan.FromSeconds(20) },
        });
        lock (_clients)
            _clients.Add(client);
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        List<ServiceBusClient> clients;
        lock (_clients)
            clients = [.. _clients];
        foreach (var client in clients)
            await client.DisposeAsync();
        await Broker.DisposeAsync();
    }
}
