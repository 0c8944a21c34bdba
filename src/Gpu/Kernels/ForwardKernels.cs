using ILGPU;
using SpikeLfp.Network.Encoding;

namespace SpikeLfp.Gpu.Kernels;

/// <summary>
/// Device kernels of the forward pass (LFP.md, "Forward"). Every kernel is a static method over ArrayViews,
/// one thread per output element, indices row-major as in the host trace: [sample, step, neuron].
/// A feed-forward layer's input is known for all steps before the layer runs: the current of every step is one
/// product (<see cref="DenseKernels.Product{TMath}"/>), and the neurons then scan their own time axis in one launch
/// (<see cref="NeuronScan"/>). A recurrent layer's z_t needs its own s_{t-1}: after the same product, it adds
/// V s_{t-1} (one product per step) and advances one step per launch (<see cref="NeuronStep"/>).
/// </summary>
internal static class ForwardKernels
{
    /// <summary>current[r, j] = bias[j]: the starting value of a cuBLAS product accumulated with beta = 1.</summary>
    public static void BroadcastBias(Index1D index, ArrayView<float> bias, ArrayView<float> current, int outputs)
        => current[index] = bias[index.X % outputs];

    /// <summary>
    /// current[b, t, j] = source + b_V[j] for every step: the weighted input before the recurrent spikes arrive,
    /// W x_t + b + b_V in the CPU's order. <paramref name="constantSource"/> != 0: source is W x + b of a constant
    /// input, [sample, neuron]; otherwise it is <paramref name="current"/> itself. Thread = (b, t, j).
    /// </summary>
    public static void AddRecurrentBias(Index1D index, ArrayView<float> source, ArrayView<float> recurrentBias, ArrayView<float> current,
        int steps, int size, int constantSource)
    {
        int j = index.X % size, b = index.X / size / steps;
        current[index] = (constantSource != 0 ? source[(long)b * size + j] : source[index]) + recurrentBias[j];
    }

    /// <summary>
    /// All steps of one neuron of one sample (thread = (b, j)), from rest: <see cref="DeviceNeurons.Step"/> over the
    /// time axis, for a feed-forward layer whose input is known for every step. Writes u_t, s_t (0/1) and, for
    /// current-based neurons, i_t. <paramref name="constantCurrent"/> != 0: z is [sample, neuron], the same at every step.
    /// </summary>
    public static void NeuronScan(Index1D index, ArrayView<float> current, ArrayView<float> synaptic, ArrayView<float> membrane, ArrayView<float> spikes,
        int steps, int size, int constantCurrent, DeviceNeurons p)
    {
        int b = index.X / size, j = index.X - b * size;
        var state = default(DeviceNeuronState);
        for (int t = 0; t < steps; t++)
        {
            long at = ((long)b * steps + t) * size + j;
            state = p.Step(state, constantCurrent != 0 ? current[index] : current[at]);
            Store(state, at, synaptic, membrane, spikes, p);
        }
    }

    /// <summary>
    /// Step <paramref name="step"/> of one neuron of one sample (thread = (b, j)), from the state the trace holds for
    /// the step before: a recurrent layer advances one step at a time because z_t needs the layer's own s_{t-1}.
    /// </summary>
    public static void NeuronStep(Index1D index, ArrayView<float> current, ArrayView<float> synaptic, ArrayView<float> membrane, ArrayView<float> spikes,
        int step, int steps, int size, DeviceNeurons p)
    {
        int b = index.X / size, j = index.X - b * size;
        long at = ((long)b * steps + step) * size + j;
        var previous = step == 0 ? default
            : new DeviceNeuronState(membrane[at - size], p.HasSynapticCurrent != 0 ? synaptic[at - size] : 0f, 0f);
        Store(p.Step(previous, current[at]), at, synaptic, membrane, spikes, p);
    }

    // The state after a step into the trace; the synaptic buffer exists only for current-based neurons.
    private static void Store(DeviceNeuronState state, long at, ArrayView<float> synaptic, ArrayView<float> membrane, ArrayView<float> spikes, DeviceNeurons p)
    {
        membrane[at] = state.Membrane;
        spikes[at] = state.Spike;
        if (p.HasSynapticCurrent != 0) synaptic[at] = state.Synaptic;
    }

    /// <summary>
    /// Bernoulli rate coding on the device, the same draws as <see cref="BernoulliRateEncoder"/>: input i of sample
    /// b fires at step t when CounterRandom.Uniform(seed, key_b, t, i) &lt; (x + 1) / 2. Thread = (b, t, i).
    /// </summary>
    public static void RateEncode(Index1D index, ArrayView<float> features, ArrayView<long> keys, ArrayView<float> spikes,
        int steps, int inputs, ulong seed)
    {
        int i = index.X % inputs, bt = index.X / inputs, t = bt % steps, b = bt / steps;
        float p = (features[(long)b * inputs + i] + 1f) * 0.5f;
        p = p < 0f ? 0f : p > 1f ? 1f : p;
        spikes[index] = CounterRandom.Uniform(seed, (ulong)keys[b], (ulong)t, (ulong)i) < p ? 1f : 0f;
    }

    /// <summary>Spikes of each sample, summed over steps and neurons (thread = sample).</summary>
    public static void CountSpikes(Index1D b, ArrayView<float> spikes, ArrayView<int> counts, int perSample, int offset)
    {
        long start = (long)b.X * perSample;
        int count = 0;
        for (int k = 0; k < perSample; k++) if (spikes[start + k] != 0f) count++;
        counts[offset + b.X] = count;
    }

    /// <summary>Argmax of output spike counts per sample, lowest index on ties (TraceStatistics.Predictions).</summary>
    public static void Predict(Index1D b, ArrayView<float> spikes, ArrayView<int> predictions, int steps, int classes)
    {
        int best = 0, bestCount = -1;
        for (int c = 0; c < classes; c++)
        {
            int count = 0;
            for (int t = 0; t < steps; t++) if (spikes[((long)b.X * steps + t) * classes + c] != 0f) count++;
            if (count > bestCount) { best = c; bestCount = count; }
        }
        predictions[b] = best;
    }
}
