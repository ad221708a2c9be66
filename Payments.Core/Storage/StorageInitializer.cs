using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Payments.Core.Storage;

/// <summary>
/// Creates the tables and blob containers at start-up where nothing else does: a fresh Azurite in
/// Development and Testing. Elsewhere infra/main.bicep makes them (InfraTests holds its lists to
/// <see cref="TableNames"/> and <see cref="ContainerNames"/>), so a cold start makes no storage calls
/// here; <see cref="StorageOptions.CreateIfMissing"/> overrides either way.
/// </summary>
public sealed partial class StorageInitializer(
    PaymentsStorage storage, IOptions<StorageOptions> options, IHostEnvironment environment, ILogger<StorageInitializer> logger) : IHostedService
{
    public static bool ShouldCreate(StorageOptions options, IHostEnvironment environment) =>
        options.CreateIfMissing ?? environment.IsLocal();

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!ShouldCreate(options.Value, environment))
        {
            LogTrustingInfra(logger, environment.EnvironmentName);
            return;
        }
        await storage.CreateAllAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 1301, Level = LogLevel.Information,
        Message = "Tables and blob containers are not created at start-up in {Environment} (infra makes them; Storage:CreateIfMissing=true to create them)")]
    private static partial void LogTrustingInfra(ILogger logger, string environment);
}
