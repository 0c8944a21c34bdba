namespace SpikeLfp.Data.Events;

/// <summary>
/// Turns the events of one sample into <see cref="EventFrames"/> by the rules of <see cref="EventBinningOptions"/>:
/// the input of an event at (x, y, p) is <c>(p' * H' + y / k) * W' + x / k</c> (channel-first; with
/// <see cref="EventBinningOptions.ChannelLast"/>, <c>((y / k) * W' + x / k) * P' + p'</c>), where <c>k</c> is the pooling,
/// <c>W' = ceil(W / k)</c>, <c>H' = ceil(H / k)</c> (a one-row sensor pools channels only) and <c>p'</c> is the
/// polarity when split, else 0. Immutable and shareable between threads; the frames carry the scratch.
/// </summary>
public sealed class EventBinner
{
    private readonly EventSensor _sensor;
    private readonly EventBinningOptions _options;
    private readonly int _pooledWidth;
    private readonly int _pooledHeight;
    private readonly bool _splitPolarity;

    /// <summary>
    /// A binner for <paramref name="sensor"/>. When the options give a bin width but no step count, <c>T</c> is
    /// taken from the longest sample of <paramref name="datasets"/> (after cropping), so every sample of every
    /// part gets the same <c>T</c>.
    /// </summary>
    /// <exception cref="ArgumentException">The options are invalid, or a step count is needed and no data set is given.</exception>
    public EventBinner(EventSensor sensor, EventBinningOptions options, params EventDataset[] datasets)
    {
        ArgumentNullException.ThrowIfNull(options);
        sensor.Validate();
        options.Validate();
        _sensor = sensor;
        _options = options;
        int k = options.Pool;
        _pooledWidth = (sensor.Width + k - 1) / k;
        _pooledHeight = sensor.Height == 1 ? 1 : (sensor.Height + k - 1) / k;
        _splitPolarity = sensor.Polarities == 2 && options.Polarity == PolarityMode.Split;
        InputSize = _pooledWidth * _pooledHeight * (_splitPolarity ? 2 : 1);
        DtUs = options.DtUs ?? (options.Steps is null ? EventBinningOptions.DefaultDtUs : null);
        Steps = options.Steps ?? StepsFor(DtUs!.Value, datasets);
    }

    /// <summary>Number of steps <c>T</c> of every binned sample.</summary>
    public int Steps { get; }

    /// <summary>Bin width in microseconds, or null when each sample is stretched over <see cref="Steps"/> (its own width).</summary>
    public int? DtUs { get; }

    /// <summary>Number of inputs after pooling and polarity: the size of the network's input layer.</summary>
    public int InputSize { get; }

    /// <summary>Columns (or channels) after pooling.</summary>
    public int PooledWidth => _pooledWidth;

    /// <summary>Rows after pooling (1 on a one-row sensor).</summary>
    public int PooledHeight => _pooledHeight;

    /// <summary>Options in force.</summary>
    public EventBinningOptions Options => _options;

    /// <summary>The input index of an event at (<paramref name="x"/>, <paramref name="y"/>, <paramref name="polarity"/>).</summary>
    public int InputIndex(int x, int y, int polarity)
    {
        int p = _splitPolarity ? polarity : 0, row = y / _options.Pool, column = x / _options.Pool;
        return _options.ChannelLast ? (row * _pooledWidth + column) * (_splitPolarity ? 2 : 1) + p
            : (p * _pooledHeight + row) * _pooledWidth + column;
    }

    /// <summary>Bins sample <paramref name="i"/> of <paramref name="dataset"/> into <paramref name="frames"/>.</summary>
    public void Bin(EventDataset dataset, int i, EventFrames frames)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        if (dataset.Sensor != _sensor)
            throw new ArgumentException($"the data set's sensor {dataset.Sensor} is not the binner's {_sensor}", nameof(dataset));
        Bin(dataset.Sample(i), frames);
    }

    /// <summary>Bins <paramref name="sample"/> (recorded on this binner's sensor) into <paramref name="frames"/>; allocation-free once the frames' buffers fit.</summary>
    public void Bin(EventSample sample, EventFrames frames)
    {
        ArgumentNullException.ThrowIfNull(frames);
        var times = sample.TimesUs;
        int start = _options.CropStartUs;
        int first = LowerBound(times, start);
        long end = WindowEnd(sample);
        int dt = DtUs ?? (int)Math.Max(1, (end - start + Steps - 1) / Steps);
        long maxEntries = Math.Min(times.Length - first, (long)Steps * InputSize);
        frames.Reset(Steps, InputSize, (int)maxEntries);
        frames.DtUs = dt;

        int[] counts = frames.Counts, touched = frames.Touched;
        int touchedCount = 0, step = 0;
        var xs = sample.X;
        var ys = sample.Y;
        var ps = sample.Polarity;
        for (int k = first; k < times.Length && times[k] < end; k++)
        {
            int eventStep = (times[k] - start) / dt;
            if (eventStep >= Steps) break;
            while (step < eventStep)
            {
                frames.CloseStep(step++, touchedCount, _options.MaxPerBin);
                touchedCount = 0;
            }
            int input = InputIndex(xs[k], ys.IsEmpty ? 0 : ys[k], ps.IsEmpty ? 0 : ps[k]);
            if (counts[input]++ == 0) touched[touchedCount++] = input;
        }
        while (step < Steps)
        {
            frames.CloseStep(step++, touchedCount, _options.MaxPerBin);
            touchedCount = 0;
        }
    }

    private long WindowEnd(EventSample sample)
    {
        if (_options.CropEndUs is int cropEnd) return cropEnd;
        if (DtUs is int dt) return _options.CropStartUs + (long)dt * Steps;
        return (long)sample.LastTimeUs + 1; // stretched: the sample's own length
    }

    private int StepsFor(int dt, EventDataset[] datasets)
    {
        int start = _options.CropStartUs;
        long window;
        if (_options.CropEndUs is int cropEnd) window = cropEnd - start;
        else
        {
            if (datasets.Length == 0)
                throw new ArgumentException("a bin width without a step count or crop end needs the data sets to find the longest sample");
            long last = start;
            foreach (var set in datasets)
                for (int i = 0; i < set.Count; i++)
                    last = Math.Max(last, (long)set.Sample(i).LastTimeUs + 1);
            window = last - start;
        }
        return (int)Math.Max(1, (window + dt - 1) / dt);
    }

    private static int LowerBound(ReadOnlySpan<int> times, int value)
    {
        int lo = 0, hi = times.Length;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (times[mid] < value) lo = mid + 1; else hi = mid;
        }
        return lo;
    }
}
