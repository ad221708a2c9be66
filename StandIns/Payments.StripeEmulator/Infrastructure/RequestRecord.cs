namespace Payments.StripeEmulator;

/// <summary>One handled /v1 request, as <c>GET /_emulator/requests</c> reports it.</summary>
internal sealed record RequestRecord(string Method, string Path, string? IdempotencyKey, bool Replayed, int Status, string RequestId);

internal sealed class RequestLog
{
    private readonly Lock sync = new();
    private readonly List<RequestRecord> records = [];

    public void Add(RequestRecord record)
    {
        lock (sync)
        {
            records.Add(record);
        }
    }

    public List<RequestRecord> Snapshot()
    {
        lock (sync)
        {
            return [.. records];
        }
    }

    public void Clear()
    {
        lock (sync)
        {
            records.Clear();
        }
    }
}
