using System.Diagnostics;

namespace Payments.FunctionsHostStandIn;

/// <summary>
/// The built function app started the way the host starts a dotnet-isolated worker: <c>dotnet
/// App.dll --functions-uri ... --functions-worker-id ... --functions-request-id ...
/// --functions-grpc-max-message-length ...</c>, in its build output, with the app settings as
/// environment variables (<c>__</c> for <c>:</c>).
/// </summary>
internal sealed class WorkerProcess : IAsyncDisposable
{
    /// <summary>Variables of the test process that would steer the worker's own Kestrel or environment.</summary>
    private static readonly string[] NotInherited = ["ASPNETCORE_URLS", "ASPNETCORE_HTTP_PORTS", "ASPNETCORE_HTTPS_PORTS", "DOTNET_URLS", "ASPNETCORE_ENVIRONMENT", "DOTNET_ENVIRONMENT"];

    private readonly Process _process;

    private WorkerProcess(Process process) => _process = process;

    public Task Exited => _process.WaitForExitAsync();

    public int? ExitCode => _process.HasExited ? _process.ExitCode : null;

    public static WorkerProcess Start(
        string appDirectory, string assemblyFile, Uri hostUri, string workerId, IReadOnlyDictionary<string, string> appSettings, OutputTail output)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = appDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[]
        {
            Path.Combine(appDirectory, assemblyFile),
            "--functions-uri", hostUri.ToString(),
            "--functions-worker-id", workerId,
            "--functions-request-id", Guid.NewGuid().ToString(),
            "--functions-grpc-max-message-length", int.MaxValue.ToString(System.Globalization.CultureInfo.InvariantCulture),
        })
            start.ArgumentList.Add(arg);

        foreach (var name in NotInherited)
            start.Environment.Remove(name);
        // What the host sets for every worker it starts.
        start.Environment["FUNCTIONS_WORKER_RUNTIME"] = "dotnet-isolated";
        start.Environment["FUNCTIONS_APPLICATION_DIRECTORY"] = appDirectory;
        start.Environment["FUNCTIONS_WORKER_DIRECTORY"] = appDirectory;
        foreach (var (key, value) in appSettings)
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;

        var process = Process.Start(start) ?? throw new FunctionsHostStandInException("dotnet did not start the worker.");
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) output.Add(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) output.Add("[stderr] " + e.Data); };
        process.EnableRaisingEvents = true;
        process.Exited += (_, _) => output.Add($"[stand-in] the worker exited with code {process.ExitCode}");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new WorkerProcess(process);
    }

    /// <summary>Waits for a graceful exit (after WorkerTerminate), then kills what is left.</summary>
    public async ValueTask StopAsync(TimeSpan grace)
    {
        try
        {
            await _process.WaitForExitAsync().WaitAsync(grace);
        }
        catch (TimeoutException)
        {
        }
        await DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }
        catch (InvalidOperationException)
        {
        }
        _process.Dispose();
    }
}
