using System.Globalization;
using System.Security.Cryptography;

namespace Payments.PaypalEmulator;

/// <summary>Identifiers shaped like PayPal's.</summary>
internal static class Ids
{
    private const string Upper = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

    /// <summary>PayPal's account-id alphabet (<c>^[2-9A-HJ-NP-Z]{13}$</c>).</summary>
    private const string AccountAlphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ";

    private const string TokenAlphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_";

    /// <summary>Orders, authorizations, captures and refunds: 17 upper-case alphanumerics, e.g. <c>5O190127TN364715T</c>.</summary>
    public static string Resource() => RandomNumberGenerator.GetString(Upper, 17);

    /// <summary>A payer's account id, e.g. <c>QYR5Z8XDVJNXQ</c>.</summary>
    public static string Payer() => RandomNumberGenerator.GetString(AccountAlphabet, 13);

    public static string DebugId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(7))[..13];

    public static string AccessToken() => "A21AA" + RandomNumberGenerator.GetString(TokenAlphabet, 92);

    public static string Nonce(DateTimeOffset now) => Time(now) + RandomNumberGenerator.GetString(TokenAlphabet, 43);

    /// <summary>A webhook event id, e.g. <c>WH-2WR32451HC0233532-67976317FL4543714</c>.</summary>
    public static string WebhookEvent() => "WH-" + Resource() + "-" + Resource();

    public static string CertId() =>
        "CERT-" + string.Join('-', Enumerable.Range(0, 3).Select(_ => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))));

    /// <summary>PayPal's timestamps: UTC, whole seconds, <c>Z</c>.</summary>
    public static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
