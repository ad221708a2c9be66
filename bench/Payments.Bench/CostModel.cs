using Payments.ServiceBusBroker;

namespace Payments.Bench;

/// <summary>What one Host run asked of Azure, counted: the in-process tally and the broker's operations over the run.</summary>
internal sealed record HostCounts(RunTally Tally, IReadOnlyList<OperationCount> ServiceBus)
{
    /// <summary>Service Bus operations the meter does not describe: credit flows and $cbs tokens (reported, not priced).</summary>
    public static readonly IReadOnlySet<string> Protocol = new HashSet<string>(StringComparer.Ordinal) { BrokerOperations.Flow, BrokerOperations.PutToken };

    /// <summary>The broker's counts after a run less those before it.</summary>
    public static IReadOnlyList<OperationCount> Difference(IReadOnlyList<OperationCount> before, IReadOnlyList<OperationCount> after)
    {
        var earlier = before.ToDictionary(c => (c.Entity, c.Operation), c => c.Count);
        return [.. after
            .Select(c => c with { Count = c.Count - earlier.GetValueOrDefault((c.Entity, c.Operation)) })
            .Where(c => c.Count > 0)];
    }

    /// <summary>Service Bus operations by name, all entities together.</summary>
    public IReadOnlyDictionary<string, long> ServiceBusByOperation =>
        ServiceBus.GroupBy(c => c.Operation).ToDictionary(g => g.Key, g => g.Sum(c => c.Count));

    /// <summary>Billable operations with a batch send counted per message (upper) or as one transfer (lower).</summary>
    public long ServiceBusBilled(bool batchAsOne) => ServiceBusByOperation
        .Where(kv => !Protocol.Contains(kv.Key)
                     && kv.Key != (batchAsOne ? BrokerOperations.SendBatchMessages : BrokerOperations.SendBatch))
        .Sum(kv => kv.Value);

    public long StorageRequests(string service) => Tally.Storage.Where(kv => kv.Key.Service == service).Sum(kv => kv.Value);

    public long StorageFailed => Tally.Storage.Where(kv => kv.Key.Status is 0 or >= 400).Sum(kv => kv.Value);

    public long BlobRequests(bool writes) => Tally.Storage
        .Where(kv => kv.Key.Service == StorageKinds.Blob && StorageKinds.IsBlobRead(kv.Key.Kind) != writes)
        .Sum(kv => kv.Value);

    public long StripeCalls(bool reads) => Tally.Stripe.Where(kv => kv.Key.IsRead == reads).Sum(kv => kv.Value);

    public long Executions => Tally.Webhook.Count + Tally.Triggers.Count;

    public TimeSpan ExecutionTime => Tally.Webhook.Total + Tally.Triggers.Total;
}

/// <summary>
/// US dollars per million events at <see cref="AzurePrices"/>, by service, from the counts of one run. Two figures
/// where billing is not settled by what we measured: execution time as the sum of every execution's duration
/// (each event alone on an instance: upper) or as one instance's busy time (executions overlapping: lower), and a
/// batch send as one operation per message (upper) or one per batch (lower).
/// </summary>
internal sealed record CostPerMillion(
    decimal Executions, decimal ExecutionTime, decimal ExecutionTimeBusy, decimal Table, decimal Blob, decimal ServiceBus, decimal ServiceBusBatchAsOne)
{
    public decimal Total => Executions + ExecutionTime + Table + Blob + ServiceBus;

    public decimal LowerTotal => Executions + ExecutionTimeBusy + Table + Blob + ServiceBusBatchAsOne;

    public static CostPerMillion Of(HostCounts counts, int events, int instanceMemoryMb)
    {
        decimal PerMillion(double perEvent, Price price) => (decimal)perEvent * 1_000_000m * price.Usd / price.Per;
        double Per(double n) => events == 0 ? 0 : n / events;
        var gigabytes = instanceMemoryMb / 1024.0;
        return new CostPerMillion(
            PerMillion(Per(counts.Executions), AzurePrices.FunctionsExecutions),
            PerMillion(Per(counts.ExecutionTime.TotalSeconds * gigabytes), AzurePrices.FunctionsGbSeconds),
            PerMillion(Per(counts.Tally.BusyTime.TotalSeconds * gigabytes), AzurePrices.FunctionsGbSeconds),
            PerMillion(Per(counts.StorageRequests(StorageKinds.Table)), AzurePrices.TableTransactions),
            PerMillion(Per(counts.BlobRequests(writes: true)), AzurePrices.BlobWrites) + PerMillion(Per(counts.BlobRequests(writes: false)), AzurePrices.BlobReads),
            PerMillion(Per(counts.ServiceBusBilled(batchAsOne: false)), AzurePrices.ServiceBusOperations),
            PerMillion(Per(counts.ServiceBusBilled(batchAsOne: true)), AzurePrices.ServiceBusOperations));
    }

    /// <summary>What 100 ms more execution per event would cost per million events at this memory size.</summary>
    public static decimal Per100MsOfExecution(int instanceMemoryMb) =>
        0.1m * (instanceMemoryMb / 1024m) * 1_000_000m * AzurePrices.FunctionsGbSeconds.Usd / AzurePrices.FunctionsGbSeconds.Per;
}
