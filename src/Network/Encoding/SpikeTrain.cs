namespace SpikeLfp.Network.Encoding;

/// <summary>
/// Event lists of a batch over time: for every (sample, step) the indices of the neurons that fired. Each sample's
/// lists lie back to back in step order, so its events are one contiguous run for the worker that simulates it and
/// for every pass that reads them again (a list takes the room it needs, not a slot of the worst case). So a sample's
/// steps are filled in order: <see cref="Slot"/> then <see cref="SetCount"/> for step 0, 1, 2, ... (starting again at
/// step 0 at any time). Capacity is the dense worst case, allocated once and reused across batches.
/// </summary>
public sealed class SpikeTrain
{
    private readonly int[] _indices;
    private readonly int[] _counts;
    // Where each (sample, step) list begins, and per sample the next step to fill.
    private readonly int[] _starts;
    private readonly int[] _nextStep;

    /// <summary>Creates an empty train for up to <paramref name="batch"/> samples.</summary>
    public SpikeTrain(int batch, int steps, int neurons)
    {
        Batch = batch;
        Steps = steps;
        Neurons = neurons;
        _indices = new int[checked(batch * steps * neurons)];
        _counts = new int[batch * steps];
        _starts = new int[batch * steps];
        for (int b = 0; b < batch; b++) _starts[b * steps] = b * steps * neurons;
        _nextStep = new int[batch];
    }

    /// <summary>Samples this train can hold.</summary>
    public int Batch { get; }
    /// <summary>Time steps.</summary>
    public int Steps { get; }
    /// <summary>Neurons per sample.</summary>
    public int Neurons { get; }

    /// <summary>Indices of the neurons that fired in sample <paramref name="sample"/> at step <paramref name="step"/>.</summary>
    public ReadOnlySpan<int> Fired(int sample, int step)
        => _indices.AsSpan(_starts[sample * Steps + step], _counts[sample * Steps + step]);

    /// <summary>
    /// Room for the list of (sample, step), Neurons long, to be filled by a kernel; commit the count with
    /// <see cref="SetCount"/> before the next step's slot (it starts where this list ends).
    /// </summary>
    /// <exception cref="InvalidOperationException">A step other than 0 or the sample's next one.</exception>
    public Span<int> Slot(int sample, int step)
    {
        CheckStepOrder(sample, step);
        return _indices.AsSpan(_starts[sample * Steps + step], Neurons);
    }

    /// <summary>Records how many indices of the slot are valid; the sample's next step is step + 1.</summary>
    /// <exception cref="InvalidOperationException">A step other than 0 or the sample's next one.</exception>
    public void SetCount(int sample, int step, int count)
    {
        CheckStepOrder(sample, step);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, Neurons);
        int at = sample * Steps + step;
        _counts[at] = count;
        if (step + 1 < Steps) _starts[at + 1] = _starts[at] + count;
        _nextStep[sample] = step + 1;
    }

    private void CheckStepOrder(int sample, int step)
    {
        if (step != 0 && step != _nextStep[sample])
            throw new InvalidOperationException($"the steps of a sample's spikes are filled in order: step {step} of sample {sample} came after step {_nextStep[sample] - 1}.");
    }

    /// <summary>Number of spikes of one sample at one step.</summary>
    public int Count(int sample, int step) => _counts[sample * Steps + step];

    /// <summary>
    /// The first <paramref name="batch"/> samples as dense 0/1 values, [sample, step, neuron]: what a dense
    /// implementation (the surrogate baseline, a dense benchmark) multiplies where the simulator delivers events.
    /// <paramref name="dense"/> must be zero on entry; only the spikes are written.
    /// </summary>
    public void WriteDense(int batch, Span<float> dense)
    {
        if (dense.Length < batch * Steps * Neurons) throw new ArgumentException($"expected room for {batch} x {Steps} x {Neurons} values, got {dense.Length}.");
        for (int b = 0; b < batch; b++)
            for (int t = 0; t < Steps; t++)
                foreach (int i in Fired(b, t)) dense[(b * Steps + t) * Neurons + i] = 1f;
    }

    /// <summary>Total spikes of the first <paramref name="batch"/> samples.</summary>
    public long Total(int batch)
    {
        long total = 0;
        for (int i = 0; i < batch * Steps; i++) total += _counts[i];
        return total;
    }
}
