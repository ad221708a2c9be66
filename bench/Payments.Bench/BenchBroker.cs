using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using Payments.ServiceBusBroker;
using Payments.StandIns.Testing;

namespace Payments.Bench;

/// <summary>
/// The local Service Bus broker as a process of its own (its built StandIns/Payments.ServiceBusBroker),
/// on a free loopback port, so the CPU table can show what the broker costs per event. In memory, with
/// the queues of its appsettings (those of infra/main.bicep). If it does not come up, the run fails.
/// Its operation counts (what Service Bus would bill) are read from its counts port.
/// </summary>
internal sealed class BenchBroker(Process process, int port, int countsPort) : IAsyncDisposable
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    public string ConnectionString { get; } = BrokerApp.ConnectionStringFor(port);

    /// <summary>The broker's operation counts so far (see its README, "Operation counts").</summary>
    public async Task<IReadOnlyList<OperationCount>> OperationsAsync(CancellationToken ct) =>
        await Http.GetFromJsonAsync<List<OperationCount>>(new Uri($"http://127.0.0.1:{countsPort}/operations"), ct)
        ?? throw new InvalidOperationException("The broker answered no operation counts.");

    public static async Task<BenchBroker> StartAsync()
    {
#if DEBUG
        const string configuration = "Debug";
#else
        const string configuration = "Release";
#endif
        var dll = Path.Combine(RepoPaths.Root, "StandIns", "Payments.ServiceBusBroker", "bin", configuration, "net10.0", "Payments.ServiceBusBroker.dll");
        if (!File.Exists(dll))
            throw new InvalidOperationException($"The broker is not built at {dll} (bench/run.sh builds it).");
        var port = FreePort();
        var countsPort = FreePort();
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        foreach (var arg in new[]
        {
            dll, "--port", port.ToString(CultureInfo.InvariantCulture), "--counts-port", countsPort.ToString(CultureInfo.InvariantCulture),
            "--Logging:LogLevel:Default=Warning",
        })
            start.ArgumentList.Add(arg);

        var process = Process.Start(start) ?? throw new InvalidOperationException("The broker did not start.");
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        if (!await ListeningAsync(process, port, TimeSpan.FromSeconds(60)))
        {
            try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            string text;
            lock (output) text = output.ToString();
            throw new InvalidOperationException($"The broker did not come up on port {port}. Its output:\n{text}");
        }
        return new BenchBroker(process, port, countsPort);
    }

    /// <summary>Polls the port until the broker accepts a connection, it exits, or the timeout passes.</summary>
    private static async Task<bool> ListeningAsync(Process process, int port, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout && !process.HasExited)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, port);
                return true;
            }
            catch (SocketException)
            {
                await Task.Delay(100);
            }
        }
        return false;
    }

    /// <summary>A port free a moment ago; another process taking it in between makes the start fail loudly.</summary>
    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
        catch (InvalidOperationException)
        {
        }
        process.Dispose();
    }
}
