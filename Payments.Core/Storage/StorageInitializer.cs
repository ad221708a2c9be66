using Microsoft.Extensions.Hosting;

namespace Payments.Core.Storage;

/// <summary>Creates the tables and blob containers at start-up, so a fresh Azurite or account just works.</summary>
public sealed class StorageInitializer(PaymentsStorage storage) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => storage.CreateAllAsync(cancellationToken);
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
