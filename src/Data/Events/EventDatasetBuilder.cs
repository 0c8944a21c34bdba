namespace SpikeLfp.Data.Events;

/// <summary>
/// Collects samples into an <see cref="EventDataset"/>, checking every event as it comes: timestamps that go
/// backwards, negative or beyond <see cref="int.MaxValue"/> microseconds, and addresses outside the sensor are
/// a <see cref="DatasetException"/> naming the sample. Storage grows by doubling, so memory follows the real data.
/// </summary>
public sealed class EventDatasetBuilder
{
    private readonly string _name;
    private readonly string _source;
    private EventSensor _sensor;
    // Fitting: addresses are not checked against the sensor; the built set gets the smallest sensor holding them.
    private readonly bool _fitting;
    private int _maxX = -1, _maxY = -1;
    private readonly List<int> _offsets = [0];
    private readonly List<int> _labels = [];
    private readonly List<string> _sampleNames = [];
    private int[] _times = [];
    private ushort[] _x = [];
    private ushort[] _y = [];
    private byte[] _polarity = [];
    private int _events;

    /// <summary>Starts an empty set of events on <paramref name="sensor"/>.</summary>
    /// <param name="name">Short name of the set, for example "shd".</param>
    /// <param name="source">The file or folder the samples come from (named in messages).</param>
    /// <param name="sensor">Sensor layout; every address is checked against it.</param>
    public EventDatasetBuilder(string name, string source, EventSensor sensor)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(source);
        sensor.Validate();
        _name = name;
        _source = source;
        _sensor = sensor;
    }

    /// <summary>
    /// A builder for a sensor not known in advance: the built set's sensor is the smallest holding every event
    /// (at least one pixel), with <paramref name="polarities"/> polarities and one row unless <paramref name="twoDimensional"/>.
    /// </summary>
    internal static EventDatasetBuilder Fitting(string name, string source, bool twoDimensional, int polarities) =>
        new(name, source, new EventSensor(EventSensor.MaxSide, twoDimensional ? EventSensor.MaxSide : 1, polarities), fitting: true);

    private EventDatasetBuilder(string name, string source, EventSensor sensor, bool fitting)
    {
        _name = name;
        _source = source;
        _sensor = sensor;
        _fitting = fitting;
    }

    /// <summary>Number of samples added so far.</summary>
    public int Count => _labels.Count;

    /// <summary>Reserves room for <paramref name="events"/> more events (when a reader knows the total up front).</summary>
    public void Reserve(long events)
    {
        if (events < 0 || _events + events > Array.MaxLength)
            throw new DatasetException($"{_source}: {_events + events} events are more than can be held in memory");
        Grow((int)(_events + events));
    }

    /// <summary>
    /// Adds one sample. <paramref name="y"/> may be empty on a one-row sensor and <paramref name="polarity"/> on
    /// a one-polarity sensor; otherwise every span has one entry per event.
    /// </summary>
    /// <exception cref="DatasetException">An event is out of order or outside the sensor; nothing is added.</exception>
    public void Add(ReadOnlySpan<int> timesUs, ReadOnlySpan<ushort> x, ReadOnlySpan<ushort> y, ReadOnlySpan<byte> polarity, int label, string sampleName)
    {
        ArgumentNullException.ThrowIfNull(sampleName);
        int n = timesUs.Length;
        if (x.Length != n || (y.Length != n && !(y.IsEmpty && _sensor.Height == 1)) || (polarity.Length != n && !(polarity.IsEmpty && _sensor.Polarities == 1)))
            throw new ArgumentException($"{sampleName}: {n} timestamps but {x.Length} x, {y.Length} y and {polarity.Length} polarities");
        if (label < 0)
            throw new DatasetException($"{sampleName}: label {label} is negative");
        Validate(timesUs, x, y, polarity, sampleName);
        if ((long)_events + n > Array.MaxLength)
            throw new DatasetException($"{_source}: more than {Array.MaxLength} events, more than can be held in memory");

        Grow(_events + n);
        timesUs.CopyTo(_times.AsSpan(_events));
        x.CopyTo(_x.AsSpan(_events));
        if (_sensor.Height > 1) y.CopyTo(_y.AsSpan(_events));
        if (_sensor.Polarities > 1) polarity.CopyTo(_polarity.AsSpan(_events));
        _events += n;
        _offsets.Add(_events);
        _labels.Add(label);
        _sampleNames.Add(sampleName);
    }

    /// <summary>
    /// The finished set. Sample names are kept only when <paramref name="keepSampleNames"/> (per-file formats);
    /// otherwise a sample is named by the source and its index.
    /// </summary>
    /// <param name="classCount">Number of classes; every label must lie below it.</param>
    /// <param name="keepSampleNames">Keep each sample's own name (false saves memory for one-file sets).</param>
    /// <exception cref="DatasetException">A label is out of range or there is no sample.</exception>
    public EventDataset Build(int classCount, bool keepSampleNames = true)
    {
        if (_labels.Count == 0)
            throw new DatasetException($"{_source}: holds no samples");
        if (classCount < 2)
            throw new DatasetException($"{_source}: {classCount} classes, expected at least 2");
        for (int i = 0; i < _labels.Count; i++)
            if (_labels[i] >= classCount)
                throw new DatasetException($"{_sampleNames[i]}: label {_labels[i]} is outside [0, {classCount})");
        if (_fitting)
            _sensor = new EventSensor(Math.Max(1, _maxX + 1), _sensor.Height == 1 ? 1 : Math.Max(1, _maxY + 1), _sensor.Polarities);
        Array.Resize(ref _times, _events);
        Array.Resize(ref _x, _events);
        if (_sensor.Height > 1) Array.Resize(ref _y, _events);
        if (_sensor.Polarities > 1) Array.Resize(ref _polarity, _events);
        return new EventDataset(_name, _source, _sensor, classCount, [.. _offsets], _times, _x,
            _sensor.Height > 1 ? _y : [], _sensor.Polarities > 1 ? _polarity : [], [.. _labels],
            keepSampleNames ? [.. _sampleNames] : null);
    }

    private void Validate(ReadOnlySpan<int> timesUs, ReadOnlySpan<ushort> x, ReadOnlySpan<ushort> y, ReadOnlySpan<byte> polarity, string sampleName)
    {
        int previous = 0;
        for (int k = 0; k < timesUs.Length; k++)
        {
            int t = timesUs[k];
            if (t < 0)
                throw new DatasetException($"{sampleName}: event {k} has a negative timestamp ({t} us)");
            if (t < previous)
                throw new DatasetException($"{sampleName}: timestamps go backwards at event {k} ({t} us after {previous} us)");
            previous = t;
            if (_fitting)
            {
                _maxX = Math.Max(_maxX, x[k]);
                if (_sensor.Height > 1) _maxY = Math.Max(_maxY, y[k]);
            }
            else if (x[k] >= _sensor.Width)
                throw new DatasetException(_sensor.Height == 1
                    ? $"{sampleName}: event {k} has channel {x[k]}, outside the sensor's {_sensor.Width} channels"
                    : $"{sampleName}: event {k} has x = {x[k]}, outside the sensor's width {_sensor.Width}");
            if (!_fitting && _sensor.Height > 1 && y[k] >= _sensor.Height)
                throw new DatasetException($"{sampleName}: event {k} has y = {y[k]}, outside the sensor's height {_sensor.Height}");
            if (_sensor.Polarities > 1 && polarity[k] > 1)
                throw new DatasetException($"{sampleName}: event {k} has polarity {polarity[k]}, expected 0 or 1");
        }
    }

    private void Grow(int needed)
    {
        if (needed <= _times.Length) return;
        int capacity = (int)Math.Min(Array.MaxLength, Math.Max(needed, Math.Max(1024L, 2L * _times.Length)));
        Array.Resize(ref _times, capacity);
        Array.Resize(ref _x, capacity);
        if (_sensor.Height > 1) Array.Resize(ref _y, capacity);
        if (_sensor.Polarities > 1) Array.Resize(ref _polarity, capacity);
    }
}
