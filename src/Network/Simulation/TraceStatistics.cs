namespace SpikeLfp.Network.Simulation;

/// <summary>Read-outs of a simulated batch: predictions, spike counts and rates.</summary>
public static class TraceStatistics
{
    /// <summary>Output spike count per neuron of sample <paramref name="sample"/>, summed over steps.</summary>
    public static void OutputCounts(ForwardTrace trace, int sample, Span<int> counts)
    {
        counts.Clear();
        var spikes = trace.Layers[^1].Spikes;
        for (int t = 0; t < trace.Steps; t++)
            foreach (int i in spikes.Fired(sample, t)) counts[i]++;
    }

    /// <summary>Argmax of output spike counts per sample (lowest index wins ties).</summary>
    public static void Predictions(ForwardTrace trace, Span<int> predictions)
    {
        int outputs = trace.Layers[^1].Size;
        Span<int> counts = outputs <= 1024 ? stackalloc int[outputs] : new int[outputs];
        for (int b = 0; b < trace.Batch; b++)
        {
            OutputCounts(trace, b, counts);
            int best = 0;
            for (int c = 1; c < outputs; c++) if (counts[c] > counts[best]) best = c;
            predictions[b] = best;
        }
    }

    /// <summary>Total spikes of layer <paramref name="layer"/> in the batch.</summary>
    public static long SpikeTotal(ForwardTrace trace, int layer) => trace.Layers[layer].Spikes.Total(trace.Batch);

    /// <summary>Fraction of (sample, step, neuron) slots of a layer that spiked.</summary>
    public static double SpikeRate(ForwardTrace trace, int layer)
        => SpikeTotal(trace, layer) / (double)((long)trace.Batch * trace.Steps * trace.Layers[layer].Size);
}
