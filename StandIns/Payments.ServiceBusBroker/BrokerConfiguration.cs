using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Payments.ServiceBusBroker;

/// <summary>Where the broker's settings come from: this project's appsettings.json, copied beside the binaries
/// under its own name (so it cannot collide with another project's appsettings.json), then the command line.</summary>
public static class BrokerConfiguration
{
    public const string FileName = "Payments.ServiceBusBroker.appsettings.json";

    public static readonly IReadOnlyDictionary<string, string> SwitchMappings = new Dictionary<string, string>
    {
        ["--port"] = "Broker:Port",
        ["--host"] = "Broker:Host",
        ["--counts-port"] = "Broker:CountsPort",
    };

    /// <summary>The configured options (the queues of infra/main.bicep), for tests and tools that start the broker in process.</summary>
    public static BrokerOptions Load(params string[] args)
    {
        var configuration = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(AppContext.BaseDirectory, FileName), optional: false)
            .AddCommandLine(args, SwitchMappings.ToDictionary())
            .Build();
        return Bind(configuration);
    }

    internal static BrokerOptions Bind(IConfiguration configuration) =>
        configuration.GetSection(BrokerOptions.Section).Get<BrokerOptions>()
        ?? throw new InvalidOperationException($"The configuration has no '{BrokerOptions.Section}' section.");
}

/// <summary>Runs the broker for the lifetime of the host.</summary>
internal sealed partial class BrokerService(IConfiguration configuration, ILoggerFactory loggerFactory, ILogger<BrokerService> logger) : IHostedService
{
    private BrokerApp? _broker;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _broker = BrokerApp.Start(BrokerConfiguration.Bind(configuration), loggerFactory);
        LogConnectionString(_broker.ConnectionString);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _broker?.Dispose();
        return Task.CompletedTask;
    }

    [LoggerMessage(EventId = 1003, Level = LogLevel.Information, Message = "Connection string: {ConnectionString}")]
    private partial void LogConnectionString(string connectionString);
}
