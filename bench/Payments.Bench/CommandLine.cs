namespace Payments.Bench;

/// <summary>The command-line conventions of the benchmark and the fault campaign.</summary>
internal static class CommandLine
{
    /// <summary>
    /// "--name value" pairs, in order ("--name=value" reads the same, split at the first '='); null when
    /// help was asked for.
    /// </summary>
    /// <exception cref="ArgumentException">A name without a value.</exception>
    public static List<(string Name, string Value)>? Pairs(string[] args)
    {
        var queue = new Queue<string>(args.SelectMany(a => a.StartsWith("--", StringComparison.Ordinal) && a.Contains('=', StringComparison.Ordinal)
            ? a.Split('=', 2)
            : [a]));
        var pairs = new List<(string, string)>();
        while (queue.Count > 0)
        {
            var name = queue.Dequeue();
            if (name is "-h" or "--help")
                return null;
            if (queue.Count == 0)
                throw new ArgumentException($"{name} needs a value.");
            pairs.Add((name, queue.Dequeue()));
        }
        return pairs;
    }

    /// <summary>Parses, printing the usage for help (exit code 0) or with the error for a bad argument (2); null then.</summary>
    public static T? Parse<T>(Func<T?> parse, string usage, out int exitCode) where T : class
    {
        exitCode = 0;
        try
        {
            if (parse() is { } options)
                return options;
            Console.WriteLine(usage);
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine(e.Message);
            Console.Error.WriteLine(usage);
            exitCode = 2;
        }
        return null;
    }
}
