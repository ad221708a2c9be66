namespace Payments.Core.Storage;

public sealed class StorageOptions
{
    public const string Section = "Storage";

    /// <summary>A connection string (Azurite: UseDevelopmentStorage=true). When empty, the endpoints and managed identity are used.</summary>
    public string? ConnectionString { get; set; }
    public string? TableEndpoint { get; set; }
    public string? BlobEndpoint { get; set; }
    /// <summary>
    /// The longest <see cref="NamePrefix"/> (infra/main.bicep's storageNamePrefix has the same limit): with
    /// the longest table name it stays within the 63 characters a table or container name may have.
    /// </summary>
    public const int MaxNamePrefixLength = 20;

    /// <summary>Prefix for every table and blob container name, so several environments or test runs can share one account.</summary>
    public string NamePrefix { get; set; } = "";
    /// <summary>
    /// Create every table and blob container at start-up when missing. Unset: on in Development and
    /// Testing (Azurite starts empty), off elsewhere, where infra/main.bicep has made them and 25
    /// create-if-missing calls would only slow every cold start (and stop it when one fails).
    /// </summary>
    public bool? CreateIfMissing { get; set; }

    /// <summary>
    /// Empty, or lower-case letters and digits starting with a letter: table names must start with a
    /// letter and hold only letters and digits, container names must be lower case.
    /// </summary>
    public static bool IsValidNamePrefix(string? prefix) =>
        string.IsNullOrEmpty(prefix)
        || (prefix.Length <= MaxNamePrefixLength && char.IsAsciiLetterLower(prefix[0]) && prefix.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c)));
}
