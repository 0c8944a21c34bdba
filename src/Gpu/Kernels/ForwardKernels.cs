using ILGPU;
using SpikeLfp.Network.Encoding;
using SpikeLfp.Neurons;

namespace SpikeLfp.Gpu.Kernels;

/// <summary>
/// Device kernels of the forward pass (LFP.md, "Forward"). Every kernel is a static method over ArrayViews,
/// one thread per output element, indices row-major as in the host trace: [sample, step, neuron].
/// Because the network is feed-forward, a layer's input is known for all steps before the layer runs: the
/// current of every step is one product (<see cref="DenseKernels.Product{TMath}"/>), and the LIF neurons then
/// scan their own time axis in one launch.
/// </summary>
public static class ForwardKernels
{
    /// <summary>current[r, j] = bias[j]: the starting value of a cuBLAS product accumulated with beta = 1.</summary>
    public static void BroadcastBias(Index1D index, ArrayView<float> bias, ArrayView<float> current, int outputs)
        => current[index] = bias[index.X % outputs];

    /// <summary>
    /// All steps of one LIF neuron of one sample (thread = (b, j)), from rest: the equations of <see cref="Lif"/>.Step
    /// written out per element, every reset mode included. Writes u_t and s_t (0/1) for every step.
    /// <paramref name="constantCurrent"/> != 0: z is [sample, neuron] and the same at every step.
    /// </summary>
    public static void LifScan(Index1D index, ArrayView<float> current, ArrayView<float> membrane, ArrayView<float> spikes,
        int steps, int size, int constantCurrent, DeviceNeurons p)
    {
        int b = index.X / size, j = index.X - b * size;
        float beta = p.Beta, theta = p.Threshold;
        bool subtract = p.SubtractReset != 0, delayed = p.DelayedReset != 0;
        float previous = 0f;
        for (int t = 0; t < steps; t++)
        {
            long at = ((long)b * steps + t) * size + j;
            float z = constantCurrent != 0 ? current[index] : current[at];
            float reset = previous > theta ? 1f : 0f;
            float u = subtract ? beta * previous + z - theta * reset : beta * (1f - reset) * previous + z;
            float spike = u > theta ? 1f : 0f;
            if (!delayed)
            {
                float d = spike - reset; // snntorch: avoid resetting twice when the previous reset is still pending
                u = subtract ? u - d * theta : u - d * u;
            }
            membrane[at] = u;
            spikes[at] = spike;
            previous = u;
        }
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
