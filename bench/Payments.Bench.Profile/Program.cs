using Microsoft.Diagnostics.Tracing.Etlx;

// Reads a dotnet-trace file of the benchmark process (profile dotnet-sampled-thread-time) and prints where its
// managed threads were running: the sample profiler marks each sample managed (running managed code) or external
// (waiting in native code: sockets, semaphores, sleep), and only the managed ones are counted, so waits do not
// drown the work. Usage: profile <trace.nettrace> [top N] [--callers <method substring> [depth]]
if (args.Length == 0)
{
    Console.Error.WriteLine("usage: Payments.Bench.Profile <trace.nettrace> [top N] [--callers <method substring> [depth]]");
    return 2;
}
using var log = new TraceLog(TraceLog.CreateFromEventPipeDataFile(args[0]));
var stacks = ManagedStacks(log).ToList();
Console.WriteLine($"{stacks.Count} managed samples");
if (args.Length > 2 && args[1] == "--callers")
{
    var depth = args.Length > 3 ? int.Parse(args[3]) : 8;
    Print("Callers of " + args[2], stacks.Select(s => Chain(s, args[2], depth)).OfType<string>(), stacks.Count, 15);
    return 0;
}
var top = args.Length > 1 ? int.Parse(args[1]) : 40;
Print("Exclusive (the frame running)", stacks.Select(s => s[0]), stacks.Count, top);
Print("Inclusive (on the stack)", stacks.SelectMany(s => s.Distinct()), stacks.Count, top);
return 0;

static IEnumerable<List<string>> ManagedStacks(TraceLog log)
{
    foreach (var ev in log.Events)
    {
        if (ev.ProviderName != "Microsoft-DotNETCore-SampleProfiler" || Convert.ToInt32(ev.PayloadByName("Type") ?? 0) != 2)
            continue;
        var frames = new List<string>();
        for (var s = ev.CallStack(); s is not null; s = s.Caller)
            frames.Add(s.CodeAddress.Method?.FullMethodName ?? "?" + s.CodeAddress.ModuleName);
        if (frames.Count > 0)
            yield return frames;
    }
}

static string? Chain(List<string> frames, string method, int depth)
{
    var at = frames.FindIndex(f => f.Contains(method, StringComparison.Ordinal));
    return at < 0 ? null : string.Join(" <- ", frames.Skip(at)
        .Where(f => !f.StartsWith("System.Runtime.CompilerServices", StringComparison.Ordinal) && !f.StartsWith("System.Threading", StringComparison.Ordinal))
        .Take(depth).Select(Short));
}

static void Print(string title, IEnumerable<string> names, int total, int top)
{
    Console.WriteLine($"== {title}");
    foreach (var (name, count) in names.CountBy(n => n).OrderByDescending(kv => kv.Value).Take(top))
        Console.WriteLine($"{100.0 * count / total,6:F2}% {Short(name)}");
}

static string Short(string name) => name.Length > 160 ? name[..160] : name;
