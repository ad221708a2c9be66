using System.Text.Json.Nodes;
using Payments.StandIns.Common;

namespace Payments.StripeEmulator;

/// <summary>
/// Saved responses of POSTs sent with an <c>Idempotency-Key</c>, scoped by API key, with Stripe's rules:
/// the first response is saved once the endpoint starts executing, whatever it is (errors and 500s
/// included); nothing is saved when parameter validation fails; a request arriving while another with
/// its key is still executing gets a 409 <c>idempotency_key_in_use</c> (nothing saved); a saved key
/// lives 24 hours on the emulator's clock, then the next request with it runs anew.
/// </summary>
internal sealed class IdempotencyStore(EmulatorClock clock)
{
    /// <summary>Stripe prunes keys once they are at least 24 hours old.</summary>
    public static readonly TimeSpan KeyLifetime = TimeSpan.FromHours(24);

    private readonly Lock sync = new();
    private readonly Dictionary<(string ApiKey, string Key), Entry> entries = [];

    public void Clear()
    {
        lock (sync)
        {
            entries.Clear();
        }
    }

    public async Task<StripeResult> RunAsync(string apiKey, string key, string fingerprint, Func<Task<StripeResult>> execute)
    {
        Entry entry;
        lock (sync)
        {
            if (entries.TryGetValue((apiKey, key), out var existing) && existing.Saved is { } saved && clock.Now - saved.At >= KeyLifetime)
            {
                entries.Remove((apiKey, key));
                existing = null;
            }

            if (existing?.Saved is { } kept)
            {
                return kept.Fingerprint == fingerprint
                    ? kept.Result with { Replayed = true }
                    : throw StripeErrors.Idempotency(
                        "Keys for idempotent requests can only be used with the same parameters they were first used with. " +
                        $"Try using a key other than '{key}' if you meant to execute a different request.");
            }

            if (existing is not null)
            {
                throw StripeErrors.Idempotency(
                    "There is currently another in-progress request using this Idempotent Key (that probably means you submitted " +
                    "twice, and the other request is still going through): " + key + ". Please try again later.",
                    StatusCodes.Status409Conflict, "idempotency_key_in_use");
            }

            entry = new Entry();
            entries[(apiKey, key)] = entry;
        }

        StripeResult? result = null;
        try
        {
            result = await execute();
            return result;
        }
        finally
        {
            lock (sync)
            {
                if (result is not null && !IsParameterValidationFailure(result))
                {
                    entry.Saved = new Saved(fingerprint, result, clock.Now);
                }
                else
                {
                    entries.Remove((apiKey, key));
                }
            }
        }
    }

    /// <summary>
    /// Stripe validates parameters before an endpoint executes and saves nothing when that fails. The
    /// emulator counts as such a failure a 400 invalid_request_error with no code or a <c>parameter_*</c>
    /// code; coded refusals (amount_too_small, payment_intent_unexpected_state, ...) happen during execution.
    /// </summary>
    private static bool IsParameterValidationFailure(StripeResult result)
    {
        if (result.Status != StatusCodes.Status400BadRequest)
        {
            return false;
        }

        var error = JsonNode.Parse(result.Body)?["error"];
        var code = (string?)error?["code"];
        return (string?)error?["type"] == "invalid_request_error" && (code is null || code.StartsWith("parameter_", StringComparison.Ordinal));
    }

    private sealed class Entry
    {
        public Saved? Saved { get; set; }
    }

    private sealed record Saved(string Fingerprint, StripeResult Result, DateTimeOffset At);
}

/// <summary>The endpoint filter that puts every /v1 POST with an Idempotency-Key through the store.</summary>
internal sealed class IdempotencyFilter(EmulatorState state) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var key = http.Request.Headers["Idempotency-Key"].ToString();
        if (!HttpMethods.IsPost(http.Request.Method) || key.Length == 0)
        {
            return await next(context);
        }

        if (key.Length > 255)
        {
            return StripeErrors.InvalidRequest(
                "Invalid idempotency_key: must be at most 255 characters long.", "idempotency_key").ToResult();
        }

        var p = await StripeParams.ForRequestAsync(http);
        var fingerprint = $"{http.Request.Method} {http.Request.Path}\n{FormParser.Canonical(p.Root)}";
        var requestId = RequestContext.RequestId(http);
        try
        {
            var result = await state.Idempotency.RunAsync(
                RequestContext.ApiKey(http),
                key,
                fingerprint,
                async () =>
                {
                    StripeResult inner;
                    try
                    {
                        inner = await next(context) as StripeResult
                            ?? throw new InvalidOperationException("A /v1 handler must return a StripeResult.");
                    }
                    catch (Exception e) when (e is not OperationCanceledException)
                    {
                        // A failure once execution began is saved like any answer, as Stripe saves its 500s.
                        inner = StripeErrors.Create(500, "api_error", $"The emulator failed: {e.Message}").ToResult();
                    }

                    return inner with { OriginalRequestId = requestId };
                });
            if (result.Replayed)
            {
                RequestContext.MarkReplayed(http);
            }

            return result;
        }
        catch (StripeErrorException e)
        {
            return e.ToResult();
        }
    }
}
