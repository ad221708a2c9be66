using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Payments.Core.Invoices;

public sealed record InvoiceSweepResult(int Due, int Expired, int Failed, int FundingTried = 0);

/// <summary>
/// Ends every open or checked-out invoice whose deadline has passed: holds voided, status expired,
/// members emailed once. It also finishes funding that stopped half-way (a capture that failed for
/// the moment), so a fully authorized invoice does not wait for another event.
/// </summary>
public sealed partial class InvoiceDeadlineSweep(
    InvoiceStore store, InvoiceClosing closing, InvoiceFunding funding, TimeProvider clock, ILogger<InvoiceDeadlineSweep> logger)
{
    public async Task<InvoiceSweepResult> RunOnceAsync(CancellationToken ct)
    {
        var retried = 0;
        foreach (var invoiceId in await store.ListAwaitingFundingAsync(ct))
        {
            try
            {
                await funding.TryFundAsync(invoiceId, ct);
                retried++;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogFundingFailed(logger, ex, invoiceId);
            }
        }

        var due = await store.ListDueAsync(clock.GetUtcNow(), ct);
        int expired = 0, failed = 0;
        foreach (var invoiceId in due)
        {
            try
            {
                await closing.EndAsync(invoiceId, InvoiceStatus.Expired, ct);
                expired++;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // For example an invoice whose funding captured some shares and not others: staff refund those.
                LogFailed(logger, ex, invoiceId);
                failed++;
            }
        }
        return new InvoiceSweepResult(due.Count, expired, failed, retried);
    }

    [LoggerMessage(EventId = 6703, Level = LogLevel.Error, Message = "Funding invoice {InvoiceId} failed again; the next sweep tries again")]
    private static partial void LogFundingFailed(ILogger logger, Exception ex, string invoiceId);

    [LoggerMessage(EventId = 6701, Level = LogLevel.Error, Message = "Expiring invoice {InvoiceId} failed; the next sweep tries again")]
    private static partial void LogFailed(ILogger logger, Exception ex, string invoiceId);
}

/// <summary>The Host's timer for the deadline sweep (Functions uses the InvoiceDeadlineSweepSchedule timer).</summary>
public sealed partial class InvoiceDeadlineSweepService(
    InvoiceDeadlineSweep sweep, IOptions<InvoiceOptions> options, ILogger<InvoiceDeadlineSweepService> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Periodic.RunAsync(options.Value.SweepInterval, sweep.RunOnceAsync, ex => LogRunFailed(logger, ex), stoppingToken);

    [LoggerMessage(EventId = 6702, Level = LogLevel.Error, Message = "The invoice deadline sweep failed; the next tick tries again")]
    private static partial void LogRunFailed(ILogger logger, Exception ex);
}
