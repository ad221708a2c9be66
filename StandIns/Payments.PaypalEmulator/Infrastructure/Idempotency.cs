using Payments.StandIns.Common;

namespace Payments.PaypalEmulator;

/// <summary>What a <c>PayPal-Request-Id</c> produced: the resource a repeat answers with, in its latest state.</summary>
internal sealed record IdempotentResult(string Kind, string ResourceId);

/// <summary>
/// <c>PayPal-Request-Id</c>, as PayPal documents it: a repeat of a request that succeeded answers the latest
/// state of what the first one made, with 200 instead of 201; a repeat while the first is still executing fails
/// (409 <c>PREVIOUS_REQUEST_IN_PROGRESS</c>). Ids are kept 6 hours for Orders and 45 days for Payments, on the
/// emulator's clock. Scoped by client and by method and path: the same id on another order is another request.
/// Only successes are kept; a failed request may be repeated with the same id and runs again.
/// </summary>
internal sealed class IdempotencyStore(EmulatorClock clock)
{
    public static readonly TimeSpan OrdersRetention = TimeSpan.FromHours(6);
    public static readonly TimeSpan PaymentsRetention = TimeSpan.FromDays(45);

    private readonly Lock sync = new();
    private readonly Dictionary<string, Entry> entries = new(StringComparer.Ordinal);

    private sealed class Entry
    {
        public IdempotentResult? Result { get; set; }

        public DateTimeOffset ExpiresAt { get; set; }
    }

    public static string Key(string clientId, string method, string path, string requestId) => $"{clientId}\n{method}\n{path}\n{requestId}";

    /// <summary>
    /// A saved result to replay, or null after claiming the id for this request (release or complete it).
    /// Throws 409 while another request with the id is executing.
    /// </summary>
    public IdempotentResult? Claim(string key)
    {
        var now = clock.Now;
        lock (sync)
        {
            if (entries.TryGetValue(key, out var entry) && (entry.Result is null || now < entry.ExpiresAt))
            {
                return entry.Result ?? throw PaypalErrors.Conflict(new ErrorDetail("PREVIOUS_REQUEST_IN_PROGRESS"));
            }

            entries[key] = new Entry();
            return null;
        }
    }

    public void Complete(string key, IdempotentResult result, TimeSpan retention)
    {
        lock (sync)
        {
            entries[key] = new Entry { Result = result, ExpiresAt = clock.Now + retention };
        }
    }

    public void Release(string key)
    {
        lock (sync)
        {
            if (entries.TryGetValue(key, out var entry) && entry.Result is null)
            {
                entries.Remove(key);
            }
        }
    }

    public void Clear()
    {
        lock (sync)
        {
            entries.Clear();
        }
    }
}
