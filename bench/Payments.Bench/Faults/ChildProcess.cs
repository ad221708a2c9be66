using System.Diagnostics;
using Payments.StandIns.Testing;

namespace Payments.Bench.Faults;

/// <summary>
/// One of the campaign's .NET programs (the Stripe emulator, Payments.Host) run as a process of its own
/// from its build output (<c>dotnet &lt;dll&gt; args</c>), its output appended to a log file. Ready when
/// <c>readyPath</c> answers 200. <see cref="Kill"/> is SIGKILL: no shutdown, no flush, no goodbye.
/// </summary>
internal sealed class ChildProcess(string name, string dll, IReadOnlyList<string> args, Uri readyUrl, string logFile) : IAsyncDisposable
{
    private static readonly HttpClient Probe = new(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(2) };
    private Process? _process;

    public string Name => name;

    public string LogFile => logFile;

    /// <summary>The build output of a project under the repository, in the configuration this program was built in.</summary>
    public static string Dll(string projectDirectory, string assembly)
    {
#if DEBUG
        const string configuration = "Debug";
#else
        const string configuration = "Release";
#endif
        var dll = Path.Combine(RepoPaths.Root, projectDirectory, "bin", configuration, "net10.0", assembly + ".dll");
        return File.Exists(dll) ? dll : throw new InvalidOperationException($"{assembly} is not built at {dll} (bench/faults.sh builds it).");
    }

    public async Task StartAsync(CancellationToken ct)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        start.ArgumentList.Add(dll);
        foreach (var arg in args)
            start.ArgumentList.Add(arg);
        var process = Process.Start(start) ?? throw new InvalidOperationException($"{name} did not start.");
        var log = new StreamWriter(logFile, append: true) { AutoFlush = true };
        await log.WriteLineAsync($"--- {name} started {DateTimeOffset.UtcNow:O}, pid {process.Id}");
        var closed = false;
        void Write(string? line)
        {
            lock (log)
            {
                if (closed) return;
                if (line is null)
                {
                    // End of one of the two streams: the process is gone (or going); the other stream may still drain.
                    log.Flush();
                    return;
                }
                log.WriteLine(line);
            }
        }
        process.OutputDataReceived += (_, e) => Write(e.Data);
        process.ErrorDataReceived += (_, e) => Write(e.Data);
        process.Exited += (_, _) =>
        {
            // Give the output readers a moment to drain, then close the file.
            _ = Task.Delay(1000).ContinueWith(_ => { lock (log) { closed = true; log.Dispose(); } }, TaskScheduler.Default);
        };
        process.EnableRaisingEvents = true;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;

        var deadline = DateTimeOffset.UtcNow.AddSeconds(90);
        while (DateTimeOffset.UtcNow < deadline)
        {
            if (process.HasExited)
                throw new InvalidOperationException($"{name} exited with {process.ExitCode} while starting; see {logFile}.");
            try
            {
                using var answer = await Probe.GetAsync(readyUrl, ct);
                if (answer.IsSuccessStatusCode)
                    return;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
            {
            }
            await Task.Delay(200, ct);
        }
        Kill();
        throw new InvalidOperationException($"{name} did not answer {readyUrl} within 90 s; see {logFile}.");
    }

    /// <summary>SIGKILL (Process.Kill on Unix), then reap it.</summary>
    public void Kill()
    {
        if (_process is not { } process)
            return;
        _process = null;
        try
        {
            process.Kill();
            process.WaitForExit();
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
        process.Dispose();
    }

    public ValueTask DisposeAsync()
    {
        Kill();
        return ValueTask.CompletedTask;
    }
}
