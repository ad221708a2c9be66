namespace Payments.Core;

/// <summary>
/// User ids become Table Storage partition keys, so they must avoid the characters keys forbid
/// (/ \ # ? and control characters) and stay short.
/// </summary>
public static class UserIds
{
    public const int MaxLength = 128;

    public static bool IsValid(string? userId) => !string.IsNullOrWhiteSpace(userId) && TableKeys.IsSafe(userId, MaxLength);
}
