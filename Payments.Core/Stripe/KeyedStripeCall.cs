using Microsoft.Extensions.Logging;

namespace Payments.Core.Stripe;

/// <summary>
/// Keyed Stripe writes that survive a 5xx Stripe saved under their key. Stripe saves the first answer
/// once it starts executing, 500s included, and replays it for 24 hours, so retrying the same key cannot
/// succeed; whether the first attempt had its effect is unknown. So: look for what it left behind (by our
/// metadata or the object's id), and only when nothing is there try again under the key's next generation
/// (<see cref="IdempotencyKeys.Generation"/>). The generation to use next is kept in table <c>stripekeys</c>
/// (written only when a key is given up; one point read per call), so a later call — a redelivered message,
/// a client retrying with its Idempotency-Key — first looks for the effect and then continues there,
/// instead of replaying the saved failures again.
/// </summary>
public sealed partial class KeyedStripeCall(StripeKeyStore keys, ILogger<KeyedStripeCall> logger)
{
    /// <summary>Fresh generations one call tries before it gives up and reports the failure.</summary>
    public const int MaxTriesPerCall = 3;

    public async Task<T> RunAsync<T>(string key, Func<string, Task<T>> call, Func<Task<T?>> findExisting, CancellationToken ct) where T : class
    {
        // An earlier call gave up generations of this key: its last try may have worked without an answer.
        var generation = await keys.NewestAsync(key, ct);
        if (generation > 1 && await findExisting() is { } earlier)
            return earlier;
        for (var tries = 1; ; tries++)
        {
            try
            {
                return await call(IdempotencyKeys.Generation(key, generation));
            }
            catch (PaymentProviderException ex) when (ex.KeyPoisoned)
            {
                if (await findExisting() is { } existing)
                {
                    LogFound(logger, key, generation, ex.RequestId);
                    return existing;
                }
                var next = await keys.AdvanceAsync(key, generation, ct);
                if (tries >= MaxTriesPerCall)
                    throw;
                LogNextGeneration(logger, key, generation, next, ex.RequestId, ex.Replayed);
                generation = next;
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
