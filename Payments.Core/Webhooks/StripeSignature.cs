using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Payments.Core.Webhooks;

/// <summary>
/// Stripe's webhook signature: <c>t=&lt;unix&gt;,v1=&lt;hex&gt;[,v1=…]</c>, each v1 an HMAC-SHA256 with the
/// endpoint secret over "t.body". Checked on the raw bytes before any parsing, in constant time,
/// against every configured secret (two during rotation), within a tolerance both ways.
/// </summary>
public static class StripeSignature
{
    public static bool IsValid(ReadOnlySpan<byte> body, string? header, IReadOnlyList<string> secrets, DateTimeOffset now, TimeSpan tolerance)
    {
        if (string.IsNullOrEmpty(header) || secrets.Count == 0)
            return false;

        long? timestamp = null;
        var signatures = new List<byte[]>();
        foreach (var part in header.Split(','))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
                continue;
            var key = part[..eq].Trim();
            var value = part[(eq + 1)..].Trim();
            if (key == "t" && long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var t))
                timestamp = t;
            else if (key == "v1" && value.Length == 64 && TryHex(value, out var bytes))
                signatures.Add(bytes);
        }
        if (timestamp is null || signatures.Count == 0)
            return false;
        if (Math.Abs(now.ToUnixTimeSeconds() - timestamp.Value) > tolerance.TotalSeconds)
            return false;

        var prefix = Encoding.UTF8.GetBytes(timestamp.Value.ToString(CultureInfo.InvariantCulture) + ".");
        var signed = new byte[prefix.Length + body.Length];
        prefix.CopyTo(signed, 0);
        body.CopyTo(signed.AsSpan(prefix.Length));

        var valid = false;
        foreach (var secret in secrets)
        {
            var expected = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), signed);
            foreach (var signature in signatures)
                valid |= CryptographicOperations.FixedTimeEquals(expected, signature);
        }
        return valid;
    }

    /// <summary>What Stripe sends, for tests, benchmarks and the emulator's clients.</summary>
    public static string Sign(ReadOnlySpan<byte> body, string secret, DateTimeOffset at)
    {
        var t = at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var signed = Encoding.UTF8.GetBytes(t + ".").Concat(body.ToArray()).ToArray();
        return $"t={t},v1={Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), signed))}";
    }

    private static bool TryHex(string value, out byte[] bytes)
    {
        try
        {
            bytes = Convert.FromHexString(value);
            return true;
        }
        catch (FormatException)
        {
            bytes = [];
            return false;
        }
    }
}
