using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Payments.StandIns.Testing;
using Payments.Tests.Infrastructure;

namespace Payments.Bench;

/// <summary>A fresh in-memory Azurite for one measured run: Table and Blob endpoints in one connection string (queues are Service Bus).</summary>
internal abstract class BenchStorage : IAsyncDisposable
{
    public abstract string ConnectionString { get; }

    public static async Task<BenchStorage> StartAsync(AzuriteLayout layout) => layout switch
    {
        AzuriteLayout.Single => new SingleAzurite(await AzuriteServer.StartAsync()),
        _ => await SplitAzurite.StartAsync(),
    };

    public abstract ValueTask DisposeAsync();

    public static string Describe(AzuriteLayout layout) => layout switch
    {
        AzuriteLayout.Single => "one `azurite` process serving Table and Blob (and an unused Queue; the tests' AzuriteServer)",
        _ => "two processes: `azurite-table`, `azurite-blob` (`--silent`)",
    };

    private sealed class SingleAzurite(AzuriteServer server) : BenchStorage
    {
        public override string ConnectionString => server.ConnectionString;
        public override ValueTask DisposeAsync() => server.DisposeAsync();
    }
}

/// <summary>
/// One Node process per storage service: each Azurite process is a single Node thread, so Table and
/// Blob in separate processes do not wait on each other. In-memory, on free loopback ports, access log off.
/// </summary>
internal sealed partial class SplitAzurite : BenchStorage
{
    // Azurite's well-known development account key (public, the same for every Azurite).
    private const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
    private readonly Process[] _processes;

    private SplitAzurite(Process[] processes, int blobPort, int tablePort)
    {
        _processes = processes;
        ConnectionString =
            "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;" +
            $"AccountKey={AccountKey};" +
            $"BlobEndpoint=http://127.0.0.1:{blobPort}/devstoreaccount1;" +
            $"TableEndpoint=http://127.0.0.1:{tablePort}/devstoreaccount1;";
    }

    public override string ConnectionString { get; }

    public static async Task<SplitAzurite> StartAsync()
    {
        var started = new List<Process>();
        try
        {
            string[] services = ["blob", "table"];
            var ports = await Task.WhenAll(services.Select(service => StartOneAsync(service, started)));
            return new SplitAzurite([.. started], ports[0], ports[1]);
        }
        catch
        {
            foreach (var p in started)
                Stop(p);
            throw;
        }
    }

    private static async Task<int> StartOneAsync(string service, List<Process> started)
    {
        var bin = Path.Combine(RepoPaths.Root, "node_modules", ".bin", "azurite-" + service);
        if (!File.Exists(bin))
            throw new InvalidOperationException($"Azurite is not installed at {bin}. Run `npm ci` in the repository root.");

        var start = new ProcessStartInfo(bin)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(),
        };
        foreach (var arg in new[]
        {
            "--inMemoryPersistence", "--disableTelemetry", "--skipApiVersionCheck", "--loose", "--silent",
            $"--{service}Host", "127.0.0.1", $"--{service}Port", FreePort().ToString(CultureInfo.InvariantCulture),
        })
            start.ArgumentList.Add(arg);

        var process = Process.Start(start) ?? throw new InvalidOperationException($"azurite-{service} did not start.");
        lock (started)
            started.Add(process);
        var ready = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (output) output.AppendLine(e.Data);
            var match = ListeningLine().Match(e.Data);
            if (match.Success)
                ready.TrySetResult(int.Parse(match.Groups["port"].Value, CultureInfo.InvariantCulture));
        };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var finished = await Task.WhenAny(ready.Task, process.WaitForExitAsync(), Task.Delay(TimeSpan.FromSeconds(60)));
        if (finished != ready.Task)
        {
            string text;
            lock (output) text = output.ToString();
            throw new InvalidOperationException($"azurite-{service} did not come up. Its output:\n{text}");
        }
        return await ready.Task;
    }

    /// <summary>
    /// A port free a moment ago. (azurite-table given port 0 does not say which port it took, so each
    /// process is given one; another process taking it in between would make the start fail loudly.)
    /// </summary>
    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public override async ValueTask DisposeAsync()
    {
        foreach (var p in _processes)
            Stop(p);
        foreach (var p in _processes)
        {
            await p.WaitForExitAsync();
            p.Dispose();
        }
    }

    private static void Stop(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    // "Azurite Queue service successfully listens on http://127.0.0.1:PORT", "Azurite Table service successfully started on 127.0.0.1:PORT".
    [GeneratedRegex(@"successfully (?:listens on|listening at|started on) (?:http://)?127\.0\.0\.1:(?<port>\d+)")]
    private static partial Regex ListeningLine();
}
