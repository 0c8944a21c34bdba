using SpikeLfp.Data.Events;

namespace SpikeLfp.Viz;

/// <summary>The thin adapter from event data (raw or binned) to the plain <see cref="InputEvents"/> of the input raster.</summary>
public static class EventViews
{
    /// <summary>
    /// The raw events of sample <paramref name="sample"/>, each at its own microsecond. With a
    /// <paramref name="binner"/> the channel is the network input it feeds (pooling and polarity applied);
    /// without, the sensor address <c>(p * H + y) * W + x</c>.
    /// </summary>
    public static InputEvents Raw(EventDataset dataset, int sample, EventBinner? binner = null)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        var s = dataset.Sample(sample);
        var sensor = dataset.Sensor;
        int n = s.Count;
        var times = new double[n];
        var channels = new int[n];
        byte[]? polarity = s.Polarity.IsEmpty ? null : s.Polarity.ToArray();
        for (int k = 0; k < n; k++)
        {
            int x = s.X[k], y = s.Y.IsEmpty ? 0 : s.Y[k], p = s.Polarity.IsEmpty ? 0 : s.Polarity[k];
            times[k] = s.TimesUs[k] / 1000.0;
            channels[k] = binner?.InputIndex(x, y, p) ?? (p * sensor.Height + y) * sensor.Width + x;
        }
        int count = binner?.InputSize ?? sensor.AddressCount;
        double duration = Math.Max(1, binner?.DtUs is int dt ? binner.Steps * dt / 1000.0 : s.LastTimeUs / 1000.0);
        return new InputEvents(binner is null ? "sensor" : "input", count, times, channels, polarity, duration);
    }

    /// <summary>The binned frames of one sample: one event per active (step, input), drawn at the middle of its step.</summary>
    public static InputEvents Binned(EventFrames frames)
    {
        ArgumentNullException.ThrowIfNull(frames);
        var times = new double[frames.Count];
        var channels = frames.Channels.ToArray();
        double dtMs = frames.DtUs / 1000.0;
        for (int t = 0; t < frames.Steps; t++)
            for (int k = frames.StepOffsets[t]; k < frames.StepOffsets[t + 1]; k++)
                times[k] = (t + 0.5) * dtMs;
        return new InputEvents("input", frames.InputSize, times, channels, null, frames.Steps * dtMs);
    }
}
