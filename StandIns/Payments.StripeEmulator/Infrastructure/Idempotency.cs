namespace Payments.StripeEmulator;

/// <summary>
/// Saved responses of POSTs sent with an <c>Idempotency-Key</c>, scoped by API key. A request
/// whose key is in flight waits for it and then takes the saved result, so a race never runs a
/// side effect twice.
/// </summary>
internal sealed class IdempotencyStore
{
    private readonly Lock sync = new();
    private readonly Dictionary<(string ApiKey, string Key), Entry> entries = [];

    public void Clear()
    {
        lock (sync)
        {
            entries.Clear();
        }
    }

    /// <summary>
    /// Runs <paramref name="execute"/> unless a response for this key was saved; saves it when
    /// Stripe would (successes and card errors, not validation failures).
    /// </summary>
    public async Task<StripeResult> RunAsync(string apiKey, string key, string fingerprint, Func<Task<StripeResult>> execute, CancellationToken cancellationToken)
    {
        Entry entry;
        TaskCompletionSource done;
        while (true)
        {
            Task? inFlight;
            lock (sync)
            {
                if (!entries.TryGetValue((apiKey, key), out var existing))
                {
                    existing = new Entry();
                    entries[(apiKey, key)] = existing;
                }

                entry = existing;
                if (entry.Saved is { } saved)
                {
                    return saved.Fingerprint == fingerprint
                        ? saved.Result with { Replayed = true }
                        : throw StripeErrors.Idempotency(
                            "Keys for idempotent requests can only be used with the same parameters they were first used with. " +
                            $"Try using a key other than '{key}' if you meant to execute a different request.");
                }

                inFlight = entry.InFlight;
                if (inFlight is null)
                {
                    done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    entry.InFlight = done.Task;
                    break;
                }
            }

            await inFlight.WaitAsync(cancellationToken);
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
                if (result is not null && (result.Status < 300 || result.Status == StatusCodes.Status402PaymentRequired))
                {
                    entry.Saved = new Saved(fingerprint, result);
                }

                entry.InFlight = null;
            }

            done.SetResult();
        }
    }

    private sealed class Entry
    {
        public Task? InFlight { get; set; }

        public Saved? Saved { get; set; }
    }

    private sealed record Saved(string Fingerprint, StripeResult Result);
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
                    var inner = await next(context) as StripeResult
                        ?? throw new InvalidOperationException("A /v1 handler must return a StripeResult.");
                    return inner with { OriginalRequestId = requestId };
                },
                http.RequestAborted);
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
