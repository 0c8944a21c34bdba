using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace SpikeLfp.Network.Synapses;

/// <summary>
/// Pure synapse kernels over input-major weights (row i holds the synapses leaving input i, so one input's
/// contribution is one contiguous row: the layout that makes event-driven delivery a sequence of row adds).
/// </summary>
public static class SynapseKernels
{
    /// <summary>
    /// Event-driven delivery: current += sum over the inputs that fired of their weight rows.
    /// Work grows with the number of spikes, not with the size of the weight matrix.
    /// </summary>
    public static void DeliverSpikes(ReadOnlySpan<int> firedInputs, ReadOnlySpan<float> weights, int outputs, Span<float> current)
    {
        foreach (int i in firedInputs)
            VectorMath.Add(weights.Slice(i * outputs, outputs), current);
    }

    /// <summary>Analog delivery for one sample: current += sum_i x_i W[i, :], skipping zero inputs.</summary>
    public static void DeliverAnalog(ReadOnlySpan<float> input, ReadOnlySpan<float> weights, int outputs, Span<float> current)
    {
        for (int i = 0; i < input.Length; i++)
        {
            float x = input[i];
            if (x != 0f) VectorMath.AddScaled(x, weights.Slice(i * outputs, outputs), current);
        }
    }

    /// <summary>Writes the indices of the non-zero entries of <paramref name="spikes"/>; returns how many.</summary>
    public static int CompactSpikes(ReadOnlySpan<float> spikes, Span<int> fired)
    {
        int count = 0, i = 0, n = spikes.Length;
        if (Vector256.IsHardwareAccelerated)
        {
            ref float sr = ref MemoryMarshal.GetReference(spikes);
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                // One compare per eight neurons; silent neurons (the common case) cost no branch per neuron.
                uint bits = ~Vector256.Equals(Vector256.LoadUnsafe(ref sr, (nuint)i), Vector256<float>.Zero).ExtractMostSignificantBits() & 0xFF;
                while (bits != 0)
                {
                    fired[count++] = i + BitOperations.TrailingZeroCount(bits);
                    bits &= bits - 1;
                }
            }
        }
        for (; i < n; i++)
            if (spikes[i] != 0f) fired[count++] = i;
        return count;
    }
}
