using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;

namespace Payments.Bench;

/// <summary>
/// Counts, in this process, what one measured Host run asked of Azure: every HTTP request to the storage
/// endpoints (each try: Azure bills a retried request again), every call the Host made to Stripe (the Host's own
/// <c>payments.stripe.calls</c>), and the executions Azure Functions would bill: one per webhook request and one
/// per Service Bus message handled (the dispatcher's <c>process</c> span), with their durations. Requests the
/// benchmark makes itself (polling the inbox, reading it back) are left out: see <see cref="OwnTraffic"/>.
/// </summary>
internal sealed class InProcessCounter : IDisposable
{
    private readonly Dictionary<int, string> _storagePorts;
    private readonly ActivityListener _activities;
    private readonly MeterListener _meters = new();
    private volatile RunTally? _tally;

    /// <param name="storageConnectionString">Its <c>TableEndpoint</c> and <c>BlobEndpoint</c> say which ports are which service.</param>
    public InProcessCounter(string storageConnectionString)
    {
        _storagePorts = StoragePorts(storageConnectionString);
        _activities = new ActivityListener
        {
            ShouldListenTo = source => source.Name is "System.Net.Http" or Payments.Core.Telemetry.PaymentsTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
            ActivityStopped = OnActivityStopped,
        };
        ActivitySource.AddActivityListener(_activities);

        _meters.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument is { Meter.Name: Payments.Core.Telemetry.PaymentsTelemetry.Name, Name: "payments.stripe.calls" }
                or { Meter.Name: "Microsoft.AspNetCore.Hosting", Name: "http.server.request.duration" })
                listener.EnableMeasurementEvents(instrument);
        };
        _meters.SetMeasurementEventCallback<long>((instrument, value, tags, _) => OnStripeCall(value, tags));
        _meters.SetMeasurementEventCallback<double>((instrument, value, tags, _) => OnServerRequest(value, tags));
        _meters.Start();
    }

    /// <summary>Starts counting a run; what happened before is not counted.</summary>
    public void Start() => _tally = new RunTally();

    /// <summary>Stops counting and returns what was counted since <see cref="Start"/>.</summary>
    public RunTally Stop()
    {
        var tally = _tally ?? throw new InvalidOperationException("Not counting.");
        _tally = null;
        return tally;
    }

    private void OnActivityStopped(Activity activity)
    {
        if (_tally is not { } tally || OwnTraffic.IsOwn)
            return;
        if (activity.Source.Name == Payments.Core.Telemetry.PaymentsTelemetry.Name)
        {
            // The dispatcher's span of one delivered message: one Service Bus trigger execution.
            if (activity.OperationName.StartsWith("process ", StringComparison.Ordinal))
                tally.AddExecution(Execution.Trigger, activity.StartTimeUtc, activity.Duration);
            return;
        }
        if (activity.GetTagItem("server.port") is not int port || !_storagePorts.TryGetValue(port, out var service))
            return;
        var method = activity.GetTagItem("http.request.method") as string;
        if (method == "_OTHER")
            method = activity.GetTagItem("http.request.method_original") as string;
        var path = Uri.TryCreate(activity.GetTagItem("url.full") as string, UriKind.Absolute, out var url) ? url.AbsolutePath : "";
        var status = activity.GetTagItem("http.response.status_code") is int code ? code : 0;
        tally.AddStorage(new StorageRequest(service, StorageKinds.Of(service, method ?? "", path), status));
    }

    private void OnStripeCall(long value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (_tally is not { } tally || OwnTraffic.IsOwn)
            return;
        string? operation = null, outcome = null;
        foreach (var tag in tags)
        {
            if (tag.Key == "operation") operation = tag.Value as string;
            else if (tag.Key == "outcome") outcome = tag.Value as string;
        }
        tally.AddStripe(new StripeCall(operation ?? "unknown", outcome ?? "unknown"), value);
    }

    private void OnServerRequest(double seconds, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (_tally is not { } tally)
            return;
        foreach (var tag in tags)
        {
            // The Host's webhook only; the baseline's route is /webhook.
            if (tag.Key == "http.route" && tag.Value is string route && route.EndsWith("/stripe/webhook", StringComparison.Ordinal))
            {
                var duration = TimeSpan.FromSeconds(seconds);
                tally.AddExecution(Execution.Webhook, DateTime.UtcNow - duration, duration);
                return;
            }
        }
    }

    private static Dictionary<int, string> StoragePorts(string connectionString)
    {
        var ports = new Dictionary<int, string>();
        foreach (var part in connectionString.Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            var kv = part.Split('=', 2);
            if (kv.Length == 2 && kv[0] is "TableEndpoint" or "BlobEndpoint" && Uri.TryCreate(kv[1], UriKind.Absolute, out var endpoint))
                ports[endpoint.Port] = kv[0] == "TableEndpoint" ? StorageKinds.Table : StorageKinds.Blob;
        }
        return ports;
    }

    public void Dispose()
    {
        _activities.Dispose();
        _meters.Dispose();
    }
}

/// <summary>
/// Marks the benchmark's own storage calls (waiting for the drain, reading the inbox back) so that they are
/// not counted as the Host's. An async-local flag: it flows into the calls awaited inside <see cref="RunAsync{T}"/>
/// and nowhere else.
/// </summary>
internal static class OwnTraffic
{
    private static readonly AsyncLocal<bool> Flag = new();

    public static bool IsOwn => Flag.Value;

    public static async Task<T> RunAsync<T>(Func<Task<T>> call)
    {
        Flag.Value = true;
        return await call();
    }
}

internal enum Execution { Webhook, Trigger }

internal readonly record struct StorageRequest(string Service, string Kind, int Status);

internal readonly record struct StripeCall(string Operation, string Outcome)
{
    /// <summary>A GET reads; anything else (POST, DELETE) writes.</summary>
    public bool IsRead => Operation.StartsWith("GET ", StringComparison.Ordinal);
}

/// <summary>What one run asked for, filled by <see cref="InProcessCounter"/> from several threads.</summary>
internal sealed class RunTally
{
    private readonly Lock _gate = new();
    private readonly Dictionary<StorageRequest, long> _storage = [];
    private readonly Dictionary<StripeCall, long> _stripe = [];
    private readonly List<(DateTime Start, TimeSpan Duration)> _webhook = [];
    private readonly List<(DateTime Start, TimeSpan Duration)> _triggers = [];

    public void AddStorage(StorageRequest request)
    {
        lock (_gate) _storage[request] = _storage.GetValueOrDefault(request) + 1;
    }

    public void AddStripe(StripeCall call, long count)
    {
        lock (_gate) _stripe[call] = _stripe.GetValueOrDefault(call) + count;
    }

    public void AddExecution(Execution kind, DateTime start, TimeSpan duration)
    {
        lock (_gate) (kind == Execution.Webhook ? _webhook : _triggers).Add((start, duration));
    }

    public IReadOnlyDictionary<StorageRequest, long> Storage { get { lock (_gate) return new Dictionary<StorageRequest, long>(_storage); } }

    public IReadOnlyDictionary<StripeCall, long> Stripe { get { lock (_gate) return new Dictionary<StripeCall, long>(_stripe); } }

    public Executions Webhook { get { lock (_gate) return Executions.Of(_webhook); } }

    public Executions Triggers { get { lock (_gate) return Executions.Of(_triggers); } }

    /// <summary>
    /// The time at least one execution (webhook or trigger) was running: what one Flex Consumption instance
    /// running all of them would be billed for (it bills an instance's memory while it executes anything).
    /// </summary>
    public TimeSpan BusyTime
    {
        get
        {
            lock (_gate)
                return Union([.. _webhook, .. _triggers]);
        }
    }

    private static TimeSpan Union(List<(DateTime Start, TimeSpan Duration)> intervals)
    {
        var busy = TimeSpan.Zero;
        DateTime? start = null, end = null;
        foreach (var (s, d) in intervals.OrderBy(i => i.Start))
        {
            if (end is { } e && s <= e)
            {
                if (s + d > e) end = s + d;
                continue;
            }
            if (start is { } s0 && end is { } e0) busy += e0 - s0;
            (start, end) = (s, s + d);
        }
        if (start is { } s1 && end is { } e1) busy += e1 - s1;
        return busy;
    }
}

/// <summary>How many executions and how long they ran in all.</summary>
internal sealed record Executions(long Count, TimeSpan Total)
{
    public static Executions Of(List<(DateTime Start, TimeSpan Duration)> runs) =>
        new(runs.Count, TimeSpan.FromTicks(runs.Sum(r => r.Duration.Ticks)));

    public double MeanMs => Count == 0 ? double.NaN : Total.TotalMilliseconds / Count;
}

/// <summary>What a storage request is, from its method and path, as Azure bills and names it.</summary>
internal static class StorageKinds
{
    public const string Table = "table";
    public const string Blob = "blob";

    /// <param name="path">Azurite's: <c>/devstoreaccount1/webhookinbox(PartitionKey='a',RowKey='b')</c>, <c>/devstoreaccount1/$batch</c>.</param>
    public static string Of(string service, string method, string path)
    {
        // Azurite puts the account name first; Azure has it in the host name.
        var resource = path.TrimStart('/');
        var slash = resource.IndexOf('/', StringComparison.Ordinal);
        resource = slash < 0 ? "" : Uri.UnescapeDataString(resource[(slash + 1)..]);
        return service == Blob ? BlobKind(method, resource) : TableKind(method, resource);
    }

    private static string TableKind(string method, string resource)
    {
        if (resource.StartsWith("$batch", StringComparison.Ordinal))
            return "batch (entity group transaction)";
        if (resource.StartsWith("Tables", StringComparison.Ordinal))
            return "table create/delete/list";
        var keyed = resource.Contains("PartitionKey=", StringComparison.Ordinal);
        return (method.ToUpperInvariant(), keyed) switch
        {
            ("GET", true) => "point read",
            ("GET", false) => "query",
            ("POST", _) => "insert",
            ("PUT", _) => "update or upsert (replace)",
            ("PATCH" or "MERGE", _) => "update or upsert (merge)",
            ("DELETE", _) => "delete",
            var (other, _) => other.ToLower(CultureInfo.InvariantCulture),
        };
    }

    private static string BlobKind(string method, string resource) => method.ToUpperInvariant() switch
    {
        "GET" or "HEAD" => resource.Contains('/', StringComparison.Ordinal) ? BlobRead : ContainerRead,
        _ => resource.Contains('/', StringComparison.Ordinal) ? "blob write" : "container write",
    };

    private const string BlobRead = "blob read";
    private const string ContainerRead = "container read/list";

    /// <summary>Blob reads are priced apart from writes (and from "other" operations, priced like reads).</summary>
    public static bool IsBlobRead(string kind) => kind is BlobRead or ContainerRead;
}
