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
        int count = 0;
        for (int i = 0; i < spikes.Length; i++)
            if (spikes[i] != 0f) fired[count++] = i;
        return count;
    }
}
