using System.Diagnostics;
using System.Globalization;
using Azure.Data.Tables;
using Azure.Messaging.ServiceBus;
using Payments.Core.Http;
using Payments.Core.Messaging;
using Payments.Core.Storage;
using Payments.StandIns.Testing;

namespace Payments.Bench.Faults;

/// <summary>A fault the campaign caused, when, and for how long.</summary>
internal sealed record Incident(string What, DateTimeOffset At, TimeSpan Lasted);

/// <summary>
/// The fault campaign (issue 10 part 3; bench/README.md, "Fault campaign"). Not a test: it prints and writes
/// figures. Every part runs as a process of its own except the campaign's own pieces (the fault proxies, the
/// SMTP sink and the shoppers).
/// </summary>
internal static class FaultCampaign
{
    private const string WebhookSecret = "whsec_fault_campaign_secret";
    private const string SigningKey = "fault-campaign-signing-key-0123456789-abcdefghij";

    /// <summary>The retry delays of the Host's queue handlers during the campaign (the defaults are minutes apart).</summary>
    private static readonly string[] RetryDelays = ["00:00:05", "00:00:15", "00:00:30", "00:01:00", "00:02:00"];

    public static async Task<int> RunAsync(FaultOptions options, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var started = DateTimeOffset.UtcNow;
        var machine = MachineFacts.Collect(RepoPaths.Root);
        Log($"{options.Checkouts} checkouts, {options.Purchases} purchases, {options.Invoices} group invoices, {options.Concurrency} in flight; {machine.Cores} cores, load average {machine.LoadAverage}");
        var logs = Directory.CreateTempSubdirectory("payments-faults-").FullName;
        Log($"process logs in {logs}");

        await using var storage = await BenchStorage.StartAsync(AzuriteLayout.Split);
        await using var broker = await BenchBroker.StartAsync();
        var endpoints = Endpoints(storage.ConnectionString);
        var storageRefusal = new FaultProxy.Refusal(503, "application/json;odata=minimalmetadata",
            """{"odata.error":{"code":"ServerBusy","message":{"lang":"en-US","value":"The server is busy (fault injected by the campaign)."}}}""",
            new Dictionary<string, string> { ["x-ms-error-code"] = "ServerBusy" });
        await using var tableProxy = await FaultProxy.StartAsync(Root(endpoints["TableEndpoint"]), options.FaultPercent, storageRefusal, options.Seed);
        await using var blobProxy = await FaultProxy.StartAsync(Root(endpoints["BlobEndpoint"]), options.FaultPercent, storageRefusal, options.Seed + 1);

        var hostPort = FreePort();
        var emulatorPort = FreePort();
        var emulatorUrl = new Uri($"http://127.0.0.1:{emulatorPort}/");
        await using var emulator = new ChildProcess("stripe-emulator", ChildProcess.Dll("StandIns/Payments.StripeEmulator", "Payments.StripeEmulator"),
            [
                "--urls", $"http://127.0.0.1:{emulatorPort}",
                $"--Webhook:Url=http://127.0.0.1:{hostPort}/api/stripe/webhook", $"--Webhook:Secret={WebhookSecret}",
                "--Logging:LogLevel:Default=Warning",
                // A live account's limits: a handler meeting them waits, and the campaign still counts every event.
                "--RateLimits:Mode=live",
            ],
            new Uri(emulatorUrl, "_emulator/webhook_delivery"), Path.Combine(logs, "stripe-emulator.log"));
        await emulator.StartAsync(ct);
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false, MaxConnectionsPerServer = 256 }) { Timeout = TimeSpan.FromSeconds(60) };
        var stripe = new EmulatorReader(http, emulatorUrl);
        // Stripe retries a failed delivery for days; 12 attempts from 0.5 s doubling span about half an hour.
        var delivery = new
        {
            duplicates = 2, duplicatePercent = options.DuplicatePercent, shuffle = true, delayMs = 50, concurrency = 8,
            maxAttempts = 12, retryDelayMs = 500, timeoutMs = 10_000,
        };
        await stripe.ConfigureDeliveryAsync(delivery, ct);
        var stripeRefusal = new FaultProxy.Refusal(500, "application/json",
            """{"error":{"type":"api_error","message":"An error occurred with our connection to Stripe (fault injected by the campaign)."}}""",
            new Dictionary<string, string> { ["Request-Id"] = "req_campaign_fault" });
        await using var stripeProxy = await FaultProxy.StartAsync(emulatorUrl, options.FaultPercent, stripeRefusal, options.Seed + 2);
        await using var smtp = new SmtpOutage();

        var proxiedStorage = storage.ConnectionString
            .Replace(endpoints["TableEndpoint"], new Uri(tableProxy.Url, "devstoreaccount1").ToString(), StringComparison.Ordinal)
            .Replace(endpoints["BlobEndpoint"], new Uri(blobProxy.Url, "devstoreaccount1").ToString(), StringComparison.Ordinal);
        var auth = new AuthOptions { DevelopmentSigningKey = SigningKey };
        string[] hostArgs =
        [
            "--environment=Campaign",
            $"--urls=http://127.0.0.1:{hostPort}",
            $"--Storage:ConnectionString={proxiedStorage}",
            $"--ServiceBusConnection={broker.ConnectionString}",
            $"--Stripe:EmulatorUrl={stripeProxy.Url.ToString().TrimEnd('/')}",
            // The Campaign environment is neither Development nor Testing: ask for the offline shortcuts.
            "--Stripe:AllowEmulator=true",
            "--Storage:CreateIfMissing=true",
            $"--Auth:DevelopmentSigningKey={SigningKey}",
            $"--Auth:Issuer={auth.Issuer}",
            $"--Auth:Audience={auth.Audience}",
            $"--Webhooks:Secret={WebhookSecret}",
            "--Webhooks:RedeliverAfter=00:00:20",
            "--Webhooks:SweepInterval=00:00:05",
            "--Catalog:SeedDevelopmentProducts=true",
            "--Email:SmtpHost=127.0.0.1",
            $"--Email:SmtpPort={smtp.Port}",
            "--Purchases:AuthorizationSweep:Enabled=false",
            // Group invoices end at a deadline the run can wait for, and the sweep that ends (and finishes ending) them runs often.
            $"--Invoices:Deadline={options.InvoiceDeadline:c}",
            "--Invoices:SweepInterval=00:00:05",
            "--Logging:LogLevel:Default=Warning",
            .. RetryDelays.Select((d, i) => $"--Queues:RetryDelays:{i}={d}"),
        ];
        await using var host = new ChildProcess("payments-host", ChildProcess.Dll("Payments.Host", "Payments.Host"), hostArgs,
            new Uri($"http://127.0.0.1:{hostPort}/api/health/live"), Path.Combine(logs, "payments-host.log"));
        await StartHostAsync(host, ct);
        Log($"running: Azurite (table, blob) behind fault proxies, broker, Stripe emulator on {emulatorPort} behind a fault proxy, Host on {hostPort}, SMTP sink on {smtp.Port}");

        var shop = new Shop(http, new Uri($"http://127.0.0.1:{hostPort}/"), emulatorUrl, auth);
        var shoppers = new Shoppers(shop, options);
        var incidents = new List<Incident>();
        await shoppers.SaveCardsAsync(ct);
        Log("cards saved; shoppers start");

        var driveClock = Stopwatch.StartNew();
        var drive = shoppers.RunAsync(ct);
        var smtpOutage = SmtpOutageAsync(shoppers, smtp, options.SmtpDown, incidents, ct);
        var lifecycle = new SemaphoreSlim(1);
        var kills = KillsAsync(shoppers, host, options.Kills, incidents, drive, lifecycle, ct);
        var commitKills = CommitKillsAsync(shoppers, host, tableProxy, options.CommitKills, incidents, drive, lifecycle, ct);
        var progress = ProgressAsync(shoppers, drive, ct);
        await drive;
        var driveTime = driveClock.Elapsed;
        await Task.WhenAll(smtpOutage, kills, commitKills, progress);
        Log($"shoppers done in {driveTime.TotalSeconds:0} s; waiting for quiet");

        var quietClock = Stopwatch.StartNew();
        var quiet = await WaitForQuietAsync(stripe, new TableServiceClient(storage.ConnectionString), broker.ConnectionString, options.QuietTimeout, ct);
        var quietTime = quietClock.Elapsed;
        Log(quiet ? $"quiet after {quietTime.TotalSeconds:0} s; counting" : $"NOT quiet after {quietTime.TotalSeconds:0} s; counting anyway");
        tableProxy.Enabled = blobProxy.Enabled = stripeProxy.Enabled = false;

        var counter = new Counter(new TableServiceClient(storage.ConnectionString), stripe, broker.ConnectionString, smtp);
        var reconciliation = await ReconcileAsync(shop, ct);
        var tally = await counter.CountAsync(shoppers.Checkouts, shoppers.Purchases, shoppers.Invoices, reconciliation, ct);

        var run = new CampaignRun(options, machine, started, driveTime, quiet, quietTime, clock.Elapsed, incidents,
            tableProxy.Counts, blobProxy.Counts, stripeProxy.Counts, shop.Retries.ToDictionary(), delivery, RetryDelays, logs);
        var report = FaultReport.Render(run, tally);
        Console.WriteLine();
        Console.WriteLine(report);
        Directory.CreateDirectory(Path.GetDirectoryName(options.Output)!);
        await File.WriteAllTextAsync(options.Output, report, ct);
        Log($"wrote {Path.GetRelativePath(RepoPaths.Root, options.Output)}");
        return tally.AllOk && quiet ? 0 : 1;
    }

    /// <summary>The Host's start-up goes through the faulty storage too (tables, catalog seed): a start that fails is tried again, as a supervisor would.</summary>
    private static async Task StartHostAsync(ChildProcess host, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await host.StartAsync(ct);
                return;
            }
            catch (InvalidOperationException e) when (attempt < 5)
            {
                Log($"the Host did not start ({e.Message}); again");
                host.Kill();
            }
        }
    }

    /// <summary>SIGKILL the Host at evenly spaced points of the shoppers' progress, and start it again at once with the same settings.</summary>
    private static async Task KillsAsync(Shoppers shoppers, ChildProcess host, int kills, List<Incident> incidents, Task drive, SemaphoreSlim lifecycle, CancellationToken ct)
    {
        for (var k = 1; k <= kills; k++)
        {
            var at = shoppers.Total * k / (kills + 1);
            while (shoppers.Done < at && !drive.IsCompleted)
                await Task.Delay(50, ct);
            await lifecycle.WaitAsync(ct);
            try
            {
                var when = DateTimeOffset.UtcNow;
                host.Kill();
                await RestartAsync(host, "", when, shoppers, incidents, ct);
            }
            finally
            {
                lifecycle.Release();
            }
        }
    }

    /// <summary>
    /// SIGKILLs between an intake commit and its answers, half-way between the plain kills' points: the storage proxy in
    /// front of the tables kills the Host once a transaction adding inbox rows is done upstream, alternately before its
    /// answer reaches the Host (rows durable, nothing sent, Stripe unanswered) and just after (the Host dies sending or
    /// answering). Stripe's retry and the inbox sweep must then leave every event processed once.
    /// </summary>
    private static async Task CommitKillsAsync(Shoppers shoppers, ChildProcess host, FaultProxy tables, int kills, List<Incident> incidents, Task drive,
        SemaphoreSlim lifecycle, CancellationToken ct)
    {
        for (var k = 1; k <= kills; k++)
        {
            var at = shoppers.Total * (2 * k - 1) / (2 * (kills + 1));
            while (shoppers.Done < at && !drive.IsCompleted)
                await Task.Delay(50, ct);
            var answerFirst = k % 2 == 0;
            var how = answerFirst ? "just after its commit's answer reached it" : "after its commit, before the answer reached it";
            await lifecycle.WaitAsync(ct);
            try
            {
                var when = DateTimeOffset.UtcNow;
                var fired = tables.ArmCommitKill(host.Kill, answerFirst);
                if (await Task.WhenAny(fired, Task.Delay(TimeSpan.FromSeconds(60), ct)) != fired)
                {
                    tables.DisarmCommitKill();
                    Log("no intake commit within a minute; that commit kill is skipped");
                    continue;
                }
                await RestartAsync(host, how + ",", when, shoppers, incidents, ct);
            }
            finally
            {
                lifecycle.Release();
            }
        }
    }

    /// <summary>Starts the Host again after a SIGKILL and records the incident, <paramref name="how"/> saying where it was killed.</summary>
    private static async Task RestartAsync(ChildProcess host, string how, DateTimeOffset when, Shoppers shoppers, List<Incident> incidents, CancellationToken ct)
    {
        var killed = $"SIGKILLed {how}{(how.Length > 0 ? " " : "")}at {shoppers.Done}/{shoppers.Total}";
        Log($"the Host was {killed}");
        var down = Stopwatch.StartNew();
        await StartHostAsync(host, ct);
        lock (incidents)
            incidents.Add(new Incident($"Host {killed} and restarted", when, down.Elapsed));
        Log($"the Host is back after {down.Elapsed.TotalSeconds:0.0} s");
    }

    /// <summary>The SMTP sink goes down at 30 % of the way for the given time, then comes back on the same port.</summary>
    private static async Task SmtpOutageAsync(Shoppers shoppers, SmtpOutage smtp, TimeSpan down, List<Incident> incidents, CancellationToken ct)
    {
        if (down <= TimeSpan.Zero)
            return;
        while (shoppers.Done < shoppers.Total * 3 / 10)
            await Task.Delay(50, ct);
        var when = DateTimeOffset.UtcNow;
        await smtp.StopAsync();
        Log($"SMTP sink down for {down.TotalSeconds:0} s");
        await Task.Delay(down, ct);
        smtp.Resume();
        Log("SMTP sink back");
        lock (incidents)
            incidents.Add(new Incident("SMTP sink down", when, down));
    }

    private static async Task ProgressAsync(Shoppers shoppers, Task drive, CancellationToken ct)
    {
        while (!drive.IsCompleted)
        {
            await Task.WhenAny(drive, Task.Delay(TimeSpan.FromSeconds(15), ct));
            Log($"{shoppers.Done}/{shoppers.Total} done");
        }
    }

    /// <summary>
    /// The reconciler is the invoice oracle: once quiet, an admin runs it through the Host (it repairs what is safe to
    /// repair), runs it again, and reads what is still open. Both runs' summaries and the open findings are reported.
    /// </summary>
    private static async Task<Reconciliation> ReconcileAsync(Shop shop, CancellationToken ct)
    {
        var admin = shop.Token("staff", admin: true);
        var first = await shop.HostAsync(HttpMethod.Post, "api/reconciliation/runs", null, admin, null, ct);
        var second = await shop.HostAsync(HttpMethod.Post, "api/reconciliation/runs", null, admin, null, ct);
        var open = await shop.HostAsync(HttpMethod.Get, "api/reconciliation/findings?status=open", null, admin, null, ct);
        Log($"reconciler: first run {first}, second run {second}");
        return new Reconciliation(first, second, open);
    }

    /// <summary>
    /// Quiet: the emulator has no delivery left to make, no inbox row waits for its handler (no pending mark is
    /// left in the inbox: retries and the sweep's re-sends included), no queue holds a message and every group invoice is
    /// funded or ended (one left unpaid ends at its deadline); twice in a row, 5 s apart.
    /// </summary>
    private static async Task<bool> WaitForQuietAsync(EmulatorReader stripe, TableServiceClient tables, string serviceBus, TimeSpan timeout, CancellationToken ct)
    {
        await using var client = new ServiceBusClient(serviceBus);
        var receivers = QueueNames.All.Select(q => client.CreateReceiver(q)).ToList();
        var inbox = tables.GetTableClient(TableNames.WebhookInbox);
        var pendingMarks = TableClient.CreateQueryFilter($"RowKey ge {InboxKeys.PendingPrefix} and RowKey lt {InboxKeys.End(InboxKeys.PendingPrefix)}");
        var invoices = tables.GetTableClient(TableNames.GroupInvoices);
        var deadline = Stopwatch.StartNew();
        var quietInARow = 0;
        while (deadline.Elapsed < timeout)
        {
            var deliveries = await stripe.PendingDeliveriesAsync(ct);
            var pending = 0;
            await foreach (var _ in inbox.QueryAsync<TableEntity>(pendingMarks, maxPerPage: 100, select: ["RowKey"], cancellationToken: ct))
                pending++;
            var queued = 0;
            foreach (var receiver in receivers)
                queued += (await receiver.PeekMessagesAsync(100, 0, ct)).Count;
            var unsettled = 0;
            await foreach (var _ in invoices.QueryAsync<TableEntity>("RowKey eq 'invoice' and Status ne 'funded' and Status ne 'canceled' and Status ne 'expired'",
                maxPerPage: 100, select: ["Status"], cancellationToken: ct))
                unsettled++;
            quietInARow = deliveries + pending + queued + unsettled == 0 ? quietInARow + 1 : 0;
            if (quietInARow == 2)
                return true;
            Log($"  deliveries pending {deliveries}, inbox rows pending {pending}, queued messages {queued}, group invoices not yet funded or ended {unsettled}");
            await Task.Delay(TimeSpan.FromSeconds(5), ct);
        }
        return false;
    }

    private static Dictionary<string, string> Endpoints(string connectionString) =>
        connectionString.Split(';', StringSplitOptions.RemoveEmptyEntries)
            .Select(part => part.Split('=', 2))
            .ToDictionary(kv => kv[0], kv => kv[1], StringComparer.Ordinal);

    /// <summary>http://127.0.0.1:PORT/devstoreaccount1 → http://127.0.0.1:PORT/ (the proxy forwards paths as they come).</summary>
    private static Uri Root(string endpoint) => new(new Uri(endpoint).GetLeftPart(UriPartial.Authority) + "/");

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    public static void Log(string message) => Console.WriteLine($"[faults {DateTime.UtcNow:HH:mm:ss}] {message}");
}
