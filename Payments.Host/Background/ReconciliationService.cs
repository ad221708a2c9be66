using Microsoft.Extensions.Options;
using Payments.Core;
using Payments.Core.Reconciliation;

namespace Payments.Host.Background;

/// <summary>The Host's timer for the reconciler (Functions uses the ReconciliationSchedule timer).</summary>
public sealed partial class ReconciliationService(
    Reconciler reconciler, IOptions<ReconciliationOptions> options, ILogger<ReconciliationService> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Periodic.RunAsync(options.Value.Interval, reconciler.RunOnceAsync, ex => LogRunFailed(logger, ex), stoppingToken);

    [LoggerMessage(EventId = 7005, Level = LogLevel.Error, Message = "A reconciliation run failed; the next tick tries again")]
    private static partial void LogRunFailed(ILogger logger, Exception ex);
}
