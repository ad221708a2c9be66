using System.Text.RegularExpressions;

namespace Payments.Core;

/// <summary>Email addresses as we accept them; normalized ones become table keys, so key-forbidden characters are refused.</summary>
public static partial class Emails
{
    public static bool IsValid(string? email) => TableKeys.IsSafe(email, 254) && Shape().IsMatch(email!);

    public static string Normalize(string email) => email.Trim().ToLowerInvariant();

    [GeneratedRegex(@"^[^@\s/\\#?]+@[^@\s/\\#?]+\.[^@\s/\\#?.]+$")]
    private static partial Regex Shape();
}
