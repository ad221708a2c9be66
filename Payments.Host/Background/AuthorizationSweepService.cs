using Microsoft.Extensions.Options;
using Payments.Core;
using Payments.Core.Purchases;

namespace Payments.Host.Background;

/// <summary>The Host's timer for the sweep (Functions uses a timer trigger).</summary>
public sealed partial class AuthorizationSweepService(
    AuthorizationSweep sweep, IOptions<AuthorizationSweepOptions> options, ILogger<AuthorizationSweepService> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Periodic.RunAsync(options.Value.Interval, sweep.RunOnceAsync, ex => LogRunFailed(logger, ex), stoppingToken);

    [LoggerMessage(EventId = 4303, Level = LogLevel.Error, Message = "The authorization sweep failed; the next tick tries again")]
    private static partial void LogRunFailed(ILogger logger, Exception ex);
}
