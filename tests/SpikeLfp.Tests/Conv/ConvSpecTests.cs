using Newtonsoft.Json.Linq;
using SpikeLfp.Network.Encoding;
using SpikeLfp.Network.Model;
using SpikeLfp.Network.Simulation;
using SpikeLfp.Network.Synapses;
using SpikeLfp.Neurons;

namespace SpikeLfp.Tests.Conv;

/// <summary>The compact spec, the JSON architecture and the model file for convolutional networks.</summary>
public class ConvSpecTests
{
    private static readonly LifParameters Neurons = LifParameters.Default;

    [Test]
    public void Lifcnn_is_the_reference_network_with_three_spiking_layers()
    {
        var spec = ConvSpec.Parse("lifcnn", Neurons);
        Assert.That(spec.ToString(), Is.EqualTo("28x28x1-c12k5-p2-c64k5-p2-10"));
        Assert.That(spec.Shapes, Is.EqualTo(new[] { new ImageShape(24, 24, 12), new ImageShape(8, 8, 64), new ImageShape(1, 1, 10) }));
        var network = spec.Create(seed: 1);
        Assert.That(network.Layers.Select(l => l.Size), Is.EqualTo(new[] { 6912, 4096, 10 }));
        Assert.That(network.InputSize, Is.EqualTo(784));
        Assert.That(network.Layers[0].Connection, Is.TypeOf<Conv2dSynapses>());
        Assert.That(network.Layers[1].Connection, Is.TypeOf<PooledSynapses>());
        Assert.That(((PooledSynapses)network.Layers[1].Connection).Inner, Is.TypeOf<Conv2dSynapses>());
        Assert.That(((PooledSynapses)network.Layers[2].Connection).Inner, Is.TypeOf<DenseSynapses>());
        Assert.That(network.Layers[2].Connection.Inputs, Is.EqualTo(4096), "the pool reads the 8x8x64 spikes");
        Assert.That(((PooledSynapses)network.Layers[2].Connection).Inner.Inputs, Is.EqualTo(64 * 4 * 4));
        Assert.That(network.ParameterCount, Is.EqualTo(12 * 25 + 12 + 64 * 12 * 25 + 64 + 1024 * 10 + 10));
        Assert.That(network.Spec, Is.EqualTo("28x28x1-c12k5-p2-c64k5-p2-10"));
        Assert.That(ConvSpec.LifCnn(Neurons).ToString(), Is.EqualTo(spec.ToString()));
    }

    [Test]
    public void Initialisation_bound_is_one_over_root_fan_in()
    {
        var network = ConvSpec.Parse("lifcnn", Neurons).Create(seed: 2);
        float[] bounds = [1f / MathF.Sqrt(25), 1f / MathF.Sqrt(12 * 25), 1f / MathF.Sqrt(1024)];
        for (int k = 0; k < 3; k++)
        {
            var w = network.Layers[k].Connection.Weights;
            Assert.That(w.Max(MathF.Abs), Is.LessThanOrEqualTo(bounds[k]).And.GreaterThan(0.9f * bounds[k]), $"layer {k}");
        }
    }

    [TestCase("8x8-c4k3s2p1-ap2-10", "8x8x1-c4k3s2p1-ap2-10")]
    [TestCase("8x8x1-mp2-c4k3-10", "8x8x1-p2-c4k3-10")]
    [TestCase("6x6x3-c5k3p1-20-10", "6x6x3-c5k3p1-20-10")]
    [TestCase("7-c5k1-3", "7-c5k1-3")]
    public void Compact_form_reads_and_prints_canonically(string text, string canonical)
    {
        var spec = ConvSpec.Parse(text, Neurons);
        Assert.That(spec.ToString(), Is.EqualTo(canonical));
        Assert.That(ConvSpec.Parse(canonical, Neurons).ToString(), Is.EqualTo(canonical));
        Assert.That(spec.Create(0).Spec, Is.EqualTo(canonical));
        Assert.That(ConvSpec.IsConvSpec(text), Is.True);
    }

    [Test]
    public void Stride_and_padding_give_pytorch_output_shapes()
    {
        var spec = ConvSpec.Parse("8x8x1-c4k3s2p1-ap2-10", Neurons);
        Assert.That(spec.Shapes[0], Is.EqualTo(new ImageShape(4, 4, 4)), "floor((8 + 2 - 3) / 2) + 1 = 4");
        var odd = ConvSpec.Parse("9x7x2-c3k4s2-10", Neurons);
        Assert.That(odd.Shapes[0], Is.EqualTo(new ImageShape(3, 2, 3)));
    }

    [TestCase("28x28x1-c12k5-p2", "feeds no layer")]
    [TestCase("28x28x1-c12k30-10", "does not fit")]
    [TestCase("28x28x1-c12k5-p2-p2-10", "two pools")]
    [TestCase("28x28x1-q3-10", "'q3'")]
    [TestCase("28x28x1", "expected an input shape and layers")]
    [TestCase("28x28x1-c0k5-10", "'0'")]
    [TestCase("4x4x1-p8-10", "does not fit")]
    [TestCase("axb-10", "not an input shape")]
    public void Malformed_specs_say_what_is_wrong(string text, string message)
    {
        var e = Assert.Throws<InvalidModelException>(() => ConvSpec.Parse(text, Neurons));
        Assert.That(e!.Message, Does.Contain(message));
    }

    [Test]
    public void Dense_specs_stay_with_the_dense_parser()
    {
        Assert.That(ConvSpec.IsConvSpec("64-100-10"), Is.False);
        var dense = SpikingNetwork.Create(NetworkSpec.Parse("64-30-10", Neurons), seed: 4);
        var same = ConvSpec.Parse("64-30-10", Neurons).Create(seed: 4);
        for (int k = 0; k < 2; k++)
            Assert.That(same.Layers[k].Connection.Weights, Is.EqualTo(dense.Layers[k].Connection.Weights).AsCollection, "same draws for the same seed");
    }

    [Test]
    public void Json_architecture_builds_lifcnn()
    {
        var json = JObject.Parse("""
            {"input": [28, 28, 1], "layers": [
              {"type": "conv2d", "channels": 12, "kernel": 5, "beta": 0.8},
              {"type": "conv2d", "channels": 64, "kernel": 5, "pool": {"kind": "max", "size": 2}},
              {"type": "dense", "size": 10, "pool": {"kind": "max", "size": 2}}]}
            """);
        Assert.That(ConvSpec.IsConvJson(json), Is.True);
        var spec = ConvSpec.FromJson(json, Neurons, "arch.json");
        Assert.That(spec.ToString(), Is.EqualTo(ConvSpec.LifCnnSpec));
        Assert.That(spec.Layers[0].Neurons.Beta, Is.EqualTo(0.8f));
        Assert.That(spec.Layers[1].Neurons.Beta, Is.EqualTo(Neurons.Beta));

        var bad = JObject.Parse("""{"input": [8, 8, 1], "layers": [{"type": "conv2d", "channels": 4, "kernel": 9}]}""");
        var e = Assert.Throws<InvalidModelException>(() => ConvSpec.FromJson(bad, Neurons, "bad.json"));
        Assert.That(e!.Message, Does.StartWith("bad.json:").And.Contain("does not fit"));
    }

    [TestCase("lifcnn")]
    [TestCase("10x10x2-c3k3s2p1-ap2-c4k1-5")]
    public void Model_file_round_trips_exactly_and_simulates_the_same(string text)
    {
        var network = ConvSpec.Parse(text, new LifParameters(0.85f, 0.9f)).Create(seed: 7);
        string json = ModelFile.ToJson(network);
        var back = ModelFile.Parse(json, "model.json");
        Assert.That(back.Spec, Is.EqualTo(network.Spec));
        Assert.That(ModelFile.ToJson(back), Is.EqualTo(json), "writing the read model gives the same text");
        for (int k = 0; k < network.Layers.Count; k++)
        {
            Assert.That(back.Layers[k].Connection.Kind, Is.EqualTo(network.Layers[k].Connection.Kind));
            Assert.That(back.Layers[k].Connection.Weights, Is.EqualTo(network.Layers[k].Connection.Weights).AsCollection, $"layer {k} weights");
            Assert.That(back.Layers[k].Connection.Bias, Is.EqualTo(network.Layers[k].Connection.Bias).AsCollection, $"layer {k} bias");
            Assert.That(back.Layers[k].Neurons, Is.EqualTo(network.Layers[k].Neurons));
        }
        var root = JObject.Parse(json);
        Assert.That(root["layers"]![0]!["type"]!.Value<string>(), Is.EqualTo("conv2d"));
        Assert.That(root["layers"]![0]!["neuron"]!.Value<string>(), Is.EqualTo("lif"));
        Assert.That(root["weights_layout"]!.Value<string>(), Does.Contain("[out_channel, in_channel, ky, kx]"));

        var random = new Random(1);
        var features = Enumerable.Range(0, 2 * network.InputSize).Select(_ => (float)random.NextDouble() * 3f).ToArray();
        long[] keys = [0, 1];
        var a = new Simulator(network, 5, new ConstantCurrentEncoder()).Forward(features, keys);
        var b = new Simulator(back, 5, new ConstantCurrentEncoder()).Forward(features, keys);
        for (int k = 0; k < network.Layers.Count; k++)
            Assert.That(b.Layers[k].Membrane, Is.EqualTo(a.Layers[k].Membrane).AsCollection, $"layer {k} membranes");
    }

    [Test]
    public void Conv_model_file_in_pytorch_layout()
    {
        var conv = new Conv2dSynapses(3, 3, 2, 4, kernel: 2);
        conv.Weights[conv.WeightIndex(outChannel: 3, inChannel: 1, ky: 0, kx: 1)] = 0.5f;
        var torch = conv.ToTorchLayout();
        Assert.That(torch[((3 * 2 + 1) * 2 + 0) * 2 + 1], Is.EqualTo(0.5f), "[outC, inC, ky, kx]");
        var back = new Conv2dSynapses(3, 3, 2, 4, kernel: 2);
        back.FromTorchLayout(torch);
        Assert.That(back.Weights, Is.EqualTo(conv.Weights).AsCollection);
    }

    [Test]
    public void Model_file_rejects_a_conv_layer_whose_shape_disagrees()
    {
        var network = ConvSpec.Parse("6x6x1-c2k3-4", Neurons).Create(seed: 1);
        var root = JObject.Parse(ModelFile.ToJson(network));
        root["layers"]![0]!["kernel"] = 2;
        var e = Assert.Throws<InvalidModelException>(() => ModelFile.Parse(root.ToString(), "m.json"));
        Assert.That(e!.Message, Does.Contain("layer 0"));
    }
}
