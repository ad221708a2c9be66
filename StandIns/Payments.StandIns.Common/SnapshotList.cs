namespace Payments.StandIns.Common;

/// <summary>
/// A list that requests add to from many threads and the control endpoints read as a copy (the request log, the
/// injected faults, PayPal's event log), oldest first.
/// </summary>
public class SnapshotList<T>
{
    private readonly List<T> items = [];

    /// <summary>Guards <see cref="Items"/>.</summary>
    protected Lock Sync { get; } = new();

    /// <summary>The entries; read or change them only under <see cref="Sync"/>.</summary>
    protected IList<T> Items => items;

    public void Add(T item)
    {
        lock (Sync)
        {
            items.Add(item);
        }
    }

    /// <summary>The first entry that <paramref name="match"/> accepts, if any.</summary>
    public T? Find(Predicate<T> match)
    {
        lock (Sync)
        {
            return items.Find(match);
        }
    }

    public List<T> Snapshot()
    {
        lock (Sync)
        {
            return [.. items];
        }
    }

    public void Clear()
    {
        lock (Sync)
        {
            items.Clear();
        }
    }
}
