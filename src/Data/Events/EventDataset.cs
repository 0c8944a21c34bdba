namespace SpikeLfp.Data.Events;

/// <summary>The parts of an event data set: train and test, and a validation part where the publisher made one (SSC).</summary>
/// <param name="Train">Samples to learn from.</param>
/// <param name="Test">Held-out samples to evaluate on.</param>
/// <param name="Validation">A published validation part, or null.</param>
public sealed record EventDatasetSplit(EventDataset Train, EventDataset Test, EventDataset? Validation = null)
{
    /// <summary>The parts on one sensor: the smallest holding the events of every part (for sets read without a declared sensor).</summary>
    internal EventDatasetSplit OnCommonSensor()
    {
        var parts = Validation is null ? new[] { Train, Test } : [Train, Test, Validation];
        var sensor = new EventSensor(parts.Max(p => p.Sensor.Width), parts.Max(p => p.Sensor.Height), parts.Max(p => p.Sensor.Polarities));
        return new EventDatasetSplit(Train.WithSensor(sensor), Test.WithSensor(sensor), Validation?.WithSensor(sensor));
    }
}

/// <summary>
/// Recorded spike trains with one label each: every sample is a time-ordered list of events (timestamp in
/// microseconds, x or channel, y, polarity) on one <see cref="EventSensor"/>. Stored as a structure of
/// arrays over all samples (4 bytes of time and 2 of x per event, plus 2 of y on two-dimensional sensors and 1
/// of polarity on sensors with two polarities), so SHD's 8,156 training samples fit in a few hundred megabytes.
/// Build one with <see cref="EventDatasetBuilder"/>, which validates every event.
/// </summary>
public sealed class EventDataset
{
    private readonly int[] _offsets;
    private readonly int[] _times;
    private readonly ushort[] _x;
    private readonly ushort[] _y;
    private readonly byte[] _polarity;
    private readonly string[]? _sampleNames;
    private readonly string _source;

    internal EventDataset(string name, string source, EventSensor sensor, int classCount, int[] offsets,
        int[] times, ushort[] x, ushort[] y, byte[] polarity, int[] labels, string[]? sampleNames)
    {
        Name = name;
        _source = source;
        Sensor = sensor;
        ClassCount = classCount;
        _offsets = offsets;
        _times = times;
        _x = x;
        _y = y;
        _polarity = polarity;
        Labels = labels;
        _sampleNames = sampleNames;
    }

    /// <summary>Short name, for example "shd" or "nmnist".</summary>
    public string Name { get; }

    /// <summary>The sensor every event was recorded on.</summary>
    public EventSensor Sensor { get; }

    /// <summary>Number of classes; every label lies in <c>[0, ClassCount)</c>.</summary>
    public int ClassCount { get; }

    /// <summary>Number of samples.</summary>
    public int Count => Labels.Length;

    /// <summary>One class label per sample.</summary>
    public int[] Labels { get; }

    /// <summary>Number of events over all samples.</summary>
    public int TotalEvents => _offsets[^1];

    /// <summary>The events of sample <paramref name="i"/> (views into the shared arrays, no copy).</summary>
    public EventSample Sample(int i)
    {
        CheckIndex(i);
        int start = _offsets[i], length = _offsets[i + 1] - start;
        return new EventSample(
            _times.AsSpan(start, length),
            _x.AsSpan(start, length),
            _y.Length == 0 ? default : _y.AsSpan(start, length),
            _polarity.Length == 0 ? default : _polarity.AsSpan(start, length),
            Labels[i]);
    }

    /// <summary>Number of events of sample <paramref name="i"/>.</summary>
    public int EventCount(int i)
    {
        CheckIndex(i);
        return _offsets[i + 1] - _offsets[i];
    }

    /// <summary>Where sample <paramref name="i"/> came from, for messages: its file, or the data file and index.</summary>
    public string SampleName(int i)
    {
        CheckIndex(i);
        return _sampleNames?[i] ?? $"{_source}[{i}]";
    }

    /// <summary>Number of samples of each class, indexed by label.</summary>
    public int[] CountPerClass()
    {
        var counts = new int[ClassCount];
        foreach (int label in Labels) counts[label]++;
        return counts;
    }

    /// <summary>
    /// <paramref name="count"/> samples spread evenly over the set (indices floor(k * Count / count)), copied, in
    /// order, so a class-sorted set still yields every class in proportion (as <see cref="Dataset.Spread"/>).
    /// </summary>
    public EventDataset Spread(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        int n = Math.Min(count, Count);
        var builder = new EventDatasetBuilder(Name, _source, Sensor);
        for (int k = 0; k < n; k++)
        {
            int index = (int)((long)k * Count / n);
            var s = Sample(index);
            builder.Add(s.TimesUs, s.X, s.Y, s.Polarity, s.Label, SampleName(index));
        }
        return builder.Build(ClassCount);
    }

    /// <summary>The same events on a smaller or larger sensor that still holds every address (arrays shared).</summary>
    internal EventDataset WithSensor(EventSensor sensor) =>
        new(Name, _source, sensor, ClassCount, _offsets, _times, _x, _y, _polarity, Labels, _sampleNames);

    private void CheckIndex(int i)
    {
        if ((uint)i >= (uint)Count)
            throw new ArgumentOutOfRangeException(nameof(i), i, $"sample index must lie in [0, {Count})");
    }
}

/// <summary>
/// The events of one sample, in time order: <see cref="TimesUs"/>[k] with address (<see cref="X"/>[k],
/// <see cref="Y"/>[k], <see cref="Polarity"/>[k]). <see cref="Y"/> is empty on a one-row sensor and
/// <see cref="Polarity"/> on a sensor of one polarity (read them as 0).
/// </summary>
public readonly ref struct EventSample
{
    internal EventSample(ReadOnlySpan<int> times, ReadOnlySpan<ushort> x, ReadOnlySpan<ushort> y, ReadOnlySpan<byte> polarity, int label)
    {
        TimesUs = times;
        X = x;
        Y = y;
        Polarity = polarity;
        Label = label;
    }

    /// <summary>Timestamps in microseconds, non-decreasing.</summary>
    public ReadOnlySpan<int> TimesUs { get; }

    /// <summary>Column of each event, or its channel on a one-dimensional sensor.</summary>
    public ReadOnlySpan<ushort> X { get; }

    /// <summary>Row of each event; empty on a one-row sensor.</summary>
    public ReadOnlySpan<ushort> Y { get; }

    /// <summary>Polarity of each event (0 OFF, 1 ON); empty on a sensor of one polarity.</summary>
    public ReadOnlySpan<byte> Polarity { get; }

    /// <summary>Class label.</summary>
    public int Label { get; }

    /// <summary>Number of events.</summary>
    public int Count => TimesUs.Length;

    /// <summary>Time of the last event in microseconds (0 for an empty sample): the recording's length from time zero.</summary>
    public int LastTimeUs => TimesUs.IsEmpty ? 0 : TimesUs[^1];
}
