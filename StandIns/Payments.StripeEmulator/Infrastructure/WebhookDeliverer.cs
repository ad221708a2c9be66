using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Payments.StandIns.Common;
using Payments.StandIns.Common.Webhooks;

namespace Payments.StripeEmulator;

/// <summary>How deliveries behave, and the faults injected into them (<c>POST /_emulator/webhook_delivery</c>).</summary>
internal sealed record WebhookSettings : IDeliverySettings
{
    /// <summary>Each event is POSTed this many times (extra copies are separate deliveries, signed afresh).</summary>
    public int Duplicates { get; init; } = 1;

    /// <summary>The share of events (0-100, drawn at random per event) that get <see cref="Duplicates"/> copies; the others go once.</summary>
    public int DuplicatePercent { get; init; } = 100;

    /// <summary>Deliveries in flight at once per endpoint (Stripe sends concurrently; 1 keeps emission order).</summary>
    public int Concurrency { get; init; } = 1;

    /// <summary>Pending events go out in random order rather than in emission order.</summary>
    public bool Shuffle { get; init; }

    /// <summary>A wait before every delivery attempt.</summary>
    public int DelayMs { get; init; }

    /// <summary>Events of these types are never delivered (they are still listed by /v1/events).</summary>
    public IReadOnlyList<string> DropTypes { get; init; } = [];

    /// <summary>The next this-many events (that some endpoint wants) are not delivered at all.</summary>
    public int DropNext { get; init; }

    /// <summary>Nothing is sent until unpaused; events queue up.</summary>
    public bool Paused { get; init; }

    public int MaxAttempts { get; init; } = 6;

    /// <summary>The wait before the first retry; it doubles for each further one.</summary>
    public int RetryDelayMs { get; init; } = 250;

    /// <summary>An attempt with no answer by then counts as failed (status 0).</summary>
    public int TimeoutMs { get; init; } = 5000;

    /// <summary>Doubling from <see cref="RetryDelayMs"/>, at most an hour apart, on the wall clock.</summary>
    public TimeSpan RetryDelay(int attempt) =>
        TimeSpan.FromMilliseconds(Math.Min(RetryDelayMs * Math.Pow(2, attempt - 1), TimeSpan.FromHours(1).TotalMilliseconds));
}

/// <summary>Body of <c>POST /_emulator/webhook_delivery</c>: each field optional; given ones replace the current value.</summary>
internal sealed record WebhookSettingsRequest(
    int? Duplicates, bool? Shuffle, int? DelayMs, string[]? DropTypes, int? DropNext, bool? Paused, int? MaxAttempts,
    int? RetryDelayMs, int? TimeoutMs, int? DuplicatePercent = null, int? Concurrency = null);

/// <summary>One delivery attempt, as <c>GET /_emulator/webhook_deliveries</c> lists it. Status 0: timeout or connection error.</summary>
internal sealed record WebhookDeliveryRecord(
    string EventId, string Type, string EndpointId, int Attempt, int Copy, int Status, string? Error, DateTimeOffset DeliveredAt);

/// <summary>An event not delivered because of <c>dropTypes</c> or <c>dropNext</c>.</summary>
internal sealed record WebhookDropRecord(string EventId, string Type, string Reason);

/// <summary>One event on its way to one endpoint (one copy of it, when duplicates are asked for).</summary>
internal sealed class WebhookJob : DeliveryJob
{
    public required string Type { get; init; }

    public string EndpointId => Destination;
}

/// <summary>
/// Delivers events to webhook endpoints as Stripe does: an HTTP POST of the event JSON (exactly as
/// <c>GET /v1/events</c> lists it at that moment), signed in <c>Stripe-Signature</c>
/// (<c>t=&lt;unix seconds&gt;,v1=&lt;hex HMAC-SHA256(secret, "t.body")&gt;</c>). Any 2xx is success; anything
/// else, or no answer within the timeout, is retried with doubling waits on the wall clock, then given up.
/// <para>
/// Events are queued by <see cref="EventLog.Emitted"/> (under the state lock; nothing else happens
/// there) and sent by the shared loop (<see cref="WebhookDeliveryLoop{TJob, TSettings}"/>), which never holds the
/// state lock while talking HTTP. Each endpoint gets <see cref="WebhookSettings.Concurrency"/> deliveries at a time
/// (default one, in emission order, except that a retry waits for its turn while later events go ahead: Stripe
/// promises no order); endpoints are served concurrently.
/// </para>
/// </summary>
internal sealed partial class WebhookDeliverer(EmulatorState state, IConfiguration configuration, ILogger<WebhookDeliverer> logger)
    : WebhookDeliveryLoop<WebhookJob, WebhookSettings>(ConfiguredDefaults(configuration), clock: null, logger)
{
    public const string UserAgent = "Stripe/1.0 (+https://stripe.com/docs/webhooks)";

    // Added to and cleared under Sync, so a reset drops attempts still in flight.
    private readonly SnapshotList<WebhookDeliveryRecord> deliveries = new();
    private readonly SnapshotList<WebhookDropRecord> dropped = new();

    // Guarded by Sync: the endpoints each event has reached (pending_webhooks counts down once per endpoint).
    private readonly HashSet<(string EventId, string EndpointId)> delivered = [];

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        state.Events.Emitted += OnEmitted;
        lock (state.Sync)
        {
            RegisterConfiguredEndpoint();
        }

        return base.StartAsync(cancellationToken);
    }

    public override Task StopAsync(CancellationToken cancellationToken)
    {
        state.Events.Emitted -= OnEmitted;
        return base.StopAsync(cancellationToken);
    }

    /// <summary>Merges a settings change; null for a valid request, else the reason it is refused.</summary>
    public string? Update(WebhookSettingsRequest request)
    {
        if (request.Duplicates is < 1)
        {
            return "duplicates must be at least 1";
        }

        if (request.DelayMs is < 0 || request.DropNext is < 0 || request.RetryDelayMs is < 0)
        {
            return "delayMs, dropNext and retryDelayMs cannot be negative";
        }

        if (request.MaxAttempts is < 1 || request.TimeoutMs is < 1 || request.Concurrency is < 1)
        {
            return "maxAttempts, timeoutMs and concurrency must be at least 1";
        }

        if (request.DuplicatePercent is < 0 or > 100)
        {
            return "duplicatePercent is 0 to 100";
        }

        ChangeSettings(settings => settings with
        {
            Duplicates = request.Duplicates ?? settings.Duplicates,
            DuplicatePercent = request.DuplicatePercent ?? settings.DuplicatePercent,
            Concurrency = request.Concurrency ?? settings.Concurrency,
            Shuffle = request.Shuffle ?? settings.Shuffle,
            DelayMs = request.DelayMs ?? settings.DelayMs,
            DropTypes = request.DropTypes is { } types ? [.. types] : settings.DropTypes,
            DropNext = request.DropNext ?? settings.DropNext,
            Paused = request.Paused ?? settings.Paused,
            MaxAttempts = request.MaxAttempts ?? settings.MaxAttempts,
            RetryDelayMs = request.RetryDelayMs ?? settings.RetryDelayMs,
            TimeoutMs = request.TimeoutMs ?? settings.TimeoutMs,
        });
        return null;
    }

    public List<WebhookDeliveryRecord> Deliveries() => deliveries.Snapshot();

    public (int Pending, List<WebhookDropRecord> Dropped) Status()
    {
        lock (Sync)
        {
            return (Pending(), dropped.Snapshot());
        }
    }

    /// <summary>
    /// Forgets queued deliveries, the delivery log and the settings (back to the configured defaults),
    /// and registers the configured endpoint again (state.Reset removed it). Attempts in flight finish
    /// unrecorded.
    /// </summary>
    public override void Reset()
    {
        base.Reset();
        lock (state.Sync)
        {
            RegisterConfiguredEndpoint();
        }
    }

    /// <summary>Stripe's signature: hex HMAC-SHA256, keyed with the whole secret, over "<c>t</c>.<c>body</c>".</summary>
    public static string Sign(string secret, long timestamp, byte[] body)
    {
        var prefix = Encoding.UTF8.GetBytes(timestamp.ToString(CultureInfo.InvariantCulture) + ".");
        var payload = new byte[prefix.Length + body.Length];
        prefix.CopyTo(payload, 0);
        body.CopyTo(payload, prefix.Length);
        return Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), payload));
    }

    protected override void OnReset()
    {
        deliveries.Clear();
        dropped.Clear();
        delivered.Clear();
    }

    protected override void OnGaveUp(WebhookJob job) => LogGaveUp(Logger, job.EventId, job.Type, job.EndpointId, job.Attempt);

    private static WebhookSettings ConfiguredDefaults(IConfiguration configuration) => new()
    {
        MaxAttempts = Math.Max(1, configuration.GetValue("Webhook:MaxAttempts", 6)),
        RetryDelayMs = Math.Max(0, configuration.GetValue("Webhook:RetryDelayMs", 250)),
        TimeoutMs = Math.Max(1, configuration.GetValue("Webhook:TimeoutMs", 5000)),
    };

    /// <summary><c>--Webhook:Url=</c> (env <c>Webhook__Url</c>) and friends register one endpoint at start. Caller holds the state lock.</summary>
    private void RegisterConfiguredEndpoint()
    {
        var url = configuration["Webhook:Url"];
        if (string.IsNullOrEmpty(url))
        {
            return;
        }

        var events = configuration["Webhook:EnabledEvents"] is { Length: > 0 } list
            ? list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : configuration.GetSection("Webhook:EnabledEvents").GetChildren().Select(c => c.Value ?? "").Where(v => v.Length > 0).ToArray();
        var endpoint = WebhookEndpoints.Register(
            state,
            WebhookEndpoints.CheckUrl(url, "Webhook:Url"),
            WebhookEndpoints.CheckEvents(events.Length == 0 ? ["*"] : events, "Webhook:EnabledEvents"),
            configuration["Webhook:Secret"] is { Length: > 0 } secret ? secret : null,
            configuration["Webhook:ApiVersion"] is { Length: > 0 } version ? WebhookEndpoints.CheckApiVersion(version, "Webhook:ApiVersion") : StripeEmulatorApp.ApiVersion,
            "Configured at startup");
        var id = (string)endpoint["id"]!;
        LogConfiguredEndpoint(Logger, id, url, state.WebhookSecrets[id]);
    }

    /// <summary>Runs under the state lock for each new event: counts the endpoints that want it and queues their deliveries.</summary>
    private void OnEmitted(JsonObject evt)
    {
        var type = (string)evt["type"]!;
        var eventId = (string)evt["id"]!;
        var endpoints = state.WebhookEndpoints.Values
            .Where(e => WebhookEndpoints.Wants(e, type))
            .Select(e => (string)e["id"]!)
            .ToList();
        evt["pending_webhooks"] = endpoints.Count;
        if (endpoints.Count == 0)
        {
            return;
        }

        lock (Sync)
        {
            var settings = Current;
            if (settings.DropTypes.Contains(type))
            {
                dropped.Add(new WebhookDropRecord(eventId, type, "dropTypes"));
                return;
            }

            if (settings.DropNext > 0)
            {
                Current = settings with { DropNext = settings.DropNext - 1 };
                dropped.Add(new WebhookDropRecord(eventId, type, "dropNext"));
                return;
            }

            var copies = Random.Shared.Next(100) < settings.DuplicatePercent ? settings.Duplicates : 1;
            foreach (var endpointId in endpoints)
            {
                for (var copy = 1; copy <= copies; copy++)
                {
                    Enqueue(new WebhookJob { EventId = eventId, Type = type, Destination = endpointId, Copy = copy });
                }
            }
        }

        Wake();
    }

    protected override async Task<bool?> AttemptAsync(WebhookJob job, WebhookSettings settings, CancellationToken cancellationToken)
    {
        if (settings.DelayMs > 0)
        {
            await Task.Delay(settings.DelayMs, cancellationToken);
        }

        string? body = null;
        string? url = null;
        string? secret = null;
        lock (state.Sync)
        {
            if (state.Events.Find(job.EventId) is { } evt
                && state.WebhookEndpoints.TryGetValue(job.EndpointId, out var endpoint)
                && (string?)endpoint["status"] == "enabled")
            {
                body = Json.Render(state, evt, []);
                url = (string)endpoint["url"]!;
                secret = state.WebhookSecrets[job.EndpointId];
            }
        }

        if (body is null)
        {
            // The event or the endpoint is gone (reset, deleted, disabled): nothing to deliver.
            return null;
        }

        var bytes = Encoding.UTF8.GetBytes(body);
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        using var message = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(bytes) };
        message.Content.Headers.ContentType = MediaTypeHeaderValue.Parse("application/json; charset=utf-8");
        message.Headers.TryAddWithoutValidation("User-Agent", UserAgent);
        message.Headers.TryAddWithoutValidation("Accept", "*/*; q=0.5, application/xml");
        message.Headers.CacheControl = new CacheControlHeaderValue { NoCache = true };
        message.Headers.TryAddWithoutValidation("Stripe-Signature", $"t={timestamp},v1={Sign(secret!, timestamp, bytes)}");
        var (status, error) = await PostAsync(message, settings.TimeoutMs, cancellationToken);

        var now = DateTimeOffset.UtcNow;
        var succeeded = status is >= 200 and < 300;
        var first = false;
        if (!RecordIfCurrent(job, () =>
        {
            deliveries.Add(new WebhookDeliveryRecord(job.EventId, job.Type, job.EndpointId, job.Attempt, job.Copy, status, error, now));
            first = succeeded && delivered.Add((job.EventId, job.EndpointId));
        }))
        {
            return succeeded;
        }

        if (first)
        {
            lock (state.Sync)
            {
                if (state.Events.Find(job.EventId) is { } evt)
                {
                    evt["pending_webhooks"] = Math.Max(0, (int)evt["pending_webhooks"]! - 1);
                }
            }
        }

        if (!succeeded)
        {
            LogFailedAttempt(Logger, job.EventId, job.Type, url!, job.Attempt, status, error);
        }

        return succeeded;
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Webhook endpoint {Id}: {Url} (signing secret {Secret})")]
    private static partial void LogConfiguredEndpoint(ILogger logger, string id, string url, string secret);

    [LoggerMessage(EventId = 2, Level = LogLevel.Debug, Message = "Webhook {EventId} ({Type}) to {Url}: attempt {Attempt} failed with {Status} {Error}")]
    private static partial void LogFailedAttempt(ILogger logger, string eventId, string type, string url, int attempt, int status, string? error);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "Webhook {EventId} ({Type}) to {EndpointId}: giving up after {Attempts} attempts")]
    private static partial void LogGaveUp(ILogger logger, string eventId, string type, string endpointId, int attempts);
}
