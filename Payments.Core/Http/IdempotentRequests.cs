using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Azure;
using Microsoft.AspNetCore.Http;

namespace Payments.Core.Http;

/// <summary>
/// The client's <c>Idempotency-Key</c>: the first request with a key does the work and stores its
/// answer; repeats with the same body get that answer (waiting while it is still being worked
/// out), and a repeat with another body is refused. Keys are scoped per user and per route.
/// </summary>
public sealed partial class IdempotentRequests(IdempotencyKeyStore store, TimeProvider clock)
{
    public static readonly TimeSpan InFlightTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(20);

    /// <summary>The header's key, required and checked: it becomes part of a table key.</summary>
    public static string RequireKey(HttpRequest request)
    {
        var key = request.Headers["Idempotency-Key"].ToString();
        if (key.Length == 0)
            throw new ApiError(400, "idempotency_key_required", "Send an Idempotency-Key header (for example a UUID).", "Idempotency-Key").ToException();
        if (!KeyShape().IsMatch(key))
            throw ApiErrors.Validation("Idempotency-Key", "Idempotency-Key is 1-100 letters, digits, '-', '_', ':' or '.'.").ToException();
        return key;
    }

    public static string? OptionalKey(HttpRequest request) =>
        request.Headers.ContainsKey("Idempotency-Key") ? RequireKey(request) : null;

    public static string Hash<T>(T body) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(body, JsonBody.Options))));

    public Task<IdempotentRecord?> FindAsync(string userId, string scope, string key, CancellationToken ct) => store.FindAsync(userId, scope, key, ct);

    /// <summary>Waits for the request holding the key to store its answer.</summary>
    public async Task<IdempotentRecord> WaitAsync(string userId, string scope, string key, CancellationToken ct)
    {
        var deadline = clock.GetUtcNow() + WaitLimit;
        while (true)
        {
            var record = await FindAsync(userId, scope, key, ct) ?? throw new InvalidOperationException("Idempotency record vanished.");
            if (record.Response is not null || clock.GetUtcNow() >= deadline || IsStale(record))
                return record;
            await Task.Delay(100, ct);
        }
    }

    /// <summary>
    /// Runs <paramref name="work"/> at most once per key. <paramref name="validate"/> runs before the
    /// key is claimed, so a rejected request stores nothing; a replay with the same body gets the
    /// stored answer; a request that died mid-way is resumed with the same subject id, so the
    /// Stripe calls keyed on it replay instead of repeating.
    /// </summary>
    /// <param name="resume">
    /// On taking over a dead attempt: loads what that attempt recorded under the subject id (say the
    /// priced purchase) and returns true, so the request goes on as it was accepted rather than being
    /// validated again against data that changed since (a new price would reach Stripe under the
    /// same idempotency key). False, or none given, validates again: nothing was recorded, so nothing was sent.
    /// </param>
    public async Task<StoredResponse> RunAsync(
        string userId, string scope, string? key, string hash, string newSubjectId,
        Func<CancellationToken, Task> validate, Func<string, CancellationToken, Task<StoredResponse>> work, CancellationToken ct,
        Func<string, CancellationToken, Task<bool>>? resume = null)
    {
        if (key is null)
        {
            await validate(ct);
            return await work(newSubjectId, ct);
        }

        var prior = await FindAsync(userId, scope, key, ct);
        if (prior is null)
        {
            await validate(ct);
            if (await store.TryClaimAsync(userId, scope, key, hash, newSubjectId, clock.GetUtcNow(), ct) is { } claim)
                return await FinishAsync(userId, scope, key, newSubjectId, claim, work, ct);
            prior = await FindAsync(userId, scope, key, ct) ?? throw InProgress().ToException();
        }
        if (prior.RequestHash != hash)
            throw KeyReused().ToException();
        if (prior.Response is not null)
            return prior.Response;

        prior = await WaitAsync(userId, scope, key, ct);
        if (prior.Response is not null)
            return prior.Response;
        if (IsStale(prior) && await store.TryTakeOverAsync(userId, scope, key, prior, clock.GetUtcNow(), ct) is { } takenOver)
        {
            // Inside FinishAsync, so that a refusal now is stored as this key's answer instead of leaving the claim in flight.
            return await FinishAsync(userId, scope, key, prior.SubjectId, takenOver, async (subjectId, token) =>
            {
                if (resume is null || !await resume(subjectId, token))
                    await validate(token);
                return await work(subjectId, token);
            }, ct);
        }
        throw InProgress().ToException();
    }

    private async Task<StoredResponse> FinishAsync(
        string userId, string scope, string key, string subjectId, ETag claim, Func<string, CancellationToken, Task<StoredResponse>> work, CancellationToken ct)
    {
        StoredResponse response;
        try
        {
            response = await work(subjectId, ct);
        }
        catch (ApiErrorException ex) when (ex.Error.Status < 500)
        {
            response = ProblemMapper.Stored(ex.Error);
        }
        catch (Stripe.PaymentProviderException ex) when (!ex.IsTransient)
        {
            // Stripe refused for good (it saves that answer under its key too): the same answer every time.
            response = ProblemMapper.Stored(ProblemMapper.FromProvider(ex));
        }
        catch (Paypal.PaypalException ex) when (ex.Category is not Paypal.PaypalErrorCategory.Retry && !ex.IsAuthentication && ex.Name != "NOT_CONFIGURED")
        {
            // PayPal refused for good (a failed request keeps nothing under its request id, but it refuses the same again).
            response = ProblemMapper.Stored(ProblemMapper.FromPaypal(ex));
        }
        catch
        {
            // Unknown outcome (Stripe or storage failed): let the next attempt resume at once, with the same subject id.
            await store.TryReleaseAsync(userId, scope, key, claim, CancellationToken.None);
            throw;
        }
        // Not holding the claim any more (taken over as stale): the answer stored is the one that took over.
        await store.TryAnswerAsync(userId, scope, key, claim, response, ct);
        return response;
    }

    public bool IsStale(IdempotentRecord record) => record.Response is null && clock.GetUtcNow() - record.Started > InFlightTimeout;

    public static ApiError KeyReused() =>
        new(422, "idempotency_key_reused", "This Idempotency-Key was used with a different request.", "Idempotency-Key");

    public static ApiError InProgress() =>
        new(409, "request_in_progress", "A request with this Idempotency-Key is still being processed; retry shortly.", "Idempotency-Key");

    [GeneratedRegex("^[A-Za-z0-9_.:-]{1,100}$")]
    private static partial Regex KeyShape();
}
