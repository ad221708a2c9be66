namespace Payments.Bench;

/// <summary>One published consumption price, where it was read and when.</summary>
/// <param name="Usd">US dollars per <paramref name="Per"/> units of <paramref name="Unit"/>.</param>
internal sealed record Price(string Meter, decimal Usd, decimal Per, string Unit, string Source, string Note = "");

/// <summary>
/// The consumption prices the report's cost per million events uses: pay-as-you-go list prices in US dollars
/// (the regions we checked agree; other agreements, currencies and regions differ). The one place to update them:
/// change a figure, its source and <see cref="ReadOn"/> together.
/// </summary>
/// <remarks>
/// Azure's pricing pages fill their figures in by script, so the stored copies we could read show the meters and
/// tiers but not the amounts. The amounts are the Azure Retail Prices API's meters as public documents quote them
/// (named in <see cref="Price.Source"/>), checked against each other; see bench/README.md, "Cost per million events".
/// </remarks>
internal static class AzurePrices
{
    public const string ReadOn = "2026-12-05";

    public static readonly Price FunctionsExecutions = new(
        "Functions, Flex Consumption on demand: executions", 0.40m, 1_000_000m, "executions",
        "https://azure.microsoft.com/pricing/details/functions/ (meter \"Flex Consumption On Demand Total Executions\", $0.000004 per 10)",
        "first 250,000 a month free per subscription (left out: at a million events it is a fixed saving, not a price)");

    public static readonly Price FunctionsGbSeconds = new(
        "Functions, Flex Consumption on demand: execution time", 0.000026m, 1m, "GB-s",
        "https://azure.microsoft.com/pricing/details/functions/ (meter \"Flex Consumption On Demand Execution Time\"); billing rule: https://learn.microsoft.com/azure/azure-functions/functions-consumption-costs",
        "the instance's memory (infra/main.bicep instanceMemoryMB) while it runs at least one execution; first 100,000 GB-s a month free (left out)");

    public static readonly Price TableTransactions = new(
        "Table Storage (Standard, LRS): transactions", 0.00036m, 10_000m, "transactions",
        "https://azure.microsoft.com/pricing/details/storage/tables/ (Standard: every operation type, batch write included, at this price); entity group transactions: https://learn.microsoft.com/rest/api/storageservices/designing-a-scalable-partitioning-strategy-for-azure-table-storage",
        "\"an entity group transaction is billed as a single storage operation regardless of how many storage operations it contains\" (Microsoft); accounts with customer-managed keys pay per operation type, far more");

    public static readonly Price BlobWrites = new(
        "Blob Storage (Hot, LRS): write operations", 0.054m, 10_000m, "operations",
        "https://azure.microsoft.com/pricing/details/storage/blobs/",
        "region-dependent (this is the figure infracost's test data shows); this bench's events never reach a blob");

    public static readonly Price BlobReads = new(
        "Blob Storage (Hot, LRS): read operations", 0.0043m, 10_000m, "operations",
        "https://azure.microsoft.com/pricing/details/storage/blobs/",
        "as for writes");

    public static readonly Price ServiceBusOperations = new(
        "Service Bus Standard: operations, 13M–100M a month", 0.80m, 1_000_000m, "operations",
        "https://azure.microsoft.com/pricing/details/service-bus/ (and its FAQ: how the operations meter counts)",
        "the first 13M a month are in the base charge; $0.50 per million from 100M, $0.20 from 2,500M");

    public static readonly Price ServiceBusBase = new(
        "Service Bus Standard: base charge", 0.0135m, 1m, "hour",
        "https://azure.microsoft.com/pricing/details/service-bus/",
        "about $10 a month per Azure subscription, whatever the traffic: not a per-event cost, so not in the cost per million events");

    public static IReadOnlyList<Price> All =>
        [FunctionsExecutions, FunctionsGbSeconds, TableTransactions, BlobWrites, BlobReads, ServiceBusOperations, ServiceBusBase];

    /// <summary>
    /// The Function app's instance memory from infra/main.bicep (<c>param instanceMemoryMB int = 2048</c>): Flex
    /// Consumption bills it, not the memory used, for every second an instance is executing.
    /// </summary>
    public static int InstanceMemoryMb(string repoRoot)
    {
        const string Declaration = "param instanceMemoryMB int = ";
        var line = File.ReadLines(Path.Combine(repoRoot, "infra", "main.bicep")).FirstOrDefault(l => l.StartsWith(Declaration, StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"infra/main.bicep has no '{Declaration}…'.");
        return int.Parse(line[Declaration.Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
