using SpikeLfp.Network.Populations;
using SpikeLfp.Neurons;

namespace SpikeLfp.Tests.Populations;

/// <summary>The population network simulation against a dense reference, across thread counts, and on the CUBA benchmark.</summary>
public class NetworkSimulationTests
{
    [Test]
    public void Small_network_matches_a_dense_reference_step_by_step()
    {
        // Two populations with different neurons; connectivity drawn here as dense 0/1 masks, given as explicit pairs.
        var a = new ReceptorLifParameters(20, -45, -60, -50, 2, [new Receptor("e", 5), new Receptor("i", 10)]);
        var b = new ReceptorLifParameters(10, -52, -65, -50, 1, [new Receptor("fast", 2), new Receptor("slow", 30), new Receptor("inh", 8)]);
        int[] sizes = [37, 21];
        var random = new Random(11);
        var projections = new (int From, int To, int Receptor, string Name, double Weight)[]
        {
            (0, 0, 0, "e", 1.5), (0, 1, 0, "fast", 2.0), (0, 1, 1, "slow", 0.7), (1, 0, 1, "i", -3.0), (1, 1, 2, "inh", -2.0), (0, 0, 1, "i", -0.4),
        };
        var masks = projections.Select(p => Mask(random, sizes[p.From], sizes[p.To], 0.25)).ToArray();
        var spec = new PopulationNetworkSpec(0.1,
            [new PopulationSpec("a", sizes[0], a, -60, -50), new PopulationSpec("b", sizes[1], b, -65, -50)],
            projections.Select((p, k) => new ProjectionSpec(p.From == 0 ? "a" : "b", p.To == 0 ? "a" : "b", p.Name, p.Weight, PairsOf(masks[k]))).ToList());
        var network = PopulationNetwork.Build(spec, seed: 5);
        var simulation = new NetworkSimulation(network);

        // The reference: plain arrays, one neuron at a time, every synapse looked up in the dense mask.
        var parameters = new[] { a, b };
        var propagators = parameters.Select(p => p.Propagator(0.1)).ToArray();
        var v = network.Populations.Select(p => p.Depolarization.ToArray()).ToArray();
        var g = sizes.Select((n, p) => new float[parameters[p].Receptors.Count, n]).ToArray();
        var hold = sizes.Select(n => new int[n]).ToArray();
        int spikes = 0;
        for (int step = 0; step < 2000; step++)
        {
            var fired = new List<int>[2];
            for (int p = 0; p < 2; p++)
            {
                fired[p] = [];
                var k = propagators[p];
                for (int i = 0; i < sizes[p]; i++)
                {
                    float u = v[p][i] * k.MembraneDecay; // v - E_l, as the population stores it
                    for (int r = 0; r < k.Receptors; r++)
                    {
                        u += g[p][r, i] * k.CurrentToMembrane[r];
                        g[p][r, i] *= k.CurrentDecay[r];
                    }
                    if (hold[p][i] > 0) { hold[p][i]--; continue; }
                    v[p][i] = u;
                    if (u > k.ThresholdAboveRest) { v[p][i] = k.ResetAboveRest; hold[p][i] = k.RefractorySteps; fired[p].Add(i); }
                }
            }
            for (int q = 0; q < projections.Length; q++)
            {
                var (from, to, receptor, _, weight) = projections[q];
                foreach (int i in fired[from])
                    for (int j = 0; j < sizes[to]; j++)
                        if (masks[q][i, j]) g[to][receptor, j] += (float)weight;
            }
            simulation.Step();
            for (int p = 0; p < 2; p++)
            {
                Assert.That(simulation.LastSpikes(p).ToArray(), Is.EqualTo(fired[p]), $"spikes of population {p} at step {step}");
                Assert.That(network.Populations[p].Depolarization.ToArray(), Is.EqualTo(v[p]), $"membranes of population {p} at step {step}");
                for (int r = 0; r < parameters[p].Receptors.Count; r++)
                    for (int i = 0; i < sizes[p]; i++)
                        Assert.That(network.Populations[p].Current(r)[i], Is.EqualTo(g[p][r, i]), $"current {r} of neuron {i}, population {p}, step {step}");
                spikes += fired[p].Count;
            }
        }
        Assert.That(spikes, Is.GreaterThan(200), "the network is active enough to test delivery");
    }

    private static bool[,] Mask(Random random, int rows, int columns, double p)
    {
        var mask = new bool[rows, columns];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < columns; j++) mask[i, j] = random.NextDouble() < p;
        return mask;
    }

    private static Pairs PairsOf(bool[,] mask)
    {
        var pre = new List<int>();
        var post = new List<int>();
        // Listed target-major, so building the rows really has to regroup them by source.
        for (int j = 0; j < mask.GetLength(1); j++)
            for (int i = 0; i < mask.GetLength(0); i++)
                if (mask[i, j]) { pre.Add(i); post.Add(j); }
        return new Pairs(pre.ToArray(), post.ToArray());
    }

    [Test]
    public void Spikes_and_state_do_not_depend_on_the_number_of_threads()
    {
        // 30,000 neurons: the excitatory population spans several parallel chunks.
        var spec = PopulationNetworkSpec.Cuba(30_000);
        (int[] Steps, int[] Neurons, float[] Membrane) Run(int threads)
        {
            var network = PopulationNetwork.Build(spec, seed: 3);
            var record = new SpikeRecord();
            new NetworkSimulation(network, threads).Run(400, record);
            return (record.Steps.ToArray(), record.Neurons.ToArray(), network.Populations[0].Depolarization.ToArray());
        }
        var one = Run(1);
        Assert.That(one.Steps, Has.Length.GreaterThan(1000));
        foreach (int threads in new[] { 2, 4 })
        {
            var many = Run(threads);
            Assert.That(many.Steps, Is.EqualTo(one.Steps), $"{threads} threads");
            Assert.That(many.Neurons, Is.EqualTo(one.Neurons), $"{threads} threads");
            Assert.That(many.Membrane, Is.EqualTo(one.Membrane), $"{threads} threads");
        }
    }

    [Test]
    public void Cuba_network_fires_asynchronously_at_Brian2s_rate()
    {
        // Brian2 2.5.1 gives 5.75-5.80 Hz for N = 4,000, 1 s; the issue asks for 10%. The CV estimator (mean over
        // neurons with two or more intervals) gives about 0.54 on Brian2's own spikes over 1 s (bench/cuba).
        var network = PopulationNetwork.Build(PopulationNetworkSpec.Cuba(4000), seed: 0);
        Assert.That(network.SynapseCount, Is.EqualTo(0.02 * 4000 * 4000).Within(5 * Math.Sqrt(0.02 * 4000 * 4000)));
        var record = new SpikeRecord();
        new NetworkSimulation(network, threads: 2).Run(10_000, record);
        var stats = SpikeStatistics.Compute(network, record, 10_000);
        double rate = stats.Sum(s => (double)s.Spikes) / 4000;
        Assert.That(rate, Is.InRange(5.78 * 0.9, 5.78 * 1.1));
        foreach (var s in stats)
        {
            Assert.That(s.MeanCv, Is.InRange(0.4, 1.2), s.Name);
            Assert.That(s.NeuronsWithCv, Is.GreaterThan(s.Neurons / 2), s.Name);
        }
        // Asynchronous: no 1 ms bin holds more than a small share of the population (a synchronous volley would).
        var rates = SpikeStatistics.PopulationRate(network, record, 0, 10_000, 10);
        Assert.That(rates.Skip(100).Max(), Is.LessThan(60), "population rate after the first 100 ms, Hz");
    }
}
