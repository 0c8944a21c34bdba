using SpikeLfp.Data;
using SpikeLfp.Learning.Surrogate;
using SpikeLfp.Learning.Training;
using SpikeLfp.Network.Encoding;
using SpikeLfp.Network.Model;
using SpikeLfp.Network.Simulation;
using SpikeLfp.Network.Synapses;
using SpikeLfp.Neurons;
using static TorchSharp.torch;

namespace SpikeLfp.Tests.Conv;

/// <summary>The surrogate baseline runs the same convolutional networks as the simulator, in the same layouts.</summary>
public class SurrogateConvTests
{
    // Max pooling, a strided and padded convolution, average pooling and a dense layer on the flattened map.
    private const string Spec = "8x8x2-c4k3p1-p2-c5k3s2p1-ap2-6";

    private static SpikingNetwork Network(int seed)
    {
        var network = ConvSpec.Parse(Spec, new LifParameters(0.9f, 1f)).Create(seed);
        foreach (var layer in network.Layers) VectorMath.Scale(3f, layer.Connection.Weights); // enough spikes to compare
        return network;
    }

    [Test]
    public void Surrogate_conv_forward_gives_the_simulators_spikes()
    {
        const int batch = 4, steps = 8;
        var network = Network(seed: 3);
        var random = new Random(2);
        var x = Enumerable.Range(0, batch * network.InputSize).Select(_ => (float)random.NextDouble()).ToArray();
        var trace = new Simulator(network, steps, new ConstantCurrentEncoder()).Forward(x, Enumerable.Range(0, batch).Select(i => (long)i).ToArray());

        using var surrogate = SurrogateModel.ToSurrogate(network, SurrogateSpec.Default);
        using var run = surrogate.Forward(x, batch, steps);
        int total = 0;
        for (int k = 0; k < network.Layers.Count; k++)
        {
            int n = network.Layers[k].Size;
            using var spikes = run.Spikes[k].detach().contiguous();
            using var membranes = run.Membranes[k].detach().contiguous();
            float[] s = spikes.data<float>().ToArray(), u = membranes.data<float>().ToArray(); // [T, B, N]
            for (int b = 0; b < batch; b++)
                for (int t = 0; t < steps; t++)
                {
                    var fired = Enumerable.Range(0, n).Where(j => s[(t * batch + b) * n + j] != 0).ToArray();
                    Assert.That(trace.Layers[k].Spikes.Fired(b, t).ToArray(), Is.EqualTo(fired), $"layer {k}, sample {b}, step {t}");
                    total += fired.Length;
                    var mine = trace.Layers[k].MembraneAt(b, t);
                    for (int j = 0; j < n; j++)
                        Assert.That(mine[j], Is.EqualTo(u[(t * batch + b) * n + j]).Within(1e-4), $"membrane of layer {k}, sample {b}, step {t}, neuron {j}");
                }
            Assert.That(Enumerable.Range(0, batch).Sum(b => Enumerable.Range(0, steps).Sum(t => trace.Layers[k].Spikes.Fired(b, t).Length)), Is.GreaterThan(0), $"layer {k} spikes");
        }
        Assert.That(total, Is.GreaterThan(50));
    }

    [Test]
    public void Conv_network_to_surrogate_and_back_is_exact()
    {
        var network = Network(seed: 4);
        using var surrogate = SurrogateModel.ToSurrogate(network, SurrogateSpec.Default);
        var back = SurrogateModel.ToNetwork(surrogate.ExportLayers());
        Assert.That(back.Spec, Is.EqualTo(Spec));
        var target = ConvSpec.Parse(Spec, LifParameters.Default).Create(seed: 99);
        SurrogateModel.CopyWeights(surrogate, target);
        for (int k = 0; k < network.Layers.Count; k++)
        {
            Assert.That(back.Layers[k].Connection.Weights, Is.EqualTo(network.Layers[k].Connection.Weights).AsCollection, $"layer {k} weights");
            Assert.That(back.Layers[k].Connection.Bias, Is.EqualTo(network.Layers[k].Connection.Bias).AsCollection, $"layer {k} bias");
            Assert.That(target.Layers[k].Connection.Weights, Is.EqualTo(network.Layers[k].Connection.Weights).AsCollection, $"CopyWeights, layer {k}");
        }
    }

    [Test]
    public void Both_rules_train_a_small_conv_network_on_digits()
    {
        var data = DigitsDataset.Load();
        var train = data.Train.Take(600);
        var test = data.Test.Take(300);
        var spec = ConvSpec.Parse("8x8x1-c8k3-p2-10", LifParameters.Default);

        var lfp = new LfpTrainer(spec.Create(seed: 1), new TrainingOptions { Epochs = 3, Seed = 1 });
        EpochMetrics? lfpLast = null;
        for (int epoch = 1; epoch <= 3; epoch++) lfpLast = lfp.TrainEpoch(train, test, epoch);

        using var surrogate = new SurrogateGradientTrainer(spec.Create(seed: 1), new SurrogateGradientOptions { Seed = 1 });
        EpochMetrics? surrogateLast = null;
        for (int epoch = 1; epoch <= 3; epoch++) surrogateLast = surrogate.TrainEpoch(train, test, epoch);

        Assert.That(lfpLast!.TestAccuracy, Is.GreaterThan(0.5), "LFP through a conv layer and max pooling learns");
        Assert.That(surrogateLast!.TestAccuracy, Is.GreaterThan(0.5), "surrogate BPTT through conv2d and max_pool2d learns");
    }
}
