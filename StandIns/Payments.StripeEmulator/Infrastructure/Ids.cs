using System.Security.Cryptography;

namespace Payments.StripeEmulator;

internal static class Ids
{
    private const string Alphanumerics = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    public static string Random(int length) => RandomNumberGenerator.GetString(Alphanumerics, length);

    public static string New(string prefix, int length = 24) => prefix + Random(length);

    public static long Now() => DateTimeOffset.UtcNow.ToUnixTimeSeconds();
}
