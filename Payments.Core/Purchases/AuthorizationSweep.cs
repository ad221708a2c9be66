using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Payments.Core.Paypal;

namespace Payments.Core.Purchases;

public enum SweepAction { Alert, Capture, Cancel }

public sealed class AuthorizationSweepOptions
{
    public const string Section = "Purchases:AuthorizationSweep";

    /// <summary>Card authorizations older than this are swept; Stripe lets card authorizations lapse after 7 days.</summary>
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromDays(6);
    /// <summary>
    /// PayPal authorizations older than this are swept: inside PayPal's 3-day honor period (funds guaranteed), so a capture
    /// still finds the money; after it PayPal may refuse (<c>PAYER_CANNOT_PAY</c>) although the authorization lives to day 29.
    /// </summary>
    public TimeSpan PaypalMaxAge { get; set; } = TimeSpan.FromDays(2);
    /// <summary>Age at which a PayPal authorization still held is alerted once more: PayPal voids it at 29 days.</summary>
    public TimeSpan PaypalLapseWarningAge { get; set; } = TimeSpan.FromDays(28);
    /// <summary>Alert (log an error and mark the purchase), Capture, or Cancel.</summary>
    public SweepAction Action { get; set; } = SweepAction.Alert;
    public TimeSpan Interval { get; set; } = TimeSpan.FromHours(1);
}

public sealed record SweepResult(int Found, int Captured, int Canceled, int Alerted, int Failed);

/// <summary>
/// Finds aging authorizations so that none lapses unnoticed, and acts as configured, each by its provider's clock: a card's
/// (Stripe) at <see cref="AuthorizationSweepOptions.MaxAge"/>, before its 7-day lapse; a PayPal one's at
/// <see cref="AuthorizationSweepOptions.PaypalMaxAge"/>, before its 3-day honor period ends. PayPal's authorization lives on
/// to day 29, so it is alerted once there and once more near its lapse, not every run for weeks. Nothing is reauthorized:
/// that is a new authorization of the payer's money, PayPal's to refuse, and the shop's decision (capture or cancel).
/// </summary>
public sealed partial class AuthorizationSweep(
    PurchaseStore purchases, PurchaseAdminService admin, IOptions<AuthorizationSweepOptions> options, TimeProvider clock, ILogger<AuthorizationSweep> logger)
{
    public async Task<SweepResult> RunOnceAsync(CancellationToken ct)
    {
        var o = options.Value;
        var now = clock.GetUtcNow();
        var aging = (await purchases.ListAuthorizedSinceBeforeAsync(now - (o.MaxAge < o.PaypalMaxAge ? o.MaxAge : o.PaypalMaxAge), ct))
            .Where(p => IsDue(p, now, o)).ToList();
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
                        await AlertAsync(purchase, now, o, ct);
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

    /// <summary>
    /// A card authorization from <see cref="AuthorizationSweepOptions.MaxAge"/> on (every run: a day is left). A PayPal one
    /// from <see cref="AuthorizationSweepOptions.PaypalMaxAge"/> on to act; to alert, once then (never swept before) and once
    /// more from <see cref="AuthorizationSweepOptions.PaypalLapseWarningAge"/> (not swept since that age).
    /// </summary>
    private static bool IsDue(Purchase purchase, DateTimeOffset now, AuthorizationSweepOptions o)
    {
        if (purchase.AuthorizedAt is not { } at)
            return false;
        if (purchase.PaymentMethod != PurchasePaymentMethod.Paypal)
            return at <= now - o.MaxAge;
        if (at > now - o.PaypalMaxAge)
            return false;
        return o.Action != SweepAction.Alert || purchase.SweptAt is null || LapseWarningDue(purchase, at, now, o);
    }

    private static bool LapseWarningDue(Purchase purchase, DateTimeOffset at, DateTimeOffset now, AuthorizationSweepOptions o) =>
        at + o.PaypalLapseWarningAge <= now && !(purchase.SweptAt >= at + o.PaypalLapseWarningAge);

    private async Task AlertAsync(Purchase purchase, DateTimeOffset now, AuthorizationSweepOptions o, CancellationToken ct)
    {
        var again = false;
        if (purchase.PaymentMethod != PurchasePaymentMethod.Paypal)
            LogAging(logger, purchase.Id, purchase.AuthorizedAt, purchase.AmountAuthorized, purchase.Currency);
        else if (LapseWarningDue(purchase, purchase.AuthorizedAt!.Value, now, o))
        {
            again = purchase.SweptAt is not null;
            LogPaypalLapsing(logger, purchase.Id, purchase.AuthorizedAt, purchase.AmountAuthorized, purchase.Currency,
                purchase.AuthorizedAt.Value + PaypalAuthorizationLifetime.ValidFor);
        }
        else
        {
            LogPaypalHonorEnding(logger, purchase.Id, purchase.AuthorizedAt, purchase.AmountAuthorized, purchase.Currency,
                purchase.AuthorizedAt.Value + PaypalAuthorizationLifetime.HonorPeriod);
        }
        await purchases.MutateAsync(purchase.UserId, purchase.Id, p =>
        {
            p.MarkSwept(clock.GetUtcNow(), again);
            return true;
        }, ct);
    }

    [LoggerMessage(EventId = 4301, Level = LogLevel.Error, Message = "Authorization of purchase {PurchaseId} from {AuthorizedAt} ({Amount} {Currency}) will lapse soon: capture or cancel it")]
    private static partial void LogAging(ILogger logger, string purchaseId, DateTimeOffset? authorizedAt, long amount, string currency);

    [LoggerMessage(EventId = 4302, Level = LogLevel.Error, Message = "Sweeping purchase {PurchaseId} failed")]
    private static partial void LogSweepFailed(ILogger logger, Exception ex, string purchaseId);

    [LoggerMessage(EventId = 4305, Level = LogLevel.Error, Message = "PayPal authorization of purchase {PurchaseId} from {AuthorizedAt} ({Amount} {Currency}) leaves its honor period at {HonorEnds}: capture it before then, or PayPal may refuse the capture")]
    private static partial void LogPaypalHonorEnding(ILogger logger, string purchaseId, DateTimeOffset? authorizedAt, long amount, string currency, DateTimeOffset honorEnds);

    [LoggerMessage(EventId = 4304, Level = LogLevel.Error, Message = "PayPal authorization of purchase {PurchaseId} from {AuthorizedAt} ({Amount} {Currency}) lapses at {LapsesAt}: capture or cancel it")]
    private static partial void LogPaypalLapsing(ILogger logger, string purchaseId, DateTimeOffset? authorizedAt, long amount, string currency, DateTimeOffset lapsesAt);
}
