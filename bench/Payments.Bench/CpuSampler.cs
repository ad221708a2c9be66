using System.Globalization;

namespace Payments.Bench;

/// <summary>
/// CPU time used so far by this process and by its child processes (Azurite's, the broker), grouped by
/// what they are, read from /proc. Differences of two snapshots say where the CPU went.
/// </summary>
internal sealed record CpuSnapshot(IReadOnlyDictionary<string, double> Seconds)
{
    public const string DotNet = ".NET (client, Host, emulator)";
    public const string Others = "other processes";

    // Linux reports utime/stime in clock ticks; USER_HZ is 100 on every mainstream kernel build.
    private const double TicksPerSecond = 100;

    public static CpuSnapshot Take()
    {
        using var self = System.Diagnostics.Process.GetCurrentProcess();
        var seconds = new Dictionary<string, double> { [DotNet] = self.TotalProcessorTime.TotalSeconds };
        if (!OperatingSystem.IsLinux())
            return new CpuSnapshot(seconds);

        var stats = new List<(int Pid, int Parent, double Seconds)>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
                continue;
            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                // "pid (comm) state ppid ... utime stime ...": fields after the command, which may contain spaces.
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                var parent = int.Parse(fields[1], CultureInfo.InvariantCulture);
                var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
                stats.Add((pid, parent, ticks / TicksPerSecond));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
            {
                // The process ended while we looked.
            }
        }

        var descendants = new HashSet<int> { Environment.ProcessId };
        for (var grew = true; grew;)
        {
            grew = false;
            foreach (var (pid, parent, _) in stats)
                grew |= descendants.Contains(parent) && descendants.Add(pid);
        }
        foreach (var (pid, _, cpu) in stats)
        {
            if (pid == Environment.ProcessId || !descendants.Contains(pid))
                continue;
            var label = Label(pid);
            seconds[label] = seconds.GetValueOrDefault(label) + cpu;
        }
        // Everything the machine did, so that what other processes took in the meantime shows.
        var total = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        int[] busy = [1, 2, 3, 6, 7, 8]; // user nice system irq softirq steal
        seconds[Others] = busy.Sum(i => long.Parse(total[i], CultureInfo.InvariantCulture)) / TicksPerSecond - seconds.Values.Sum();
        return new CpuSnapshot(seconds);
    }

    public IReadOnlyDictionary<string, double> Since(CpuSnapshot earlier) =>
        Seconds.ToDictionary(kv => kv.Key, kv => kv.Value - earlier.Seconds.GetValueOrDefault(kv.Key));

    private static string Label(int pid)
    {
        string command;
        try
        {
            command = File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
        }
        catch (IOException)
        {
            return "other";
        }
        foreach (var service in new[] { "azurite-table", "azurite-queue", "azurite-blob" })
        {
            if (command.Contains(service, StringComparison.Ordinal))
                return service;
        }
        if (command.Contains("Payments.ServiceBusBroker", StringComparison.Ordinal))
            return "broker";
        return command.Contains("azurite", StringComparison.Ordinal) ? "azurite" : "other";
    }
}
