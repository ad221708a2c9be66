using Payments.Tests.Infrastructure;

namespace Payments.Bench.Faults;

/// <summary>
/// The tests' SMTP sink, which the campaign can take down (its port closes: connections are refused) and
/// bring back on the same port, like a mail relay going away for a while. Keeps what every incarnation received.
/// </summary>
internal sealed class SmtpOutage : IAsyncDisposable
{
    private readonly List<ReceivedEmail> _earlier = [];
    private SmtpSink? _sink = new();

    public SmtpOutage() => Port = _sink!.Port;

    public int Port { get; }

    public IReadOnlyList<ReceivedEmail> Received => [.. _earlier, .. _sink?.Messages ?? []];

    public async Task StopAsync()
    {
        if (_sink is not { } sink)
            return;
        _sink = null;
        _earlier.AddRange(sink.Messages);
        await sink.DisposeAsync();
    }

    public void Resume() => _sink ??= new SmtpSink(Port);

    public ValueTask DisposeAsync() => _sink?.DisposeAsync() ?? ValueTask.CompletedTask;
}
