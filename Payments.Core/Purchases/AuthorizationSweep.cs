using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Payments.Core.Purchases;

public enum SweepAction { Alert, Capture, Cancel }

public sealed class AuthorizationSweepOptions
{
    public const string Section = "Purchases:AuthorizationSweep";

    /// <summary>Authorizations older than this are swept; Stripe lets card authorizations lapse after 7 days.</summary>
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromDays(6);
    /// <summary>Alert (log an error and mark the purchase), Capture, or Cancel.</summary>
    public SweepAction Action { get; set; } = SweepAction.Alert;
    public TimeSpan Interval { get; set; } = TimeSpan.FromHours(1);
}

public sealed record SweepResult(int Found, int Captured, int Canceled, int Alerted, int Failed);

/// <summary>Finds aging authorizations so that none lapses unnoticed, and acts as configured.</summary>
public sealed partial class AuthorizationSweep(
    PurchaseStore purchases, PurchaseAdminService admin, IOptions<AuthorizationSweepOptions> options, TimeProvider clock, ILogger<AuthorizationSweep> logger)
{
    public async Task<SweepResult> RunOnceAsync(CancellationToken ct)
    {
        var o = options.Value;
        var aging = await purchases.ListAuthorizedSinceBeforeAsync(clock.GetUtcNow() - o.MaxAge, ct);
        int captured = 0, canceled = 0, alerted = 0, failed = 0;
        foreach (var purchase in aging)
        {
            try
            {
                switch (o.Action)
                {
                    case SweepAction.Capture:
                        await admin.CaptureAsync(purchase.Id, null, ct);
                        captured++;
                        break;
                    case SweepAction.Cancel:
                        await admin.CancelAsync(purchase.Id, ct);
                        canceled++;
                        break;
                    default:
                        LogAging(logger, purchase.Id, purchase.AuthorizedAt, purchase.AmountAuthorized, purchase.Currency);
                        await purchases.MutateAsync(purchase.UserId, purchase.Id, p =>
                        {
                            p.MarkSwept(clock.GetUtcNow());
                            return true;
                        }, ct);
                        alerted++;
                        break;
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogSweepFailed(logger, ex, purchase.Id);
                failed++;
            }
        }
        return new SweepResult(aging.Count, captured, canceled, alerted, failed);
    }

    [LoggerMessage(EventId = 4301, Level = LogLevel.Error, Message = "Authorization of purchase {PurchaseId} from {AuthorizedAt} ({Amount} {Currency}) will lapse soon: capture or cancel it")]
    private static partial void LogAging(ILogger logger, string purchaseId, DateTimeOffset? authorizedAt, long amount, string currency);

    [LoggerMessage(EventId = 4302, Level = LogLevel.Error, Message = "Sweeping purchase {PurchaseId} failed")]
    private static partial void LogSweepFailed(ILogger logger, Exception ex, string purchaseId);
}
