using SpikeLfp.Network.Model;
using SpikeLfp.Nir;

namespace SpikeLfp.Tests.Nir;

public class NirReaderTests
{
    [TestCase("lif_norse.nir", "0.1.1", 4, 3)]
    [TestCase("lif_rockpool.nir", "0.2.0", 4, 3)]
    [TestCase("cnn_sinabs.nir", "0.2.0", 15, 14)]
    [TestCase("braille_noDelay_bias_zero.nir", "0.2.0", 7, 7)]
    [TestCase("braille_noDelay_noBias_subtract.nir", "0.2.0", 7, 7)]
    public void Every_paper_graph_loads_with_its_version_nodes_and_edges(string file, string version, int nodes, int edges)
    {
        var graph = NirReader.Read(NirFixtures.Path(file));
        Assert.That(graph.Version, Is.EqualTo(version));
        Assert.That(graph.Nodes, Has.Count.EqualTo(nodes));
        Assert.That(graph.Edges, Has.Count.EqualTo(edges));
        Assert.That(graph.OfType("Input"), Has.Count.EqualTo(1));
        Assert.That(graph.OfType("Output"), Has.Count.EqualTo(1));
    }

    [Test]
    public void Norse_lif_keeps_float32_parameters_and_int64_shapes()
    {
        var graph = NirReader.Read(NirFixtures.Path("lif_norse.nir"));
        var lif = graph["1"];
        Assert.That(lif.Type, Is.EqualTo("LIF"));
        Assert.That(lif.Parameters.Keys, Is.EquivalentTo(new[] { "tau", "r", "v_leak", "v_threshold" }));
        Assert.That(lif.Parameters["tau"].ElementType, Is.EqualTo(NirElementType.Float32));
        Assert.That(lif.Parameters["tau"].Values[0], Is.EqualTo(0.0025).Within(1e-9));
        Assert.That(lif.Parameters["v_threshold"].Values[0], Is.EqualTo(0.1).Within(1e-8));
        Assert.That(graph["0"].Parameters["weight"].Shape, Is.EqualTo(new[] { 1, 1 }));
        Assert.That(graph["input"].Parameters["shape"].ElementType, Is.EqualTo(NirElementType.Int64));
        Assert.That(graph.Edges, Is.EqualTo(new[] { new NirEdge("input", "0"), new NirEdge("0", "1"), new NirEdge("1", "output") }));
        Assert.That(graph.HasCycle(), Is.False);
    }

    [Test]
    public void Rockpool_output_shape_is_read_as_stored()
    {
        var graph = NirReader.Read(NirFixtures.Path("lif_rockpool.nir"));
        Assert.That(graph["output"].Parameters["shape"].Values, Is.EqualTo(new double[] { 1, 1, 1 }));
        Assert.That(graph["1_LIFNeuronTorch"].Parameters["r"].Values[0], Is.EqualTo(24.0197).Within(1e-4));
    }

    [Test]
    public void Sinabs_cnn_keeps_4d_weights_3d_neuron_parameters_and_0d_scalars()
    {
        var graph = NirReader.Read(NirFixtures.Path("cnn_sinabs.nir"));
        Assert.That(graph["0"].Type, Is.EqualTo("Conv2d"));
        Assert.That(graph["0"].Parameters["weight"].Shape, Is.EqualTo(new[] { 16, 2, 5, 5 }));
        Assert.That(graph["0"].Parameters["stride"].Values, Is.EqualTo(new double[] { 2, 2 }));
        Assert.That(graph["0"].Parameters["groups"].Shape, Is.Empty, "a 0-d array has no dimensions");
        Assert.That(graph["0"].Parameters["groups"].Values, Is.EqualTo(new double[] { 1 }));
        Assert.That(graph["1"].Type, Is.EqualTo("IF"));
        Assert.That(graph["1"].Parameters["v_threshold"].Shape, Is.EqualTo(new[] { 16, 16, 16 }));
        Assert.That(graph["4"].Type, Is.EqualTo("SumPool2d"));
        Assert.That(graph["8"].Parameters["end_dim"].Values, Is.EqualTo(new double[] { -1 }));
        Assert.That(graph["input"].Parameters["shape"].Values, Is.EqualTo(new double[] { 2, 34, 34 }));
    }

    [Test]
    public void Braille_graph_has_float64_neurons_and_a_recurrent_cycle()
    {
        var graph = NirReader.Read(NirFixtures.Path("braille_noDelay_bias_zero.nir"));
        var lif = graph["lif1.lif"];
        Assert.That(lif.Type, Is.EqualTo("CubaLIF"));
        Assert.That(lif.Parameters["tau_mem"].ElementType, Is.EqualTo(NirElementType.Float64));
        Assert.That(lif.Parameters["tau_mem"].Shape, Is.EqualTo(new[] { 38 }));
        Assert.That(graph["lif1.w_rec"].Parameters["weight"].ElementType, Is.EqualTo(NirElementType.Float32));
        Assert.That(graph.Successors("lif1.lif"), Is.EquivalentTo(new[] { "lif1.w_rec", "fc2" }));
        Assert.That(graph.HasCycle(), Is.True);
    }

    [Test]
    public void Nested_subgraph_whose_edges_name_a_missing_node_is_refused_naming_it()
    {
        // The paper's subgraph variant stores the neuron as "lif1" but its inner edges say "lif".
        var path = NirFixtures.Path("braille_noDelay_bias_zero_subgraph.nir");
        var e = Assert.Throws<InvalidModelException>(() => NirReader.Read(path))!;
        Assert.That(e.Message, Does.StartWith(path).And.Contain("'lif1.lif'").And.Not.Contain("\n"));
    }
}
