using System.Globalization;
using System.Text;
using Azure.Data.Tables;

namespace Payments.Core.Messaging;

/// <summary>
/// Where an inbox row lives (table <c>webhookinbox</c>): partition <c>b{n}</c>, n = FNV-1a of the row id modulo
/// <see cref="InboxOptions.Buckets"/>, so the partition is a pure function of the id (a lookup by id stays a point
/// read, and insert-if-absent per id holds), while the rows of one intake batch fall into a few partitions and are
/// written together in entity group transactions. Beside each row <c>event|{id}</c> the same partition holds
/// <c>pending|{id}</c> while the row waits for its handler: written and removed in the same transactions as the
/// row's status, so a waiting row without its mark cannot happen.
/// </summary>
public static class InboxKeys
{
    public const string EventPrefix = "event|";
    public const string PendingPrefix = "pending|";

    /// <summary>Rows of the inbox's own upkeep (the layout it was written with, the last purge); no id is ever this.</summary>
    public const string UpkeepPartition = "inbox-upkeep";

    public static string Partition(string id, int buckets) => Partition(Bucket(id, buckets));

    public static string Partition(int bucket) => "b" + bucket.ToString(CultureInfo.InvariantCulture);

    /// <summary>FNV-1a (32 bits) over the id's UTF-8 bytes: stable across processes and versions, unlike string.GetHashCode.</summary>
    public static int Bucket(string id, int buckets)
    {
        var hash = 2166136261u;
        foreach (var b in Encoding.UTF8.GetBytes(id))
        {
            hash ^= b;
            hash *= 16777619u;
        }
        return (int)(hash % (uint)buckets);
    }

    public static string EventRow(string id) => EventPrefix + id;

    public static string PendingRow(string id) => PendingPrefix + id;

    /// <summary>The row keys from <paramref name="prefix"/> (inclusive) to this (exclusive) are those starting with it: '}' follows '|'.</summary>
    public static string End(string prefix) => prefix[..^1] + "}";

    /// <summary>The id of an inbox row of either layout: <c>event|{id}</c> in a bucket, or (the first layout) PK = id, RK <c>event</c>.</summary>
    public static string? EventIdOf(TableEntity row) =>
        row.RowKey.StartsWith(EventPrefix, StringComparison.Ordinal) ? row.RowKey[EventPrefix.Length..]
        : row.RowKey == LegacyInboxStore.Row ? row.PartitionKey
        : null;
}
