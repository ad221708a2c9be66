using Payments.Tests.Infrastructure;

namespace Payments.Bench.Faults;

/// <summary>
/// The tests' SMTP sink, which the campaign can take down (its port closes: new connections are refused;
/// a session already past its greeting finishes) and bring back on the same port, like a mail relay going
/// away for a while. Counts what every incarnation received, read when asked (a session that was under way
/// when its sink went down still lands in that sink).
/// </summary>
internal sealed class SmtpOutage : IAsyncDisposable
{
    private readonly List<SmtpSink> _incarnations = [new SmtpSink()];
    private bool _down;

    public SmtpOutage() => Port = _incarnations[0].Port;

    public int Port { get; }

    public IReadOnlyList<ReceivedEmail> Received => [.. _incarnations.SelectMany(s => s.Messages)];

    public async Task StopAsync()
    {
        if (_down)
            return;
        _down = true;
        await _incarnations[^1].DisposeAsync();
    }

    public void Resume()
    {
        if (!_down)
            return;
        _down = false;
        _incarnations.Add(new SmtpSink(Port));
    }

    public ValueTask DisposeAsync() => _down ? ValueTask.CompletedTask : _incarnations[^1].DisposeAsync();
}
