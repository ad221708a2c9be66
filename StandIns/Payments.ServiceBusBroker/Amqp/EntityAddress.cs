namespace Payments.ServiceBusBroker.Amqp;

/// <summary>
/// Link addresses as the client sends them: <c>/payments</c>, <c>amqp://host:5672/payments</c>,
/// <c>payments/$management</c>, <c>payments/$DeadLetterQueue</c>. Normalised to the entity path.
/// </summary>
internal static class EntityAddress
{
    public const string Cbs = "$cbs";
    public const string ManagementSuffix = "/$management";

    private static readonly string[] Schemes = ["amqp", "amqps", "sb", "http", "https"];

    public static string Normalize(string? address)
    {
        if (string.IsNullOrEmpty(address))
            return string.Empty;
        if (Uri.TryCreate(address, UriKind.Absolute, out var uri) && Schemes.Contains(uri.Scheme, StringComparer.OrdinalIgnoreCase))
            address = Uri.UnescapeDataString(uri.AbsolutePath);
        return address.Trim('/');
    }

    /// <summary>Splits <c>entity/$management</c> into the entity; false for any other address.</summary>
    public static bool IsManagement(string path, out string entity)
    {
        if (path.EndsWith(ManagementSuffix, StringComparison.OrdinalIgnoreCase))
        {
            entity = path[..^ManagementSuffix.Length];
            return true;
        }
        entity = path;
        return false;
    }
}
