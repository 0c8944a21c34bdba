using PureHDF;
using SpikeLfp.Data.Events;
using SpikeLfp.Network.Encoding;
using SpikeLfp.Network.Model;
using SpikeLfp.Network.Simulation;
using SpikeLfp.Network.Synapses;
using SpikeLfp.Neurons;
using SpikeLfp.Nir;
using CliRun = SpikeLfp.Tests.Reliability.Cli;

namespace SpikeLfp.Tests.Nir;

/// <summary>The convolutional mapping: Conv2d, SumPool2d, AvgPool2d, Flatten (and Threshold as a max pool) both ways.</summary>
public class NirConvTests
{
    // Sinabs steps v += r I and resets by subtraction in the step it spikes.
    private static readonly NirImportOptions Sinabs = new(1, NirDiscretisation.Euler, ResetMode.Subtract, DelayedReset: false);

    private string _folder = "";

    [SetUp]
    public void CreateFolder() => _folder = Directory.CreateTempSubdirectory("spikelfp-nirconv-").FullName;

    [TearDown]
    public void DeleteFolder() => Directory.Delete(_folder, recursive: true);

    private static SpikingNetwork ImportCnn() => NirImporter.ToNetwork(NirReader.Read(NirFixtures.Path("cnn_sinabs.nir")), Sinabs, "cnn_sinabs.nir");

    private static float[] Stored(NirGraph graph, string node, string key = "weight")
        => graph[node].Parameters[key].Values.Select(v => (float)v).ToArray();

    [Test]
    public void Sinabs_cnn_imports_as_convolutions_sum_pools_and_a_flattened_dense_tail()
    {
        var graph = NirReader.Read(NirFixtures.Path("cnn_sinabs.nir"));
        var network = ImportCnn();
        Assert.That(network.Spec, Is.EqualTo("34x34x2-c16k5s2p1-c16k3p1-ap2-c8k3p1-ap2-256-10"));
        Assert.That(network.Layers.Select(l => l.Neuron), Is.All.EqualTo(new LifNeuron(new LifParameters(1f, 1f, ResetMode.Subtract, delayedReset: false))));

        // r = 1 at dt = 1: the first convolution's weights arrive unchanged, in PyTorch's layout.
        Assert.That(((Conv2dSynapses)network.Layers[0].Connection).ToTorchLayout(), Is.EqualTo(Stored(graph, "0")));
        // A 2x2 sum pool is an average pool whose following weights are 4 times larger (exact in float).
        var pooledConv = (PooledSynapses)network.Layers[2].Connection;
        Assert.That((pooledConv.Pool, pooledConv.Size), Is.EqualTo((PoolKind.Average, 2)));
        Assert.That(((Conv2dSynapses)pooledConv.Inner).ToTorchLayout(), Is.EqualTo(Stored(graph, "5").Select(w => 4 * w).ToArray()));
        // After Flatten, NIR's column c*16 + y*4 + x is SpikeLfp's channel-last column (y*4 + x)*8 + c.
        var dense = (DenseSynapses)((PooledSynapses)network.Layers[3].Connection).Inner;
        var stored = Stored(graph, "9");
        var ours = dense.ToOutputMajor();
        for (int o = 0; o < 256; o += 51)
            for (int c = 0; c < 8; c++)
                for (int y = 0; y < 4; y++)
                    for (int x = 0; x < 4; x++)
                        Assert.That(ours[o * 128 + (y * 4 + x) * 8 + c], Is.EqualTo(4 * stored[o * 128 + c * 16 + y * 4 + x]), $"neuron {o}, c {c}, y {y}, x {x}");
    }

    [Test]
    public void Sinabs_cnn_simulates_as_the_nir_graph_computed_channel_first()
    {
        var graph = NirReader.Read(NirFixtures.Path("cnn_sinabs.nir"));
        var network = ImportCnn();
        const int steps = 12;
        var input = RandomFrames(steps, density: 0.08, seed: 5);

        var recording = Run(network, input, steps);
        var reference = new ChannelFirstCnn(graph);
        reference.Run(input);
        // Every population's spikes, step by step, with the reference's [c, y, x] read channel-last.
        int[] channels = [16, 16, 8, 256, 10];
        int[] sides = [16, 16, 8, 1, 1];
        for (int k = 0; k < 5; k++)
        {
            var layer = recording.Layers[k + 1];
            int firing = 0;
            for (int t = 0; t < steps; t++)
                for (int c = 0; c < channels[k]; c++)
                    for (int p = 0; p < sides[k] * sides[k]; p++)
                    {
                        float expected = reference.Spikes[k][t][c * sides[k] * sides[k] + p];
                        firing += (int)expected;
                        Assert.That(layer.SpikeAt(t, 0, p * channels[k] + c), Is.EqualTo(expected),
                            $"population {k + 1}, step {t}, channel {c}, pixel {p}: the reference's membrane is {reference.Membranes[k][t][c * sides[k] * sides[k] + p]:R}");
                    }
            Assert.That(firing, Is.GreaterThan(0), $"population {k + 1} fires, so the comparison means something");
        }
    }

    [Test]
    public void LifCnn_exports_and_imports_back_to_the_same_model_with_the_same_spikes()
    {
        var network = ConvSpec.Parse("12x12x2-c6k3-p2-c8k3p1-ap2-10", new LifParameters(0.9f, 0.5f)).Create(seed: 7);
        var options = new NirImportOptions(1e-3, NirDiscretisation.Euler, ResetMode.Subtract, DelayedReset: true);
        string path = Path.Combine(_folder, "cnn.nir");
        NirWriter.Write(NirExporter.ToGraph(network, options), path);
        var back = NirImporter.ToNetwork(NirReader.Read(path), options, path);
        Assert.That(ModelFile.ToJson(back), Is.EqualTo(ModelFile.ToJson(network)));

        var input = RandomFrames(10, density: 0.3, seed: 3, height: 12, width: 12);
        var a = Run(network, input, 10);
        var b = Run(back, input, 10);
        Assert.That(a.Layers.Skip(1).Sum(l => l.SpikeCount(0)), Is.GreaterThan(0));
        for (int k = 0; k < a.Layers.Count; k++) Assert.That(b.Layers[k].Spikes, Is.EqualTo(a.Layers[k].Spikes), a.Layers[k].Name);
    }

    [Test]
    public void The_reference_LifCnn_goes_out_as_conv_sum_pool_threshold_flatten_and_back_identically()
    {
        var network = ConvSpec.LifCnn(new LifParameters(0.95f, 1f)).Create(seed: 1);
        var options = new NirImportOptions(1e-4, NirDiscretisation.Exact, ResetMode.Subtract);
        var graph = NirExporter.ToGraph(network, options);
        Assert.That(graph.Nodes.Select(n => n.Type), Is.EqualTo(new[]
        {
            "Input", "Conv2d", "LIF", "SumPool2d", "Threshold", "Conv2d", "LIF", "SumPool2d", "Threshold", "Flatten", "Affine", "LIF", "Output",
        }));
        Assert.That(graph["input"].Parameters["shape"].Values, Is.EqualTo(new double[] { 1, 28, 28 }));
        Assert.That(graph["lif2"].Parameters["tau"].Shape, Is.EqualTo(new[] { 64, 8, 8 }));
        string path = Path.Combine(_folder, "lifcnn.nir");
        NirWriter.Write(graph, path);
        var back = NirImporter.ToNetwork(NirReader.Read(path), options, path);
        Assert.That(back.Spec, Is.EqualTo(ConvSpec.LifCnnSpec));
        Assert.That(ModelFile.ToJson(back), Is.EqualTo(ModelFile.ToJson(network)));
    }

    [Test]
    public void A_max_pool_of_the_input_has_no_nir_form_and_is_refused()
    {
        var network = ConvSpec.Parse("8x8x1-p2-c4k3-10", new LifParameters(0.9f, 1f)).Create(seed: 1);
        var e = Assert.Throws<InvalidModelException>(() => NirExporter.ToGraph(network, new NirImportOptions(1e-3)))!;
        Assert.That(e.Message, Does.Contain("layer 1 max-pools the network's input").And.Contain("NIR has no max pool"));
    }

    [Test]
    public void Written_conv_file_has_the_group_names_dtypes_and_ranks_of_sinabs_cnn()
    {
        // The same geometry as the paper's CNN, with SpikeLfp's weights; average pools written as sum pools
        // cannot come back from SpikeLfp (it has no sum pool), so compare the sum-pool node of a max-pooled model.
        var network = ConvSpec.Parse("34x34x2-c16k5s2p1-c16k3p1-p2-c8k3p1-p2-256-10", new LifParameters(1f, 1f)).Create(seed: 2);
        string path = Path.Combine(_folder, "cnn.nir");
        NirWriter.Write(NirExporter.ToGraph(network, new NirImportOptions(1)), path);
        using var ours = H5File.OpenRead(path);
        using var theirs = H5File.OpenRead(NirFixtures.Path("cnn_sinabs.nir"));
        foreach (var (mine, reference) in new[] { ("input", "input"), ("conv1", "0"), ("conv2", "2"), ("pool3", "4"), ("conv3", "5"), ("flat4", "8"), ("fc4", "9"), ("fc5", "11"), ("output", "output") })
        {
            var a = ours.Group($"node/nodes/{mine}");
            var b = theirs.Group($"node/nodes/{reference}");
            Assert.That(a.Dataset("type").Read<string>(), Is.EqualTo(b.Dataset("type").Read<string>()), mine);
            foreach (var field in b.Children().OfType<IH5Dataset>().Where(d => d.Name != "type"))
            {
                var ourField = a.Dataset(field.Name);
                Assert.That((ourField.Type.Class, ourField.Type.Size, ourField.Space.Dimensions),
                    Is.EqualTo((field.Type.Class, field.Type.Size, field.Space.Dimensions)), $"{mine}/{field.Name}");
                if (field.Type.Class == H5DataTypeClass.FixedPoint)
                    Assert.That(ourField.Read<long[]>(), Is.EqualTo(field.Read<long[]>()), $"{mine}/{field.Name}");
            }
        }
        // The neurons: IF as Sinabs names them, shaped [C, H, W], with the same fields (float64 here, see NirExporter).
        var ourIf = ours.Group("node/nodes/lif1");
        var theirIf = theirs.Group("node/nodes/1");
        Assert.That(ourIf.Dataset("type").Read<string>(), Is.EqualTo("IF"));
        foreach (var field in theirIf.Children().OfType<IH5Dataset>().Where(d => d.Name != "type"))
            Assert.That(ourIf.Dataset(field.Name).Space.Dimensions, Is.EqualTo(field.Space.Dimensions), $"lif1/{field.Name}");
    }

    // Input [1, 6, 6] -> Conv2d 2x1x3x3 -> IF -> [pool] -> Flatten -> Affine -> IF -> Output, with one node changed.
    private static NirGraph SmallCnn(Action<Dictionary<string, NirArray>>? conv = null, NirNode? between = null, bool flatten = true)
    {
        var convParameters = new Dictionary<string, NirArray>
        {
            ["weight"] = NirArray.Float32([2, 1, 3, 3], Enumerable.Range(0, 18).Select(i => i / 18f)),
            ["bias"] = NirArray.Float32([2], [0f, 0.1f]),
            ["stride"] = NirArray.Int64([2], [1, 1]),
            ["padding"] = NirArray.Int64([2], [0, 0]),
            ["dilation"] = NirArray.Int64([2], [1, 1]),
            ["groups"] = NirArray.Int64([], [1]),
        };
        conv?.Invoke(convParameters);
        NirNode If(string name, int[] shape) => new(name, "IF", new Dictionary<string, NirArray>
        {
            ["r"] = new(shape, Enumerable.Repeat(1.0, shape.Aggregate(1, (a, b) => a * b)).ToArray(), NirElementType.Float32),
            ["v_threshold"] = new(shape, Enumerable.Repeat(1.0, shape.Aggregate(1, (a, b) => a * b)).ToArray(), NirElementType.Float32),
        });
        int flat = between is null ? 32 : 8;
        var nodes = new List<NirNode>
        {
            new("input", "Input", new Dictionary<string, NirArray> { ["shape"] = NirArray.Int64([3], [1, 6, 6]) }),
            new("conv", "Conv2d", convParameters),
            If("if1", [2, 4, 4]),
            new("flat", "Flatten", new Dictionary<string, NirArray> { ["start_dim"] = NirArray.Int64([], [0]), ["end_dim"] = NirArray.Int64([], [-1]) }),
            new("fc", "Affine", new Dictionary<string, NirArray> { ["weight"] = NirArray.Float32([3, flat], new float[3 * flat]), ["bias"] = NirArray.Float32([3], new float[3]) }),
            If("if2", [3]),
            new("output", "Output", new Dictionary<string, NirArray> { ["shape"] = NirArray.Int64([1], [3]) }),
        };
        var order = new List<string> { "input", "conv", "if1" };
        if (between is not null) { nodes.Add(between); order.Add(between.Name); }
        if (flatten) order.Add("flat"); else nodes.RemoveAll(n => n.Name == "flat");
        order.AddRange(["fc", "if2", "output"]);
        return new NirGraph("1.0.0", nodes, order.Zip(order.Skip(1), (a, b) => new NirEdge(a, b)));
    }

    private static NirNode Pool(string type, long kernel, long stride, long padding = 0) => new("pool", type, new Dictionary<string, NirArray>
    {
        ["kernel_size"] = NirArray.Int64([2], [kernel, kernel]), ["stride"] = NirArray.Int64([2], [stride, stride]), ["padding"] = NirArray.Int64([2], [padding, padding]),
    });

    private static readonly NirImportOptions Step = new(1, Reset: ResetMode.Subtract);

    [Test]
    public void Small_cnn_with_each_pool_kind_maps_onto_pooled_synapses()
    {
        Assert.That(NirImporter.ToNetwork(SmallCnn(), Step, "g").Spec, Is.EqualTo("6x6x1-c2k3-3"));
        var avg = NirImporter.ToNetwork(SmallCnn(between: Pool("AvgPool2d", 2, 2)), Step, "g");
        Assert.That(avg.Spec, Is.EqualTo("6x6x1-c2k3-ap2-3"));
        var max = NirImporter.ToNetwork(SmallCnn(between: Pool("SumPool2d", 2, 2)) is var g
            ? new NirGraph(g.Version, g.Nodes.Append(new NirNode("max", "Threshold", new Dictionary<string, NirArray> { ["threshold"] = NirArray.Float32([], [0.5f]) })),
                g.Edges.Where(e => e.Source != "pool").Append(new NirEdge("pool", "max")).Append(new NirEdge("max", "flat")))
            : null!, Step, "g");
        Assert.That(max.Spec, Is.EqualTo("6x6x1-c2k3-p2-3"));
    }

    private static IEnumerable<TestCaseData> Refusals()
    {
        TestCaseData Case(NirGraph graph, string name, params string[] fragments) => new TestCaseData(graph, fragments).SetArgDisplayNames(name);
        yield return Case(SmallCnn(c => c["dilation"] = NirArray.Int64([2], [2, 2])), "dilation", "node 'conv' (Conv2d)", "dilation [2, 2]", "no dilation");
        yield return Case(SmallCnn(c => c["groups"] = NirArray.Int64([], [2])), "groups", "node 'conv' (Conv2d)", "groups = 2");
        yield return Case(SmallCnn(c => c["weight"] = NirArray.Float32([2, 1, 3, 2], new float[12])), "kernel", "node 'conv' (Conv2d)", "3x2 kernel", "square");
        yield return Case(SmallCnn(c => c["stride"] = NirArray.Int64([2], [1, 2])), "stride", "node 'conv' (Conv2d)", "stride [1, 2]");
        yield return Case(SmallCnn(c => c["padding"] = NirArray.Int64([2], [0, 1])), "padding", "node 'conv' (Conv2d)", "padding [0, 1]");
        yield return Case(SmallCnn(c => c.Remove("padding")), "named padding", "node 'conv' (Conv2d)", "no numeric 'padding'");
        yield return Case(SmallCnn(c => c["weight"] = NirArray.Float32([2, 3, 3, 3], new float[54])), "channels", "node 'conv' (Conv2d)", "takes 3 input channels");
        yield return Case(SmallCnn(c => c["input_shape"] = NirArray.Int64([2], [5, 5])), "declared input", "node 'conv' (Conv2d)", "declares the input size [5, 5]");
        yield return Case(SmallCnn(c => c["bias"] = NirArray.Float32([2], [float.NaN, 0f])), "NaN", "node 'conv' (Conv2d)", "'bias' holds NaN");
        yield return Case(SmallCnn(between: Pool("SumPool2d", 2, 1)), "overlapping pool", "node 'pool' (SumPool2d)", "stride = kernel");
        yield return Case(SmallCnn(between: Pool("AvgPool2d", 2, 2, padding: 1)), "padded pool", "node 'pool' (AvgPool2d)", "no padding");
        yield return Case(SmallCnn(flatten: false), "no flatten", "node 'fc' (Affine)", "image [2, 4, 4]", "Flatten");
        yield return Case(SmallCnn(between: new NirNode("pool", "MaxPool2d", new Dictionary<string, NirArray>())), "unknown", "node 'pool'", "'MaxPool2d'");
    }

    [TestCaseSource(nameof(Refusals))]
    public void Conv_graphs_spikelfp_cannot_run_are_refused_in_one_line_naming_the_node(NirGraph graph, string[] fragments)
    {
        var e = Assert.Throws<InvalidModelException>(() => NirImporter.ToNetwork(graph, Step, "g.nir"))!;
        Assert.That(e.Message, Does.StartWith("g.nir: ").And.Not.Contain("\n"));
        foreach (string fragment in fragments) Assert.That(e.Message, Does.Contain(fragment));
    }

    [Test]
    public void Event_frames_for_an_image_network_are_binned_channel_last()
    {
        var sensor = NMnistFolder.NMnistSensor;
        var first = new EventBinner(sensor, new EventBinningOptions { Steps = 1 });
        var last = new EventBinner(sensor, new EventBinningOptions { Steps = 1, ChannelLast = true });
        // An OFF event at (x 5, y 7) and an ON event at (x 33, y 0).
        Assert.That((first.InputIndex(5, 7, 0), first.InputIndex(33, 0, 1)), Is.EqualTo((7 * 34 + 5, 34 * 34 + 33)));
        Assert.That((last.InputIndex(5, 7, 0), last.InputIndex(33, 0, 1)), Is.EqualTo(((7 * 34 + 5) * 2, 33 * 2 + 1)));
    }

    [Test]
    public void Simulate_runs_the_sinabs_cnn_on_nmnist_shaped_event_frames_and_writes_rasters()
    {
        // N-MNIST-shaped input without N-MNIST: digits as event recordings in its folder layout, read on its 34x34 sensor.
        string data = Path.Combine(_folder, "data");
        Assert.That(CliRun.Run("data", "convert", "--dataset", "digits", "--to", "events", "--out", Path.Combine(data, "nmnist")).ExitCode, Is.EqualTo(0));
        string run = Path.Combine(_folder, "run");
        var result = CliRun.Run("simulate", "--model", NirFixtures.Path("cnn_sinabs.nir"), "--nir-dt", "1", "--reset", "subtract", "--immediate-reset",
            "--dataset", "nmnist", "--data-dir", data, "--samples", "2", "--out", run, "--threads", "2");
        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
        Assert.That(result.Output, Does.Contain("sample 1: label"));
        Assert.That(Directory.GetFiles(run).Select(Path.GetFileName), Is.SupersetOf(new[] { "spikes.csv", "simulation.json", "raster-0.png", "raster-1.png" }));
        var hidden = File.ReadLines(Path.Combine(run, "spikes.csv")).Skip(1).Count(l => l.Split(',')[1] == "hidden1");
        Assert.That(hidden, Is.GreaterThan(0), "the first convolution's neurons fire on the event frames");
    }

    // ---- helpers ----

    // N-MNIST-shaped input: per step the channel-first [p, y, x] indices that fired, seeded.
    private static List<int[]> RandomFrames(int steps, double density, int seed, int height = 34, int width = 34)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, steps).Select(_ => Enumerable.Range(0, 2 * height * width).Where(_ => random.NextDouble() < density).ToArray()).ToList();
    }

    // Runs one sample whose frames are channel-first (as NIR and event cameras give them) on a channel-last network.
    private static NetworkRecording Run(SpikingNetwork network, List<int[]> frames, int steps)
    {
        var first = network.Layers[0].Connection;
        var image = first is PooledSynapses p ? new ImageShape(p.InHeight, p.InWidth, p.Channels)
            : first is Conv2dSynapses c ? new ImageShape(c.InHeight, c.InWidth, c.InChannels) : throw new AssertionException("not an image network");
        // Channel-last i = (y * W + x) * C + c holds channel-first c * H * W + y * W + x.
        var lastOf = Enumerable.Range(0, image.Size).ToDictionary(i => i % image.Channels * image.Height * image.Width + i / image.Channels);
        var builder = new RecordedSpikes.Builder(image.Size, steps);
        foreach (var frame in frames) builder.AddStep(frame.Select(i => lastOf[i]).ToArray());
        var simulator = new Simulator(network, steps, new RecordedSpikeEncoder(builder.Build()));
        return simulator.Record([0f], [0L], null, membranes: false);
    }

    /// <summary>
    /// The paper's CNN computed as its NIR graph says, channel-first and without SpikeLfp's synapse types: direct
    /// convolution with zero padding, 2x2 sum pools, Flatten in [c, y, x] order, IF neurons (threshold 1, reset by
    /// subtraction in the spiking step). Keeps per population, per step, the spikes in [c, y, x] order.
    /// </summary>
    private sealed class ChannelFirstCnn(NirGraph graph)
    {
        public List<float[]>[] Spikes { get; } = Enumerable.Range(0, 5).Select(_ => new List<float[]>()).ToArray();
        public List<float[]>[] Membranes { get; } = Enumerable.Range(0, 5).Select(_ => new List<float[]>()).ToArray();

        public void Run(List<int[]> frames)
        {
            var membranes = new float[5][];
            foreach (var frame in frames)
            {
                var x = new float[2 * 34 * 34];
                foreach (int i in frame) x[i] = 1f;
                var s1 = Fire(0, ref membranes[0], Conv(x, 2, 34, "0", stride: 2, padding: 1));
                var s2 = Fire(1, ref membranes[1], Conv(s1, 16, 16, "2", stride: 1, padding: 1));
                var s3 = Fire(2, ref membranes[2], Conv(SumPool(s2, 16, 16), 16, 8, "5", stride: 1, padding: 1));
                var s4 = Fire(3, ref membranes[3], Affine(SumPool(s3, 8, 8), "9"));
                Fire(4, ref membranes[4], Affine(s4, "11"));
            }
        }

        // snnTorch's reset by subtraction in the spiking step (the semantics SpikeLfp's neurons have, see Lif.Step):
        // a membrane still above threshold after its reset is reset again at the next step unless it spikes again.
        private float[] Fire(int layer, ref float[] v, float[] z)
        {
            v ??= new float[z.Length];
            var s = new float[z.Length];
            var before = new float[z.Length];
            for (int i = 0; i < z.Length; i++)
            {
                float reset = v[i] > 1f ? 1f : 0f;
                float u = v[i] + z[i] - reset;
                s[i] = u > 1f ? 1f : 0f;
                before[i] = u;
                v[i] = u - (s[i] - reset);
            }
            Membranes[layer].Add(before);
            Spikes[layer].Add(s);
            return s;
        }

        private float[] Conv(float[] x, int inC, int side, string node, int stride, int padding)
        {
            var w = graph[node].Parameters["weight"];
            int outC = w.Shape[0], k = w.Shape[2], outSide = (side + 2 * padding - k) / stride + 1;
            var bias = graph[node].Parameters["bias"].Values;
            var y = new float[outC * outSide * outSide];
            for (int o = 0; o < outC; o++)
                for (int oy = 0; oy < outSide; oy++)
                    for (int ox = 0; ox < outSide; ox++)
                    {
                        float sum = (float)bias[o];
                        for (int c = 0; c < inC; c++)
                            for (int ky = 0; ky < k; ky++)
                                for (int kx = 0; kx < k; kx++)
                                {
                                    int iy = oy * stride - padding + ky, ix = ox * stride - padding + kx;
                                    if (iy < 0 || ix < 0 || iy >= side || ix >= side) continue;
                                    sum += (float)w.Values[((o * inC + c) * k + ky) * k + kx] * x[(c * side + iy) * side + ix];
                                }
                        y[(o * outSide + oy) * outSide + ox] = sum;
                    }
            return y;
        }

        private static float[] SumPool(float[] x, int channels, int side)
        {
            int half = side / 2;
            var y = new float[channels * half * half];
            for (int c = 0; c < channels; c++)
                for (int py = 0; py < half; py++)
                    for (int px = 0; px < half; px++)
                        for (int dy = 0; dy < 2; dy++)
                            for (int dx = 0; dx < 2; dx++)
                                y[(c * half + py) * half + px] += x[(c * side + 2 * py + dy) * side + 2 * px + dx];
            return y;
        }

        private float[] Affine(float[] x, string node)
        {
            var w = graph[node].Parameters["weight"];
            var bias = graph[node].Parameters["bias"].Values;
            int outputs = w.Shape[0], inputs = w.Shape[1];
            var y = new float[outputs];
            for (int o = 0; o < outputs; o++)
            {
                float sum = (float)bias[o];
                for (int i = 0; i < inputs; i++) sum += (float)w.Values[o * inputs + i] * x[i];
                y[o] = sum;
            }
            return y;
        }
    }
}

/// <summary>Scale, the integrator I and Threshold as a neuron.</summary>
public class NirScaleIntegratorThresholdTests
{
    // Input [2] -> [Scale] -> Linear 2x2 -> neuron -> Output [2].
    private static NirGraph Dense(NirNode neuron, NirNode? scale = null)
    {
        var nodes = new List<NirNode>
        {
            new("input", "Input", new Dictionary<string, NirArray> { ["shape"] = NirArray.Int64([1], [2]) }),
            new("fc", "Linear", new Dictionary<string, NirArray> { ["weight"] = NirArray.Float32([2, 2], [0.5f, 0.25f, -1f, 2f]) }),
            neuron,
            new("output", "Output", new Dictionary<string, NirArray> { ["shape"] = NirArray.Int64([1], [2]) }),
        };
        var order = new List<string> { "input", "fc", neuron.Name, "output" };
        if (scale is not null) { nodes.Add(scale); order.Insert(1, scale.Name); }
        return new NirGraph("1.0.0", nodes, order.Zip(order.Skip(1), (a, b) => new NirEdge(a, b)));
    }

    private static NirNode Node(string name, string type, string key, params double[] values)
        => new(name, type, new Dictionary<string, NirArray> { [key] = new([values.Length], values, NirElementType.Float32) });

    [Test]
    public void An_integrator_is_a_leaky_integrator_without_leak_and_a_scale_multiplies_the_weights()
    {
        var network = NirImporter.ToNetwork(Dense(Node("i", "I", "r", 10, 10), Node("s", "Scale", "scale", 2, 2)), new NirImportOptions(1e-2), "g");
        var layer = network.Layers.Single();
        Assert.That(layer.Neuron, Is.EqualTo(new LiNeuron(new LifParameters(1f, 1f))));
        // r dt = 0.1, times the scale 2.
        Assert.That(layer.DenseConnection.ToOutputMajor(), Is.EqualTo(new[] { 0.1f, 0.05f, -0.2f, 0.4f }).Within(1e-7f));
        var graph = NirExporter.ToGraph(network, new NirImportOptions(1e-2));
        Assert.That(graph["lif1"].Type, Is.EqualTo("I"));
        Assert.That(NirImporter.ToNetwork(graph, new NirImportOptions(1e-2), "back").Layers[0].Neuron, Is.EqualTo(layer.Neuron));
    }

    [Test]
    public void A_threshold_after_synapses_fires_whenever_its_input_exceeds_it_and_keeps_nothing()
    {
        var layer = NirImporter.ToNetwork(Dense(Node("th", "Threshold", "threshold", 0.3, 0.3)), new NirImportOptions(1), "g").Layers.Single();
        var membrane = new float[2];
        var spikes = new float[2];
        float[][] inputs = [[0.4f, 0.1f], [0.2f, 0.35f], [0.31f, 0.29f], [0f, 0f]];
        float[][] expected = [[1, 0], [0, 1], [1, 0], [0, 0]];
        for (int t = 0; t < inputs.Length; t++)
        {
            var previous = t == 0 ? NeuronState.Rest : new NeuronState(membrane, default);
            layer.Neuron.Step(inputs[t], previous, new NeuronState(membrane, default), spikes);
            Assert.That(spikes, Is.EqualTo(expected[t]), $"step {t}");
        }
    }

    [Test]
    public void A_scale_that_varies_across_elements_is_refused_naming_it()
    {
        var e = Assert.Throws<InvalidModelException>(() => NirImporter.ToNetwork(Dense(Node("i", "I", "r", 1, 1), Node("s", "Scale", "scale", 1, 3)), new NirImportOptions(1), "g"))!;
        Assert.That(e.Message, Does.Contain("node 's' (Scale)").And.Contain("varying across elements").And.Contain("uniform"));
    }
}
