using SpikeLfp.Network.Simulation;

namespace SpikeLfp.Viz;

/// <summary>
/// The thin adapter from simulator recordings to the plain inputs of <see cref="Plots"/>; the only file of
/// this project that knows the recording layout.
/// </summary>
public static class RecordingViews
{
    /// <summary>Spike coordinates of one sample of one layer (any non-zero value counts as a spike).</summary>
    public static RasterLayer Raster(LayerRecording layer, int sample)
    {
        ArgumentNullException.ThrowIfNull(layer);
        CheckSample(layer, sample);
        var steps = new List<int>();
        var neurons = new List<int>();
        for (int t = 0; t < layer.Steps; t++)
        {
            var row = layer.Spikes.AsSpan(layer.IndexOf(t, sample, 0), layer.Neurons);
            for (int n = 0; n < row.Length; n++)
            {
                if (row[n] == 0f) continue;
                steps.Add(t);
                neurons.Add(n);
            }
        }
        return new RasterLayer(layer.Name, layer.Neurons, steps.ToArray(), neurons.ToArray());
    }

    /// <summary>Membrane traces of the chosen neurons of one sample.</summary>
    /// <exception cref="InvalidOperationException">The layer was recorded without membranes.</exception>
    public static IReadOnlyList<MembraneTrace> Membranes(LayerRecording layer, int sample, IReadOnlyList<int> neurons)
    {
        ArgumentNullException.ThrowIfNull(layer);
        ArgumentNullException.ThrowIfNull(neurons);
        CheckSample(layer, sample);
        float[] membranes = layer.Membranes
            ?? throw new InvalidOperationException($"Layer '{layer.Name}' was recorded without membranes; record with membranes to plot them.");
        var traces = new List<MembraneTrace>(neurons.Count);
        foreach (int n in neurons)
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)n, (uint)layer.Neurons, nameof(neurons));
            var v = new float[layer.Steps];
            var spikes = new List<int>();
            for (int t = 0; t < layer.Steps; t++)
            {
                int i = layer.IndexOf(t, sample, n);
                v[t] = membranes[i];
                if (layer.Spikes[i] != 0f) spikes.Add(t);
            }
            traces.Add(new MembraneTrace($"{layer.Name} {n}", v, spikes));
        }
        return traces;
    }

    /// <summary>
    /// Spike count of every neuron of every layer over the whole window, for one sample or (when
    /// <paramref name="sample"/> is null) for every sample of the batch pooled.
    /// </summary>
    public static IReadOnlyList<LayerValues> SpikeCounts(NetworkRecording recording, int? sample = null) =>
        PerNeuron(recording, sample, perStep: false);

    /// <summary>Firing rate (spikes per time step, in [0, 1]) of every neuron of every layer; see <see cref="SpikeCounts"/>.</summary>
    public static IReadOnlyList<LayerValues> FiringRates(NetworkRecording recording, int? sample = null) =>
        PerNeuron(recording, sample, perStep: true);

    private static List<LayerValues> PerNeuron(NetworkRecording recording, int? sample, bool perStep)
    {
        ArgumentNullException.ThrowIfNull(recording);
        var result = new List<LayerValues>(recording.Layers.Count);
        foreach (var layer in recording.Layers)
        {
            var values = new List<double>();
            int first = sample ?? 0, last = sample ?? layer.Batch - 1;
            if (sample is int s) CheckSample(layer, s);
            for (int b = first; b <= last; b++)
                foreach (int c in layer.SpikeCountsPerNeuron(b))
                    values.Add(perStep ? (double)c / layer.Steps : c);
            result.Add(new LayerValues(layer.Name, values));
        }
        return result;
    }

    private static void CheckSample(LayerRecording layer, int sample)
    {
        if ((uint)sample >= (uint)layer.Batch)
            throw new ArgumentOutOfRangeException(nameof(sample), sample, $"Layer '{layer.Name}' holds {layer.Batch} samples.");
    }
}
