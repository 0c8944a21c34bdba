using SpikeLfp.Neurons;

namespace SpikeLfp.Network.Populations;

/// <summary>
/// A population of identical neurons. Initial membranes are drawn uniformly from
/// [<paramref name="InitialMembraneMinMv"/>, <paramref name="InitialMembraneMaxMv"/>] (equal bounds: one value).
/// </summary>
public sealed record PopulationSpec(string Name, int Size, ReceptorLifParameters Neuron, double InitialMembraneMinMv, double InitialMembraneMaxMv);

/// <summary>
/// A projection from population <paramref name="Source"/> onto <paramref name="Target"/> (the same name: a population
/// onto itself); every synapse adds <paramref name="WeightMv"/> to the target's receptor <paramref name="Receptor"/> per spike.
/// </summary>
public sealed record ProjectionSpec(string Source, string Target, string Receptor, double WeightMv, ConnectionRule Rule)
{
    /// <summary>"source->target".</summary>
    public string Name => $"{Source}->{Target}";
}

/// <summary>A network of populations and sparse projections, stepped by <paramref name="DtMs"/>; validated by <see cref="Validate"/>.</summary>
public sealed record PopulationNetworkSpec(double DtMs, IReadOnlyList<PopulationSpec> Populations, IReadOnlyList<ProjectionSpec> Projections)
{
    /// <summary>Excitatory synapses per neuron in the CUBA benchmark (p = 80 / N: 0.02 at N = 4,000, 0.002 at 40,000).</summary>
    public const double CubaConnectionsPerNeuron = 80;

    /// <summary>
    /// The Vogels-Abbott CUBA benchmark as in Brian2's example: <paramref name="neurons"/> neurons, 80% excitatory and
    /// 20% inhibitory, all pairs connected with p = 80 / N (0.02 at N = 4,000), w_e = 1.62 mV onto g_e, w_i = -9 mV onto
    /// g_i, initial v uniform in [V_r, V_t], dt 0.1 ms.
    /// </summary>
    public static PopulationNetworkSpec Cuba(int neurons)
    {
        if (neurons < 5) throw new ArgumentException($"the CUBA network needs at least 5 neurons, got {neurons}.");
        var neuron = ReceptorLifParameters.Cuba;
        int excitatory = (int)Math.Round(neurons * 0.8);
        double p = Math.Min(1, CubaConnectionsPerNeuron / neurons);
        var rule = new RandomConnections(p);
        const double we = 60 * 0.27 / 10, wi = -20 * 4.5 / 10; // Brian2's example: 1.62 mV and -9 mV
        PopulationSpec Population(string name, int size) => new(name, size, neuron, neuron.ResetPotentialMv, neuron.ThresholdMv);
        return new PopulationNetworkSpec(0.1,
            [Population("excitatory", excitatory), Population("inhibitory", neurons - excitatory)],
            [
                new ProjectionSpec("excitatory", "excitatory", "e", we, rule),
                new ProjectionSpec("excitatory", "inhibitory", "e", we, rule),
                new ProjectionSpec("inhibitory", "excitatory", "i", wi, rule),
                new ProjectionSpec("inhibitory", "inhibitory", "i", wi, rule),
            ]);
    }

    /// <summary>Total number of neurons.</summary>
    public int NeuronCount => Populations.Sum(p => p.Size);

    /// <summary>Checks names, sizes and references; throws <see cref="ArgumentException"/> naming the first problem.</summary>
    public void Validate()
    {
        if (!double.IsFinite(DtMs) || DtMs <= 0) throw new ArgumentException($"dt must be a finite number > 0 ms, got {DtMs}.");
        if (Populations.Count == 0) throw new ArgumentException("a network needs at least one population.");
        var names = new HashSet<string>(StringComparer.Ordinal);
        long total = 0;
        foreach (var p in Populations)
        {
            if (string.IsNullOrWhiteSpace(p.Name)) throw new ArgumentException("every population needs a name.");
            if (!names.Add(p.Name)) throw new ArgumentException($"population '{p.Name}' is defined twice.");
            if (p.Size <= 0) throw new ArgumentException($"population '{p.Name}' must have at least one neuron, got {p.Size}.");
            if (!double.IsFinite(p.InitialMembraneMinMv) || !double.IsFinite(p.InitialMembraneMaxMv) || p.InitialMembraneMinMv > p.InitialMembraneMaxMv)
                throw new ArgumentException($"population '{p.Name}': the initial membrane range [{p.InitialMembraneMinMv}, {p.InitialMembraneMaxMv}] mV is not a finite range.");
            total += p.Size;
        }
        if (total > int.MaxValue / 4) throw new ArgumentException($"the network has {total} neurons; at most {int.MaxValue / 4} are supported.");
        foreach (var projection in Projections)
        {
            var target = Populations.FirstOrDefault(p => p.Name == projection.Target)
                ?? throw new ArgumentException($"projection {projection.Name}: no population named '{projection.Target}'.");
            if (!names.Contains(projection.Source)) throw new ArgumentException($"projection {projection.Name}: no population named '{projection.Source}'.");
            if (target.Neuron.ReceptorIndex(projection.Receptor) < 0)
                throw new ArgumentException($"projection {projection.Name}: population '{target.Name}' has no receptor '{projection.Receptor}' (it has {string.Join(", ", target.Neuron.Receptors.Select(r => r.Name))}).");
            if (!double.IsFinite(projection.WeightMv)) throw new ArgumentException($"projection {projection.Name}: the weight must be a finite number.");
        }
    }
}
