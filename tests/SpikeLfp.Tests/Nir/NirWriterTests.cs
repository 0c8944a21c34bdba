using PureHDF;
using SpikeLfp.Network.Model;
using SpikeLfp.Neurons;
using SpikeLfp.Nir;

namespace SpikeLfp.Tests.Nir;

public class NirWriterTests
{
    private string _folder = "";

    [SetUp]
    public void CreateFolder() => _folder = Directory.CreateTempSubdirectory("spikelfp-nir-").FullName;

    [TearDown]
    public void DeleteFolder() => Directory.Delete(_folder, recursive: true);

    private static SpikingNetwork DenseLif() => SpikingNetwork.Create([5, 8, 3], new LifParameters(0.9f, 1f), seed: 1);

    private static SpikingNetwork RecurrentCuba() => SpikingNetwork.Create(new NetworkSpec(12,
    [
        new LayerSpec(10, new CubaLifNeuron(new LifParameters(0.85f, 1f, ResetMode.Subtract, delayedReset: false), 0.75f), Recurrent: true),
        new LayerSpec(7, new CubaLifNeuron(new LifParameters(0.7f, 0.5f, ResetMode.Subtract, delayedReset: false), 0.45f)),
    ]), seed: 2);

    private static SpikingNetwork LiReadout() => SpikingNetwork.Create(new NetworkSpec(4,
    [
        new LayerSpec(6, new LifNeuron(new LifParameters(0.95f, 1f, ResetMode.ZeroAll))),
        new LayerSpec(2, new LiNeuron(new LifParameters(0.8f, 1f))),
    ]), seed: 3);

    private static SpikingNetwork IntegrateAndFire() => SpikingNetwork.Create([6, 5, 3], new LifParameters(1f, 1f), seed: 4);

    private static IEnumerable<TestCaseData> Networks()
    {
        foreach (var rule in new[] { NirDiscretisation.Euler, NirDiscretisation.Exact })
        {
            yield return new TestCaseData((Func<SpikingNetwork>)DenseLif, new NirImportOptions(1e-3, rule, ResetMode.Subtract, true)).SetArgDisplayNames("dense LIF", rule.ToString());
            yield return new TestCaseData((Func<SpikingNetwork>)RecurrentCuba, new NirImportOptions(1e-4, rule, ResetMode.Subtract, false)).SetArgDisplayNames("recurrent CubaLIF", rule.ToString());
            yield return new TestCaseData((Func<SpikingNetwork>)IntegrateAndFire, new NirImportOptions(1e-3, rule, ResetMode.Subtract, true)).SetArgDisplayNames("IF", rule.ToString());
            yield return new TestCaseData((Func<SpikingNetwork>)LiReadout, new NirImportOptions(1e-3, rule, ResetMode.ZeroAll, true)).SetArgDisplayNames("LIF + LI readout", rule.ToString());
        }
    }

    [TestCaseSource(nameof(Networks))]
    public void Export_then_import_gives_back_the_same_model(Func<SpikingNetwork> build, NirImportOptions options)
    {
        var network = build();
        string path = Path.Combine(_folder, "model.nir");
        NirWriter.Write(NirExporter.ToGraph(network, options), path);
        var back = NirImporter.ToNetwork(NirReader.Read(path), options, path);
        // The model file holds every weight and neuron parameter in round-trip form: equal text, equal model.
        Assert.That(ModelFile.ToJson(back), Is.EqualTo(ModelFile.ToJson(network)));
        Assert.That(Directory.GetFiles(_folder), Has.Length.EqualTo(1), "no temporary file left behind");
    }

    [Test]
    public void Written_file_has_the_layout_group_names_and_dtypes_of_snntorchs_braille_file()
    {
        string path = Path.Combine(_folder, "braille.nir");
        NirWriter.Write(NirExporter.ToGraph(RecurrentCuba(), new NirImportOptions(1e-4)), path);
        using var ours = H5File.OpenRead(path);
        using var theirs = H5File.OpenRead(NirFixtures.Path("braille_noDelay_bias_zero.nir"));
        foreach (var file in new[] { ours, theirs })
        {
            Assert.That(file.Dataset("version").Type.Class, Is.EqualTo(H5DataTypeClass.VariableLength));
            Assert.That(file.Dataset("node/type").Read<string>(), Is.EqualTo("NIRGraph"));
            var edges = file.Dataset("node/edges");
            Assert.That(edges.Type.Class, Is.EqualTo(H5DataTypeClass.VariableLength));
            Assert.That(edges.Space.Dimensions, Is.EqualTo(new ulong[] { 7, 2 }));
        }
        // Field by field: same type strings, same parameter dtypes and ranks for each kind of node.
        foreach (var (mine, reference) in new[] { ("fc1", "fc1"), ("rec1", "lif1.w_rec"), ("lif1", "lif1.lif"), ("lif2", "lif2"), ("input", "input"), ("output", "output") })
        {
            var a = ours.Group($"node/nodes/{mine}");
            var b = theirs.Group($"node/nodes/{reference}");
            Assert.That(a.Dataset("type").Read<string>(), Is.EqualTo(b.Dataset("type").Read<string>()), mine);
            Assert.That(a.Dataset("type").Type.Class, Is.EqualTo(b.Dataset("type").Type.Class), mine);
            foreach (var field in b.Children().OfType<IH5Dataset>().Where(d => d.Name != "type"))
            {
                var ourField = a.Dataset(field.Name);
                Assert.That((ourField.Type.Class, ourField.Type.Size, ourField.Space.Dimensions.Length),
                    Is.EqualTo((field.Type.Class, field.Type.Size, field.Space.Dimensions.Length)), $"{mine}/{field.Name}");
            }
        }
    }

    [Test]
    public void A_nested_subgraph_is_flattened_with_dotted_names_and_joined_edges()
    {
        // The paper's subgraph files are malformed (see NirReaderTests): build a correct one the way nir writes it.
        var weight = new H5Dataset(new float[] { 1f, 2f }, fileDims: [2, 1]);
        var inner = new H5Group
        {
            ["type"] = "NIRGraph",
            ["nodes"] = new H5Group
            {
                ["input"] = new H5Group { ["type"] = "Input", ["shape"] = new long[] { 2 } },
                ["lif"] = Lif(2),
                ["w_rec"] = new H5Group { ["type"] = "Linear", ["weight"] = new H5Dataset(new float[] { 0, 0.5f, 0.5f, 0 }, fileDims: [2, 2]) },
                ["output"] = new H5Group { ["type"] = "Output", ["shape"] = new long[] { 2 } },
            },
            ["edges"] = new[,] { { "input", "lif" }, { "lif", "w_rec" }, { "w_rec", "lif" }, { "lif", "output" } },
        };
        string path = WriteGraph(new H5Group
        {
            ["input"] = new H5Group { ["type"] = "Input", ["shape"] = new long[] { 1 } },
            ["fc"] = new H5Group { ["type"] = "Linear", ["weight"] = weight },
            ["rnn"] = inner,
            ["output"] = new H5Group { ["type"] = "Output", ["shape"] = new long[] { 2 } },
        }, new[,] { { "input", "fc" }, { "fc", "rnn" }, { "rnn", "output" } });

        var graph = NirReader.Read(path);
        Assert.That(graph.Nodes.Select(n => n.Name), Is.EquivalentTo(new[] { "input", "fc", "rnn.lif", "rnn.w_rec", "output" }));
        Assert.That(graph.Edges, Is.EquivalentTo(new[]
        {
            new NirEdge("input", "fc"), new NirEdge("fc", "rnn.lif"), new NirEdge("rnn.lif", "rnn.w_rec"),
            new NirEdge("rnn.w_rec", "rnn.lif"), new NirEdge("rnn.lif", "output"),
        }));
        var network = NirImporter.ToNetwork(graph, new NirImportOptions(1e-3), path);
        Assert.That(network.Layers.Single().IsRecurrent, Is.True);
    }

    private static H5Group Lif(int n, float tau = 0.01f) => new()
    {
        ["type"] = "LIF",
        ["tau"] = Enumerable.Repeat(tau, n).ToArray(),
        ["r"] = Enumerable.Repeat(10f, n).ToArray(),
        ["v_leak"] = new float[n],
        ["v_threshold"] = Enumerable.Repeat(1f, n).ToArray(),
    };

    private string WriteGraph(H5Group nodes, string[,] edges, bool withType = true)
    {
        string path = Path.Combine(_folder, $"g{Guid.NewGuid():N}.nir");
        var node = new H5Group { ["nodes"] = nodes, ["edges"] = edges };
        if (withType) node["type"] = "NIRGraph";
        new H5File { ["version"] = "1.0.0", ["node"] = node }.Write(path);
        return path;
    }

    private string Chain(H5Group neuron, int size = 2) => WriteGraph(new H5Group
    {
        ["input"] = new H5Group { ["type"] = "Input", ["shape"] = new long[] { 1 } },
        ["fc"] = new H5Group { ["type"] = "Linear", ["weight"] = new H5Dataset(new float[size], fileDims: [(ulong)size, 1]) },
        ["n"] = neuron,
        ["output"] = new H5Group { ["type"] = "Output", ["shape"] = new long[] { size } },
    }, new[,] { { "input", "fc" }, { "fc", "n" }, { "n", "output" } });

    private static void AssertRefused(string path, params string[] fragments)
    {
        var e = Assert.Throws<InvalidModelException>(() => NirImporter.ToNetwork(NirReader.Read(path), new NirImportOptions(1e-3), path))!;
        Assert.That(e.Message, Does.StartWith(path).And.Not.Contain("\n"));
        foreach (string fragment in fragments) Assert.That(e.Message, Does.Contain(fragment));
    }

    [Test]
    public void Bad_files_are_refused_with_one_line_naming_the_file_and_node()
    {
        string text = Path.Combine(_folder, "text.nir");
        File.WriteAllText(text, "not hdf5");
        AssertRefused(text, "not a readable HDF5 NIR file");

        string truncated = Path.Combine(_folder, "truncated.nir");
        var bytes = File.ReadAllBytes(NirFixtures.Path("lif_norse.nir"));
        File.WriteAllBytes(truncated, bytes[..(bytes.Length / 3)]);
        AssertRefused(truncated);

        AssertRefused(Path.Combine(_folder, "missing.nir"), "not found");

        var untyped = Lif(2);
        untyped.Remove("type");
        AssertRefused(Chain(untyped), "node 'n'", "no 'type'");

        AssertRefused(Chain(new H5Group { ["type"] = "Delay", ["delay"] = new float[2] }), "node 'n'", "'Delay'");

        AssertRefused(Chain(Lif(2, tau: float.NaN)), "node 'n' (LIF)", "NaN");

        var varying = Lif(2);
        varying["tau"] = new[] { 0.01f, 0.02f };
        AssertRefused(Chain(varying), "node 'n' (LIF)", "'tau' varying");

        AssertRefused(Chain(Lif(3), size: 2), "node 'n' (LIF)", "3 values of 'tau' for 2 neurons");
    }

    [Test]
    public void Shapes_that_do_not_chain_are_refused_naming_the_node()
    {
        string path = WriteGraph(new H5Group
        {
            ["input"] = new H5Group { ["type"] = "Input", ["shape"] = new long[] { 3 } },
            ["fc"] = new H5Group { ["type"] = "Linear", ["weight"] = new H5Dataset(new float[4], fileDims: [2, 2]) },
            ["n"] = Lif(2),
            ["output"] = new H5Group { ["type"] = "Output", ["shape"] = new long[] { 2 } },
        }, new[,] { { "input", "fc" }, { "fc", "n" }, { "n", "output" } });
        AssertRefused(path, "node 'fc' (Linear)", "takes 2 inputs but is fed 3");
    }

    [Test]
    public void A_loop_over_several_layers_is_refused_not_walked_forever()
    {
        string path = WriteGraph(new H5Group
        {
            ["input"] = new H5Group { ["type"] = "Input", ["shape"] = new long[] { 2 } },
            ["fc1"] = new H5Group { ["type"] = "Linear", ["weight"] = new H5Dataset(new float[4], fileDims: [2, 2]) },
            ["a"] = Lif(2),
            ["fc2"] = new H5Group { ["type"] = "Linear", ["weight"] = new H5Dataset(new float[4], fileDims: [2, 2]) },
            ["b"] = Lif(2),
            ["fc3"] = new H5Group { ["type"] = "Linear", ["weight"] = new H5Dataset(new float[4], fileDims: [2, 2]) },
            ["output"] = new H5Group { ["type"] = "Output", ["shape"] = new long[] { 2 } },
        }, new[,] { { "input", "fc1" }, { "fc1", "a" }, { "a", "fc2" }, { "fc2", "b" }, { "b", "fc3" }, { "fc3", "fc2" }, { "b", "output" } });
        Assert.Throws<InvalidModelException>(() => NirImporter.ToNetwork(NirReader.Read(path), new NirImportOptions(1e-3), path));
    }
}
