namespace Payments.Core;

/// <summary>
/// Table Storage refuses keys with / \ # ? or control characters (Azurite is kinder and accepts them),
/// so input that becomes a key is checked first: a bad id reads as "not found", never as a storage failure.
/// In the kernel because ids themselves (user ids, emails) are only valid when they can be keys.
/// </summary>
public static class TableKeys
{
    public static bool IsSafe(string? key, int maxLength) =>
        !string.IsNullOrEmpty(key)
        && key.Length <= maxLength
        && key.All(c => !char.IsControl(c) && c is not ('/' or '\\' or '#' or '?'));
}
