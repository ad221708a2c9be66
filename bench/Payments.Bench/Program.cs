using System.Diagnostics;
using System.Globalization;
using Payments.Bench;
using Payments.StandIns.Testing;

// Signed Stripe events into Payments.Host's webhook on loopback, beside a bare Kestrel endpoint that only
// checks the signature. A benchmark, not a test: it reports, it does not judge. See bench/README.md.

const string WebhookSecret = "whsec_bench_secret_for_the_host";

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};
var ct = cancel.Token;

// `faults ...`: the fault campaign (bench/faults.sh), a program of its own sharing this project's launchers.
if (args is ["faults", .. var faultArgs])
{
    var faultOptions = CommandLine.Parse(() => Payments.Bench.Faults.FaultOptions.Parse(faultArgs, RepoPaths.Root),
        Payments.Bench.Faults.FaultOptions.Usage, out var faultExit);
    return faultOptions is null ? faultExit : await Payments.Bench.Faults.FaultCampaign.RunAsync(faultOptions, ct);
}

var options = CommandLine.Parse(() => BenchOptions.Parse(args, RepoPaths.Root), BenchOptions.Usage, out var exit);
if (options is null)
    return exit;

var total = Stopwatch.StartNew();
var machine = MachineFacts.Collect(RepoPaths.Root);
Log($"{machine.Cores} cores, load average {machine.LoadAverage}" +
    (double.TryParse(machine.LoadAverage.Split(' ')[0], CultureInfo.InvariantCulture, out var load) && load > machine.Cores
        ? ": other work is running, expect disturbed numbers (see 'Other processes' in the CPU table)"
        : ""));
var hostSettings = HostUnderTest.FixedSettings(WebhookSecret, options.HostSettings);
using var http = new HttpClient(new SocketsHttpHandler
{
    MaxConnectionsPerServer = options.Concurrency.Max(),
    PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
    UseProxy = false,
})
{
    Timeout = TimeSpan.FromSeconds(30),
};

await using var emulator = await Emulator.StartAsync(options.StripeLimits);
var paymentIntent = await emulator.CreatePaymentIntentAsync();
var driver = new LoadDriver(http, WebhookSecret, paymentIntent);
await using var baseline = options.Baseline ? await BaselineServer.StartAsync(WebhookSecret) : null;

var runs = new List<RunResult>();
foreach (var concurrency in options.Concurrency)
{
    if (baseline is not null)
    {
        Log($"baseline, {concurrency} in flight: {options.Events} events");
        runs.Add(Print(await Runs.BaselineAsync(driver, baseline, options.Events, options.Warmup, concurrency, ct)));
    }
    if (options.Host)
    {
        // A fresh Azurite, broker and Host for every run: in-memory Azurite slows down as data piles up.
        await using var storage = await BenchStorage.StartAsync(options.Azurite);
        await using var broker = await BenchBroker.StartAsync();
        using var counter = new InProcessCounter(storage.ConnectionString);
        await using var host = await HostUnderTest.StartAsync(storage.ConnectionString, broker.ConnectionString, emulator.BaseUrl, hostSettings);
        Log($"host, {concurrency} in flight: {options.Events} events");
        runs.Add(Print(await Runs.HostAsync(driver, host, broker, counter, options.Events, options.Warmup, concurrency, options.DrainTimeout, ct)));
    }
}

var report = Report.Render(options, machine, hostSettings, runs, AzurePrices.InstanceMemoryMb(RepoPaths.Root), total.Elapsed);
Console.WriteLine();
Console.WriteLine(report);
Directory.CreateDirectory(Path.GetDirectoryName(options.Output)!);
await File.WriteAllTextAsync(options.Output, report, ct);
Log($"wrote {Path.GetRelativePath(RepoPaths.Root, options.Output)}");
return 0;

static RunResult Print(RunResult r)
{
    var line = string.Create(CultureInfo.InvariantCulture,
        $"  {r.Load.EventsPerSecond:0} events/s, intake p50 {r.IntakeMs.P50:0.0} ms p99 {r.IntakeMs.P99:0.0} ms, non-200 {r.Load.Non200}");
    if (r.Host is { } h)
        line += string.Create(CultureInfo.InvariantCulture,
            $"; handled {h.Handled}/{r.Load.Requests.Count}, p50 {h.HandledMs.P50:0} ms p99 {h.HandledMs.P99:0} ms, drain {h.DrainAfterLastAnswer.TotalSeconds:0.0} s");
    if (r.Counts is { } c)
    {
        double events = r.Load.Requests.Count;
        line += string.Create(CultureInfo.InvariantCulture,
            $"; per event: {(c.StorageRequests(StorageKinds.Table) + c.StorageRequests(StorageKinds.Blob)) / events:0.00} storage, " +
            $"{c.ServiceBusBilled(batchAsOne: false) / events:0.00} Service Bus, {c.StripeCalls(reads: true) / events:0.00} Stripe reads");
    }
    Log(line);
    return r;
}

static void Log(string message) => Console.WriteLine($"[bench {DateTime.Now:HH:mm:ss}] {message}");
