namespace SpikeLfp.Network.Simulation;

/// <summary>Read-outs of a simulated batch: predictions, spike counts and rates.</summary>
public static class TraceStatistics
{
    /// <summary>
    /// The first membrane of the simulated batch that is NaN or infinite, as (layer, sample, step), or null when all
    /// are finite: a float32 overflow (weights of 1e38, a learning rate far too large) that no result may hide.
    /// </summary>
    /// <exception cref="ArgumentException">The trace does not keep every sample's states (<see cref="ForwardTrace.KeepsAllStates"/>).</exception>
    public static (int Layer, int Sample, int Step)? FirstNonFiniteMembrane(ForwardTrace trace)
    {
        if (!trace.KeepsAllStates) throw new ArgumentException("the trace keeps the states of the samples being simulated only; check each sample while it is (FirstNonFiniteMembrane(trace, sample)).", nameof(trace));
        for (int k = 0; k < trace.Layers.Length; k++)
        {
            var layer = trace.Layers[k];
            int perSample = trace.Steps * layer.Size;
            var membranes = layer.Membrane.AsSpan(0, trace.Batch * perSample);
            if (Synapses.VectorMath.AllFinite(membranes)) continue;
            for (int i = 0; i < membranes.Length; i++)
                if (!float.IsFinite(membranes[i])) return (k, i / perSample, i % perSample / layer.Size);
        }
        return null;
    }

    /// <summary>
    /// The first non-finite membrane of sample <paramref name="sample"/> as (layer, step), or null when all are finite; for a
    /// trace that does not keep every sample's states, call it while the sample's states exist.
    /// </summary>
    public static (int Layer, int Step)? FirstNonFiniteMembrane(ForwardTrace trace, int sample)
    {
        for (int k = 0; k < trace.Layers.Length; k++)
        {
            var membranes = trace.Layers[k].MembranesOf(sample);
            if (Synapses.VectorMath.AllFinite(membranes)) continue;
            for (int i = 0; i < membranes.Length; i++)
                if (!float.IsFinite(membranes[i])) return (k, i / trace.Layers[k].Size);
        }
        return null;
    }

    /// <summary>Output spike count per neuron of sample <paramref name="sample"/>, summed over steps.</summary>
    public static void OutputCounts(ForwardTrace trace, int sample, Span<int> counts)
    {
        counts.Clear();
        var spikes = trace.Layers[^1].Spikes;
        for (int t = 0; t < trace.Steps; t++)
            foreach (int i in spikes.Fired(sample, t)) counts[i]++;
    }

    /// <summary>
    /// Argmax of output spike counts per sample (lowest index wins ties); for a non-spiking readout, argmax of the
    /// membrane averaged over the steps (<see cref="ReadoutLogits"/>).
    /// </summary>
    public static void Predictions(ForwardTrace trace, Span<int> predictions)
    {
        int outputs = trace.Layers[^1].Size;
        if (!trace.Layers[^1].IsSpiking)
        {
            Span<float> logits = outputs <= 1024 ? stackalloc float[outputs] : new float[outputs];
            for (int b = 0; b < trace.Batch; b++)
            {
                ReadoutLogits(trace, b, logits);
                int top = 0;
                for (int c = 1; c < outputs; c++) if (logits[c] > logits[top]) top = c;
                predictions[b] = top;
            }
            return;
        }
        Span<int> counts = outputs <= 1024 ? stackalloc int[outputs] : new int[outputs];
        for (int b = 0; b < trace.Batch; b++)
        {
            OutputCounts(trace, b, counts);
            int best = 0;
            for (int c = 1; c < outputs; c++) if (counts[c] > counts[best]) best = c;
            predictions[b] = best;
        }
    }

    /// <summary>A readout's logits for one sample: its membrane averaged over the steps, (1/T) sum_t u_t.</summary>
    public static void ReadoutLogits(ForwardTrace trace, int sample, Span<float> logits)
    {
        var output = trace.Layers[^1];
        logits.Clear();
        for (int t = 0; t < trace.Steps; t++)
        {
            var u = output.MembraneAt(sample, t);
            for (int c = 0; c < logits.Length; c++) logits[c] += u[c];
        }
        for (int c = 0; c < logits.Length; c++) logits[c] /= trace.Steps;
    }

    /// <summary>Total spikes of layer <paramref name="layer"/> in the batch.</summary>
    public static long SpikeTotal(ForwardTrace trace, int layer) => trace.Layers[layer].Spikes.Total(trace.Batch);

    /// <summary>Fraction of (sample, step, neuron) slots of a layer that spiked.</summary>
    public static double SpikeRate(ForwardTrace trace, int layer)
        => SpikeTotal(trace, layer) / (double)((long)trace.Batch * trace.Steps * trace.Layers[layer].Size);
}
