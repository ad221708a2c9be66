using Microsoft.Extensions.Options;
using Payments.Core;
using Payments.Core.Invoices;

namespace Payments.Host.Background;

/// <summary>The Host's timer for the deadline sweep (Functions uses the InvoiceDeadlineSweepSchedule timer).</summary>
public sealed partial class InvoiceDeadlineSweepService(
    InvoiceDeadlineSweep sweep, IOptions<InvoiceOptions> options, ILogger<InvoiceDeadlineSweepService> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Periodic.RunAsync(options.Value.SweepInterval, sweep.RunOnceAsync, ex => LogRunFailed(logger, ex), stoppingToken);

    [LoggerMessage(EventId = 6702, Level = LogLevel.Error, Message = "The invoice deadline sweep failed; the next tick tries again")]
    private static partial void LogRunFailed(ILogger logger, Exception ex);
}
