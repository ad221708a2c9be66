using System.Diagnostics.Metrics;
using Payments.Core.Telemetry;

namespace Payments.Tests.Telemetry;

/// <summary>Every measurement of our meter while it lives, with its tags (the meter is the process's, so tests filter by their own tags).</summary>
public sealed class RecordedMeasurements : IDisposable
{
    public sealed record Measurement(string Instrument, long Value, IReadOnlyDictionary<string, string?> Tags);

    private readonly MeterListener _listener = new();
    private readonly List<Measurement> _seen = [];

    public RecordedMeasurements()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == PaymentsTelemetry.Name)
                listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            var measurement = new Measurement(instrument.Name, value, tags.ToArray().ToDictionary(t => t.Key, t => t.Value?.ToString()));
            lock (_seen) _seen.Add(measurement);
        });
        _listener.Start();
    }

    public IReadOnlyList<Measurement> Of(string instrument)
    {
        lock (_seen) return _seen.Where(m => m.Instrument == instrument).ToList();
    }

    public void Dispose() => _listener.Dispose();
}
