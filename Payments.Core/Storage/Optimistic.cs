using Azure;

namespace Payments.Core.Storage;

/// <summary>The one read-modify-write loop: read with the ETag, change, write if the ETag still holds, else read again.</summary>
public static class Optimistic
{
    private const int MaxAttempts = 8;

    /// <param name="change">Returns the new value, or null to write nothing.</param>
    /// <returns>The value as written (or as read, when nothing was written); null when there is nothing to read.</returns>
    public static async Task<T?> MutateAsync<T>(
        Func<CancellationToken, Task<(T Value, ETag ETag)?>> read,
        Func<T, T?> change,
        Func<T, ETag, CancellationToken, Task> write,
        CancellationToken ct) where T : class
    {
        for (var attempt = 1; ; attempt++)
        {
            if (await read(ct) is not { } current)
                return null;
            if (change(current.Value) is not { } changed)
                return current.Value;
            try
            {
                await write(changed, current.ETag, ct);
                return changed;
            }
            catch (RequestFailedException ex) when (ex.IsPreconditionFailed() && attempt < MaxAttempts)
            {
            }
        }
    }
}
