namespace Payments.FunctionsHostStandIn;

/// <summary>App settings as the host reads them: environment variables, so <c>A__B</c> and <c>A:B</c> are one setting, names case-insensitive.</summary>
internal static class AppSettings
{
    public static bool TryGet(IReadOnlyDictionary<string, string> settings, string name, out string? value)
    {
        var wanted = name.Replace("__", ":", StringComparison.Ordinal);
        foreach (var (key, v) in settings)
        {
            if (string.Equals(key.Replace("__", ":", StringComparison.Ordinal), wanted, StringComparison.OrdinalIgnoreCase))
            {
                value = v;
                return true;
            }
        }
        value = null;
        return false;
    }

    /// <summary>A binding value as the host resolves it: <c>%Name%</c> is the app setting's value (a missing one stops the host), anything else is literal.</summary>
    public static string Resolve(IReadOnlyDictionary<string, string> settings, string declared, string what)
    {
        if (declared.Length <= 2 || !declared.StartsWith('%') || !declared.EndsWith('%'))
            return declared;
        var setting = declared[1..^1];
        if (!TryGet(settings, setting, out var value) || string.IsNullOrWhiteSpace(value))
            throw new FunctionsHostStandInException($"{what} names app setting '{setting}', which is not set.");
        return value;
    }
}
