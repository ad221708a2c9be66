using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace Payments.Bench;

/// <summary>What the numbers were measured on.</summary>
internal sealed record MachineFacts(
    DateTimeOffset Date, int Cores, string Cpu, string Memory, string Os, string Runtime, string Sdk, string GcMode,
    string Node, string Azurite, string Commit, string LoadAverage)
{
    public static MachineFacts Collect(string repoRoot)
    {
        var status = Run("git", repoRoot, "status", "--porcelain");
        var commit = Run("git", repoRoot, "rev-parse", "--short", "HEAD");
        return new MachineFacts(
            DateTimeOffset.UtcNow,
            Environment.ProcessorCount,
            ProcLine("/proc/cpuinfo", "model name") ?? RuntimeInformation.ProcessArchitecture.ToString(),
            TotalMemory(),
            RuntimeInformation.OSDescription,
            RuntimeInformation.FrameworkDescription,
            Run("dotnet", repoRoot, "--version"),
            System.Runtime.GCSettings.IsServerGC ? "server" : "workstation",
            Run("node", repoRoot, "--version"),
            AzuriteVersion(repoRoot),
            string.IsNullOrEmpty(status) ? commit : commit + " + uncommitted changes",
            File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown");
    }

    private static string TotalMemory()
    {
        var line = ProcLine("/proc/meminfo", "MemTotal");
        if (line is null)
            return "unknown";
        var kib = long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0], CultureInfo.InvariantCulture);
        return (kib / 1024.0 / 1024.0).ToString("0.0", CultureInfo.InvariantCulture) + " GiB";
    }

    private static string? ProcLine(string file, string key)
    {
        if (!File.Exists(file))
            return null;
        return File.ReadLines(file)
            .Where(l => l.StartsWith(key, StringComparison.Ordinal) && l.Contains(':', StringComparison.Ordinal))
            .Select(l => l[(l.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim())
            .FirstOrDefault();
    }

    private static string AzuriteVersion(string repoRoot)
    {
        var package = Path.Combine(repoRoot, "node_modules", "azurite", "package.json");
        if (!File.Exists(package))
            return "not installed";
        using var json = JsonDocument.Parse(File.ReadAllText(package));
        return json.RootElement.GetProperty("version").GetString() ?? "unknown";
    }

    private static string Run(string command, string directory, params string[] args)
    {
        try
        {
            var start = new ProcessStartInfo(command)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
                WorkingDirectory = directory,
            };
            foreach (var arg in args)
                start.ArgumentList.Add(arg);
            using var process = Process.Start(start);
            if (process is null)
                return "unknown";
            var output = process.StandardOutput.ReadToEnd();
            process.WaitForExit(10_000);
            return output.Trim();
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "unknown";
        }
    }
}
