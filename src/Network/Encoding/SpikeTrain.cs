namespace SpikeLfp.Network.Encoding;

/// <summary>
/// Event lists of a batch over time: for every (sample, step) the indices of the neurons that fired.
/// Laid out sample-major, [sample, step, k], so each sample's events are contiguous for the worker
/// that simulates it. Capacity is the dense worst case, allocated once and reused across batches.
/// </summary>
public sealed class SpikeTrain
{
    private readonly int[] _indices;
    private readonly int[] _counts;

    /// <summary>Creates an empty train for up to <paramref name="batch"/> samples.</summary>
    public SpikeTrain(int batch, int steps, int neurons)
    {
        Batch = batch;
        Steps = steps;
        Neurons = neurons;
        _indices = new int[checked(batch * steps * neurons)];
        _counts = new int[batch * steps];
    }

    /// <summary>Samples this train can hold.</summary>
    public int Batch { get; }
    /// <summary>Time steps.</summary>
    public int Steps { get; }
    /// <summary>Neurons per sample.</summary>
    public int Neurons { get; }

    /// <summary>Indices of the neurons that fired in sample <paramref name="sample"/> at step <paramref name="step"/>.</summary>
    public ReadOnlySpan<int> Fired(int sample, int step)
        => _indices.AsSpan(((sample * Steps) + step) * Neurons, _counts[sample * Steps + step]);

    /// <summary>The whole slot of (sample, step), to be filled by a kernel; commit the count with <see cref="SetCount"/>.</summary>
    public Span<int> Slot(int sample, int step) => _indices.AsSpan(((sample * Steps) + step) * Neurons, Neurons);

    /// <summary>Records how many indices of the slot are valid.</summary>
    public void SetCount(int sample, int step, int count) => _counts[sample * Steps + step] = count;

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
