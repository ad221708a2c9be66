using System.Globalization;

namespace Payments.Bench;

/// <summary>The command line: <c>--events 3000 --warmup 200 --concurrency 4,16,64 --azurite split --targets baseline,host</c>.</summary>
internal sealed record BenchOptions(
    int Events,
    int Warmup,
    IReadOnlyList<int> Concurrency,
    AzuriteLayout Azurite,
    bool Baseline,
    bool Host,
    TimeSpan DrainTimeout,
    IReadOnlyList<string> HostSettings,
    string Output,
    string? Note,
    string StripeLimits)
{
    public const string Usage = """
        Payments.Bench: signed Stripe events into the Host's webhook on loopback, beside a bare Kestrel baseline.

          --events N            events per measured run (default 3000)
          --warmup N            events sent (and, for the Host, handled) before each measured run (default 200;
                                the baseline warms up with at least --events, as its runs are short)
          --concurrency A,B     requests in flight, one measured run per value (default 4,16,64)
          --azurite split|single
                                split: separate azurite-table and azurite-blob processes (default);
                                single: one azurite process for all three (the tests' AzuriteServer)
          --targets LIST        baseline,host (default both)
          --drain-timeout S     longest wait for the Host to handle every event (default 120)
          --set Key=Value       extra Host setting, repeatable (e.g. --set Queues:MaxConcurrentCalls=32)
          --out PATH            the Markdown report (default bench/results/latest.md; relative to the repository root)
          --note TEXT           a line put at the top of the report (e.g. "validation run on a shared machine")
          --stripe-limits MODE  the Stripe emulator's rate limits: live (default: what a deployed account sees,
                                100 requests/s, 25/s per endpoint), sandbox (25/s) or off
        """;

    public static BenchOptions? Parse(string[] args, string repoRoot)
    {
        var events = 3000;
        var warmup = 200;
        IReadOnlyList<int> concurrency = [4, 16, 64];
        var azurite = AzuriteLayout.Split;
        string[] targets = ["baseline", "host"];
        var drain = TimeSpan.FromSeconds(120);
        var settings = new List<string>();
        var output = Path.Combine(repoRoot, "bench", "results", "latest.md");
        string? note = null;
        var stripeLimits = "live";

        if (CommandLine.Pairs(args) is not { } pairs)
            return null;
        foreach (var (name, value) in pairs)
        {
            switch (name)
            {
                case "--events": events = Positive(name, value); break;
                case "--warmup": warmup = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--concurrency": concurrency = [.. value.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(v => Positive(name, v))]; break;
                case "--azurite":
                    azurite = value switch
                    {
                        "split" => AzuriteLayout.Split,
                        "single" => AzuriteLayout.Single,
                        _ => throw new ArgumentException("--azurite is split or single."),
                    };
                    break;
                case "--targets": targets = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries); break;
                case "--drain-timeout": drain = TimeSpan.FromSeconds(Positive(name, value)); break;
                case "--set":
                    if (!value.Contains('=', StringComparison.Ordinal))
                        throw new ArgumentException("--set takes Key=Value.");
                    settings.Add(value);
                    break;
                // dotnet run starts the benchmark in its project folder, so a relative path means the repository's.
                case "--out": output = Path.GetFullPath(value, repoRoot); break;
                case "--note": note = value; break;
                case "--stripe-limits":
                    stripeLimits = value is "live" or "sandbox" or "off" ? value : throw new ArgumentException("--stripe-limits is live, sandbox or off.");
                    break;
                default: throw new ArgumentException($"Unknown option {name}.");
            }
        }
        if (targets.Except(["baseline", "host"]).FirstOrDefault() is { } unknown)
            throw new ArgumentException($"Unknown target {unknown}: baseline or host.");
        return new BenchOptions(events, warmup, concurrency, azurite, targets.Contains("baseline"), targets.Contains("host"), drain, settings, output, note, stripeLimits);
    }

    private static int Positive(string name, string value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0
            ? n
            : throw new ArgumentException($"{name} takes a positive whole number, not '{value}'.");
}

internal enum AzuriteLayout { Split, Single }
