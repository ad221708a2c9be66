using System.Buffers;
using System.Security.Cryptography;

namespace Payments.Core;

/// <summary>Our own ids: a prefix that says what it is, then 20 random base-32 characters.</summary>
public static class Ids
{
    private const string Alphabet = "0123456789abcdefghjkmnpqrstvwxyz";
    private static readonly SearchValues<char> AlphabetChars = SearchValues.Create(Alphabet);

    public static string New(string prefix)
    {
        Span<byte> bytes = stackalloc byte[20];
        RandomNumberGenerator.Fill(bytes);
        Span<char> chars = stackalloc char[20];
        for (var i = 0; i < chars.Length; i++)
            chars[i] = Alphabet[bytes[i] & 31];
        return $"{prefix}_{chars}";
    }

    public static bool HasShape(string? id, string prefix) =>
        id is not null
        && id.Length == prefix.Length + 21
        && id.StartsWith(prefix + "_", StringComparison.Ordinal)
        && id.AsSpan(prefix.Length + 1).IndexOfAnyExcept(AlphabetChars) < 0;
}
