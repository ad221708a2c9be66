using System.Globalization;

namespace Payments.Bench.Faults;

/// <summary>
/// The fault campaign's command line: <c>faults --checkouts 1000 --purchases 1000 --fault-percent 5
/// --duplicate-percent 30 --kills 3 --smtp-down 60</c>.
/// </summary>
internal sealed record FaultOptions(
    int Checkouts,
    int Purchases,
    int Invoices,
    int Concurrency,
    int FaultPercent,
    int DuplicatePercent,
    int Kills,
    int CommitKills,
    TimeSpan SmtpDown,
    TimeSpan QuietTimeout,
    int Seed,
    string Output,
    TimeSpan InvoiceDeadline)
{
    public const string Usage = """
        Payments.Bench faults: the fault campaign (issues 10 and 14). Azurite, the Service Bus broker, the Stripe emulator
        and Payments.Host as processes of their own; store checkouts, purchases and group invoices driven through the Host while
        storage and Stripe calls fail, webhooks arrive duplicated, shuffled and late, the SMTP sink goes down and
        the Host is killed with SIGKILL; then it waits for quiet and counts every effect.

          --checkouts N          store checkouts (default 1000)
          --purchases N          purchases with a saved card (default 1000)
          --invoices N           group invoices of 2-8 members: every mode, covers, 3-D Secure, declines,
                                 cancels racing the funding, deadlines, refunds (default 300)
          --deadline S           the group invoices' deadline in seconds (default 180; the Host's sweep runs every 5 s)
          --concurrency N        shoppers in flight (default 8)
          --fault-percent P      share of storage calls and of the Host's Stripe calls that fail (default 5)
          --duplicate-percent P  share of events the emulator delivers twice (default 30)
          --kills N              SIGKILLs of the Host while the shoppers run (default 3)
          --commit-kills N       SIGKILLs of the Host between an intake commit and its answers: the storage proxy kills it when
                                 a transaction adding inbox rows is done, alternately before and just after its answer (default 2)
          --smtp-down S          seconds the SMTP sink is down, from 30 % of the way (default 60)
          --quiet-timeout S      longest wait for quiet after the shoppers are done (default 900)
          --seed N               seed for the faults and the mix (default 1)
          --out PATH             the Markdown report (default bench/results/faults-latest.md)
        """;

    public static FaultOptions? Parse(string[] args, string repoRoot)
    {
        var checkouts = 1000;
        var purchases = 1000;
        var invoices = 300;
        var deadline = 180;
        var concurrency = 8;
        var faultPercent = 5;
        var duplicatePercent = 30;
        var kills = 3;
        var commitKills = 2;
        var smtpDown = 60;
        var quietTimeout = 900;
        var seed = 1;
        var output = Path.Combine(repoRoot, "bench", "results", "faults-latest.md");

        if (CommandLine.Pairs(args) is not { } pairs)
            return null;
        foreach (var (name, value) in pairs)
        {
            switch (name)
            {
                case "--checkouts": checkouts = Whole(name, value, 0); break;
                case "--purchases": purchases = Whole(name, value, 0); break;
                case "--invoices": invoices = Whole(name, value, 0); break;
                case "--deadline": deadline = Whole(name, value, 30); break;
                case "--concurrency": concurrency = Whole(name, value, 1); break;
                case "--fault-percent": faultPercent = Percent(name, value); break;
                case "--duplicate-percent": duplicatePercent = Percent(name, value); break;
                case "--kills": kills = Whole(name, value, 0); break;
                case "--commit-kills": commitKills = Whole(name, value, 0); break;
                case "--smtp-down": smtpDown = Whole(name, value, 0); break;
                case "--quiet-timeout": quietTimeout = Whole(name, value, 1); break;
                case "--seed": seed = Whole(name, value, 0); break;
                case "--out": output = Path.GetFullPath(value); break;
                default: throw new ArgumentException($"Unknown option {name}.");
            }
        }
        if (checkouts + purchases + invoices == 0)
            throw new ArgumentException("Nothing to do: give --checkouts, --purchases or --invoices.");
        return new FaultOptions(checkouts, purchases, invoices, concurrency, faultPercent, duplicatePercent, kills, commitKills,
            TimeSpan.FromSeconds(smtpDown), TimeSpan.FromSeconds(quietTimeout), seed, output, TimeSpan.FromSeconds(deadline));
    }

    private static int Whole(string name, string value, int min) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= min
            ? n
            : throw new ArgumentException($"{name} takes a whole number of at least {min}, not '{value}'.");

    private static int Percent(string name, string value) =>
        Whole(name, value, 0) is var n && n <= 100 ? n : throw new ArgumentException($"{name} is 0 to 100.");
}
