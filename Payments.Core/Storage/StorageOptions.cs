namespace Payments.Core.Storage;

public sealed class StorageOptions
{
    public const string Section = "Storage";

    /// <summary>A connection string (Azurite: UseDevelopmentStorage=true). When empty, the endpoints and managed identity are used.</summary>
    public string? ConnectionString { get; set; }
    public string? TableEndpoint { get; set; }
    public string? BlobEndpoint { get; set; }
    /// <summary>Prefix for every table and blob container name, so several environments or test runs can share one account.</summary>
    public string NamePrefix { get; set; } = "";
}
