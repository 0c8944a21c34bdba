namespace SpikeLfp.Data.Events;

/// <summary>
/// One sample as sparse input frames, in a CSR layout: the active inputs of step <c>t</c> are
/// <c>Channels[StepOffsets[t] .. StepOffsets[t+1])</c> (ascending) with <c>Values</c> at the same positions
/// (1 for binary spikes, the capped count otherwise). Filled by <see cref="EventBinner.Bin(EventSample, EventFrames)"/>; reuse one instance
/// per thread: its buffers only grow, so a training loop allocates nothing once they fit the largest sample.
/// </summary>
public sealed class EventFrames
{
    private int[] _stepOffsets = [0];
    private int[] _channels = [];
    private float[] _values = [];
    // Scratch of the binner: events per input in the current step, and which inputs are non-zero.
    internal int[] Counts = [];
    internal int[] Touched = [];

    /// <summary>Number of steps <c>T</c> of the last binned sample.</summary>
    public int Steps { get; private set; }

    /// <summary>Number of inputs (the largest channel index + 1).</summary>
    public int InputSize { get; private set; }

    /// <summary>Number of (step, input) entries over all steps.</summary>
    public int Count { get; private set; }

    /// <summary>Bin width used for the last sample in microseconds (per sample when only a step count is set).</summary>
    public int DtUs { get; internal set; }

    /// <summary><c>Steps + 1</c> offsets into <see cref="Channels"/> and <see cref="Values"/>.</summary>
    public ReadOnlySpan<int> StepOffsets => _stepOffsets.AsSpan(0, Steps + 1);

    /// <summary>Active input of every entry, step by step, ascending within a step.</summary>
    public ReadOnlySpan<int> Channels => _channels.AsSpan(0, Count);

    /// <summary>Value of every entry.</summary>
    public ReadOnlySpan<float> Values => _values.AsSpan(0, Count);

    /// <summary>The active inputs of step <paramref name="step"/>.</summary>
    public ReadOnlySpan<int> ChannelsAt(int step) => _channels.AsSpan(_stepOffsets[step], _stepOffsets[step + 1] - _stepOffsets[step]);

    /// <summary>The values of the active inputs of step <paramref name="step"/>.</summary>
    public ReadOnlySpan<float> ValuesAt(int step) => _values.AsSpan(_stepOffsets[step], _stepOffsets[step + 1] - _stepOffsets[step]);

    /// <summary>Writes step <paramref name="step"/> densely into <paramref name="dense"/> (length <see cref="InputSize"/>), zeros elsewhere.</summary>
    public void CopyStepTo(int step, Span<float> dense)
    {
        if ((uint)step >= (uint)Steps) throw new ArgumentOutOfRangeException(nameof(step), step, $"step must lie in [0, {Steps})");
        if (dense.Length != InputSize) throw new ArgumentException($"dense needs {InputSize} values, got {dense.Length}", nameof(dense));
        dense.Clear();
        var channels = ChannelsAt(step);
        var values = ValuesAt(step);
        for (int k = 0; k < channels.Length; k++) dense[channels[k]] = values[k];
    }

    /// <summary>Clears the frames for a sample of <paramref name="steps"/> steps over <paramref name="inputSize"/> inputs
    /// with room for <paramref name="maxEntries"/> entries.</summary>
    internal void Reset(int steps, int inputSize, int maxEntries)
    {
        Steps = steps;
        InputSize = inputSize;
        Count = 0;
        if (_stepOffsets.Length < steps + 1) _stepOffsets = new int[steps + 1];
        _stepOffsets[0] = 0;
        if (_channels.Length < maxEntries)
        {
            int capacity = Math.Max(maxEntries, 2 * _channels.Length);
            _channels = new int[capacity];
            _values = new float[capacity];
        }
        if (Counts.Length < inputSize)
        {
            Counts = new int[inputSize];
            Touched = new int[inputSize];
        }
    }

    /// <summary>Appends the active inputs of the next step (the first <paramref name="touched"/> entries of <see cref="Touched"/>) and clears their counts.</summary>
    internal void CloseStep(int step, int touched, int maxPerBin)
    {
        var inputs = Touched.AsSpan(0, touched);
        inputs.Sort();
        foreach (int input in inputs)
        {
            int count = Counts[input];
            Counts[input] = 0;
            _channels[Count] = input;
            _values[Count] = maxPerBin == 0 ? count : Math.Min(count, maxPerBin);
            Count++;
        }
        _stepOffsets[step + 1] = Count;
    }
}
