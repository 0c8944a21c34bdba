using System.Runtime.CompilerServices;

namespace SpikeLfp.Network.Populations;

/// <summary>
/// A sparse projection from one population onto another (or onto itself), stored compressed by presynaptic neuron
/// (CSR): the targets of source neuron i are <c>Targets[RowStart[i] .. RowStart[i + 1])</c>, so a spike touches
/// exactly its targets. Every synapse has the projection's weight and acts on one receptor of the target neurons.
/// </summary>
public sealed class Projection
{
    /// <summary>Creates a projection from its CSR arrays (validated).</summary>
    /// <exception cref="ArgumentException">The arrays are inconsistent or a target is out of range.</exception>
    public Projection(string name, int source, int target, int receptor, float weight, int targetSize, int[] rowStart, int[] targets)
    {
        ArgumentNullException.ThrowIfNull(rowStart);
        ArgumentNullException.ThrowIfNull(targets);
        if (rowStart.Length == 0 || rowStart[0] != 0 || rowStart[^1] != targets.Length)
            throw new ArgumentException("rowStart must start at 0 and end at the number of synapses.", nameof(rowStart));
        for (int i = 1; i < rowStart.Length; i++)
            if (rowStart[i] < rowStart[i - 1]) throw new ArgumentException("rowStart must not decrease.", nameof(rowStart));
        foreach (int t in targets)
            if ((uint)t >= (uint)targetSize) throw new ArgumentException($"target {t} is outside a population of {targetSize}.", nameof(targets));
        if (!float.IsFinite(weight)) throw new ArgumentException($"weight must be finite, got {weight}.", nameof(weight));
        Name = name;
        Source = source;
        Target = target;
        Receptor = receptor;
        Weight = weight;
        RowStart = rowStart;
        TargetNeurons = targets;
    }

    /// <summary>Name, for reports ("excitatory->inhibitory").</summary>
    public string Name { get; }
    /// <summary>Index of the source population.</summary>
    public int Source { get; }
    /// <summary>Index of the target population.</summary>
    public int Target { get; }
    /// <summary>Index of the receptor (in the target's neuron parameters) that the synapses step up.</summary>
    public int Receptor { get; }
    /// <summary>Weight of every synapse, added to the receptor's current per spike (mV).</summary>
    public float Weight { get; }
    /// <summary>CSR row offsets, one per source neuron plus one.</summary>
    public int[] RowStart { get; }
    /// <summary>Target neuron of every synapse, grouped by source neuron.</summary>
    public int[] TargetNeurons { get; }
    /// <summary>Number of source neurons.</summary>
    public int SourceSize => RowStart.Length - 1;
    /// <summary>Number of synapses.</summary>
    public int SynapseCount => TargetNeurons.Length;

    /// <summary>The targets of source neuron <paramref name="neuron"/>.</summary>
    public ReadOnlySpan<int> TargetsOf(int neuron) => TargetNeurons.AsSpan(RowStart[neuron], RowStart[neuron + 1] - RowStart[neuron]);

    /// <summary>
    /// Event-driven delivery: for every source neuron in <paramref name="spiked"/>, adds the weight to the current of
    /// each of its targets, in the order given (so sums are reproducible).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Deliver(ReadOnlySpan<int> spiked, Span<float> current)
    {
        float w = Weight;
        int[] rows = RowStart, targets = TargetNeurons;
        foreach (int s in spiked)
            for (int j = rows[s], end = rows[s + 1]; j < end; j++) current[targets[j]] += w;
    }
}
