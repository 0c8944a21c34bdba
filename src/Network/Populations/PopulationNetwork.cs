using SpikeLfp.Network.Encoding;
using SpikeLfp.Neurons;

namespace SpikeLfp.Network.Populations;

/// <summary>
/// A network built from a <see cref="PopulationNetworkSpec"/> and a seed: its populations (with their state) and the
/// drawn projections. Deterministic: the same spec and seed give the same synapses and initial membranes.
/// </summary>
public sealed class PopulationNetwork
{
    // Separate counter-based streams for the initial membranes and for each projection's synapses.
    private const ulong MembraneStream = 0x4D454D42UL << 32, ProjectionStream = 0x50524F4AUL << 32;

    private PopulationNetwork(PopulationNetworkSpec spec, ReceptorLifPopulation[] populations, Projection[] projections)
    {
        Spec = spec;
        Populations = populations;
        Projections = projections;
        var offsets = new int[populations.Length + 1];
        for (int p = 0; p < populations.Length; p++) offsets[p + 1] = offsets[p] + populations[p].Size;
        Offsets = offsets;
    }

    /// <summary>What it was built from.</summary>
    public PopulationNetworkSpec Spec { get; }
    /// <summary>The populations, in the spec's order.</summary>
    public IReadOnlyList<ReceptorLifPopulation> Populations { get; }
    /// <summary>The projections, in the spec's order.</summary>
    public IReadOnlyList<Projection> Projections { get; }
    /// <summary>Global index of each population's first neuron (populations are numbered in order), plus the total.</summary>
    public IReadOnlyList<int> Offsets { get; }
    /// <summary>Total number of neurons.</summary>
    public int NeuronCount => Offsets[^1];
    /// <summary>Total number of synapses.</summary>
    public long SynapseCount => Projections.Sum(p => (long)p.SynapseCount);

    /// <summary>Builds the network; throws <see cref="ArgumentException"/> for an invalid spec.</summary>
    public static PopulationNetwork Build(PopulationNetworkSpec spec, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(spec);
        spec.Validate();
        var populations = new ReceptorLifPopulation[spec.Populations.Count];
        for (int p = 0; p < populations.Length; p++)
        {
            var s = spec.Populations[p];
            var population = populations[p] = new ReceptorLifPopulation(s.Size, s.Neuron, spec.DtMs);
            double span = s.InitialMembraneMaxMv - s.InitialMembraneMinMv;
            for (int i = 0; i < s.Size; i++)
                population.SetMembranePotential(i, s.InitialMembraneMinMv + span * CounterRandom.Uniform(seed, MembraneStream | (uint)p, (ulong)i, 0));
        }
        int Index(string name) => spec.Populations.Select((p, i) => (p, i)).First(x => x.p.Name == name).i;
        var projections = new Projection[spec.Projections.Count];
        for (int k = 0; k < projections.Length; k++)
        {
            var s = spec.Projections[k];
            int source = Index(s.Source), target = Index(s.Target);
            SparseRows rows;
            try { rows = s.Rule.Connect(populations[source].Size, populations[target].Size, source == target, seed, ProjectionStream | (uint)k); }
            catch (ArgumentException e) { throw new ArgumentException($"projection {s.Name}: {e.Message}", e); }
            projections[k] = new Projection(s.Name, source, target, populations[target].Parameters.ReceptorIndex(s.Receptor),
                (float)s.WeightMv, populations[target].Size, rows.RowStart, rows.Targets);
        }
        return new PopulationNetwork(spec, populations, projections);
    }
}
