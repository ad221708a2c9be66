using Microsoft.Extensions.Logging;

namespace Payments.Core.Stripe;

/// <summary>
/// One keyed Stripe write that survives a 5xx Stripe saved under its key. Stripe replays a saved 500
/// for 24 hours, so retrying the same key cannot succeed; the first attempt may or may not have had
/// its effect. So: look for what it left behind (by our metadata or the object's id), and only when
/// nothing is there try again under the key's next generation (<see cref="IdempotencyKeys.Generation"/>).
/// Every generation is derived from our ids, so a redelivered message or a retried request walks the
/// same keys and never doubles the effect.
/// </summary>
public static partial class KeyedStripeCall
{
    public const int MaxGenerations = 3;

    public static async Task<T> RunAsync<T>(
        string key, Func<string, Task<T>> call, Func<Task<T?>> findExisting, ILogger logger) where T : class
    {
        for (var generation = 1; ; generation++)
        {
            try
            {
                return await call(IdempotencyKeys.Generation(key, generation));
            }
            catch (PaymentProviderException ex) when (ex.KeyPoisoned && generation < MaxGenerations)
            {
                if (await findExisting() is { } existing)
                {
                    LogFound(logger, key, generation, ex.RequestId);
                    return existing;
                }
                LogNextGeneration(logger, key, generation, generation + 1, ex.RequestId, ex.Replayed);
            }
        }
    }

    [LoggerMessage(EventId = 1201, Level = LogLevel.Warning,
        Message = "Stripe saved a failure under key {Key} (generation {Generation}, request {StripeRequestId}), but the effect exists; continuing with it")]
    private static partial void LogFound(ILogger logger, string key, int generation, string? stripeRequestId);

    [LoggerMessage(EventId = 1202, Level = LogLevel.Warning,
        Message = "Stripe saved a failure under key {Key} (generation {Generation}, request {StripeRequestId}, replayed {Replayed}) and nothing exists; trying generation {Next}")]
    private static partial void LogNextGeneration(ILogger logger, string key, int generation, int next, string? stripeRequestId, bool replayed);
}
