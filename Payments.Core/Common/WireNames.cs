namespace Payments.Core;

/// <summary>Parses the snake_case names our enums have on the wire and in storage.</summary>
public static class WireNames
{
    public static bool TryParse<TEnum>(string? wire, Func<TEnum, string> toWire, out TEnum value) where TEnum : struct, Enum
    {
        foreach (var candidate in Enum.GetValues<TEnum>())
        {
            if (toWire(candidate) == wire)
            {
                value = candidate;
                return true;
            }
        }
        value = default;
        return false;
    }
}
