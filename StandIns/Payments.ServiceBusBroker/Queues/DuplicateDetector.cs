namespace Payments.ServiceBusBroker.Queues;

/// <summary>
/// Service Bus duplicate detection: a MessageId already seen within the window is a duplicate. The window
/// runs from the first send; duplicates don't extend it. Not thread-safe: the queue's lock guards it.
/// </summary>
internal sealed class DuplicateDetector(TimeSpan window)
{
    private readonly Dictionary<string, DateTime> _seen = new(StringComparer.Ordinal);
    private readonly Queue<(string MessageId, DateTime At)> _order = new();

    public bool IsDuplicate(string? messageId, DateTime now)
    {
        while (_order.TryPeek(out var oldest) && now - oldest.At >= window)
        {
            _order.Dequeue();
            _seen.Remove(oldest.MessageId);
        }

        if (messageId is null)
            return false;
        if (_seen.ContainsKey(messageId))
            return true;
        _seen.Add(messageId, now);
        _order.Enqueue((messageId, now));
        return false;
    }
}
