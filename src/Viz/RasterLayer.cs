namespace SpikeLfp.Viz;

/// <summary>
/// The spikes of one layer for one sample, as parallel arrays of (step, neuron) coordinates: the plain input
/// of the spike raster.
/// </summary>
public sealed class RasterLayer
{
    /// <summary>Creates a layer of <paramref name="neurons"/> neurons with spikes at (<paramref name="spikeSteps"/>[i], <paramref name="spikeNeurons"/>[i]).</summary>
    /// <exception cref="ArgumentException">The arrays differ in length or a neuron index is out of range.</exception>
    public RasterLayer(string name, int neurons, int[] spikeSteps, int[] spikeNeurons)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(neurons);
        ArgumentNullException.ThrowIfNull(spikeSteps);
        ArgumentNullException.ThrowIfNull(spikeNeurons);
        if (spikeSteps.Length != spikeNeurons.Length)
            throw new ArgumentException($"{spikeSteps.Length} spike steps but {spikeNeurons.Length} spike neurons.", nameof(spikeNeurons));
        foreach (int n in spikeNeurons)
            if ((uint)n >= (uint)neurons)
                throw new ArgumentException($"Spike neuron {n} is outside layer '{name}' of {neurons} neurons.", nameof(spikeNeurons));
        foreach (int t in spikeSteps)
            if (t < 0) throw new ArgumentException($"Spike step {t} is negative.", nameof(spikeSteps));
        Name = name;
        Neurons = neurons;
        SpikeSteps = spikeSteps;
        SpikeNeurons = spikeNeurons;
    }

    /// <summary>Layer name shown on the panel's axis, for example "input" or "hidden1".</summary>
    public string Name { get; }
    /// <summary>Number of neurons (rows of the panel).</summary>
    public int Neurons { get; }
    /// <summary>Time step of each spike.</summary>
    public int[] SpikeSteps { get; }
    /// <summary>Neuron index of each spike.</summary>
    public int[] SpikeNeurons { get; }
    /// <summary>Number of spikes.</summary>
    public int SpikeCount => SpikeSteps.Length;
}
