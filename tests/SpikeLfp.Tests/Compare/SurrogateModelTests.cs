using SpikeLfp.Learning.Surrogate;
using SpikeLfp.Network.Encoding;
using SpikeLfp.Network.Model;
using SpikeLfp.Network.Simulation;
using SpikeLfp.Neurons;
using TorchSharp;

namespace SpikeLfp.Tests.Compare;

/// <summary>The surrogate baseline trains the same model as LFP: exact weight exchange, identical forward dynamics.</summary>
public class SurrogateModelTests
{
    private static readonly LifParameters[] NeuronVariants =
    [
        LifParameters.Default,
        new(0.8f, 1.25f, ResetMode.Zero, delayedReset: true),
        new(0.95f, 0.75f, ResetMode.Subtract, delayedReset: false),
        new(0.9f, 1f, ResetMode.Zero, delayedReset: false),
    ];

    private static SpikingNetwork Network(LifParameters hidden, int seed = 5)
        => SpikingNetwork.Create(new NetworkSpec(16, [new LayerSpec(40, hidden), new LayerSpec(24, LifParameters.Default), new LayerSpec(6, hidden)]), seed);

    [Test]
    public void Network_to_surrogate_and_back_is_exact([Range(0, 3)] int variant)
    {
        var original = Network(NeuronVariants[variant]);
        using var surrogate = SurrogateModel.ToSurrogate(original, SurrogateSpec.Default);
        var back = SurrogateModel.ToNetwork(surrogate.ExportLayers());

        Assert.That(back.Spec, Is.EqualTo(original.Spec));
        for (int k = 0; k < original.Layers.Count; k++)
        {
            Assert.That(back.Layers[k].Neurons, Is.EqualTo(original.Layers[k].Neurons), $"neurons of layer {k}");
            Assert.That(back.Layers[k].DenseConnection.Weights, Is.EqualTo(original.Layers[k].DenseConnection.Weights).AsCollection, $"weights of layer {k}, bit for bit");
            Assert.That(back.Layers[k].DenseConnection.Bias, Is.EqualTo(original.Layers[k].DenseConnection.Bias).AsCollection, $"bias of layer {k}");
        }

        var target = SpikingNetwork.Create(original.ToSpec(), seed: 99);
        SurrogateModel.CopyWeights(surrogate, target);
        for (int k = 0; k < original.Layers.Count; k++)
            Assert.That(target.Layers[k].DenseConnection.Weights, Is.EqualTo(original.Layers[k].DenseConnection.Weights).AsCollection, $"CopyWeights, layer {k}");
    }

    [Test]
    public void Surrogate_layers_use_pytorch_layout_and_the_neuron_parameters()
    {
        var network = Network(NeuronVariants[1]);
        var layers = SurrogateModel.ToLayers(network);
        var first = network.Layers[0].DenseConnection;
        Assert.That(layers[0].Outputs, Is.EqualTo(40));
        Assert.That(layers[0].Inputs, Is.EqualTo(16));
        Assert.That(layers[0].Weights[3 * 16 + 7], Is.EqualTo(first[3, 7]), "W[post=3, pre=7] output-major");
        Assert.That(layers[0].Beta, Is.EqualTo((double)0.8f));
        Assert.That(layers[0].Threshold, Is.EqualTo(1.25));
        Assert.That(layers[0].Reset, Is.EqualTo(ResetMode.Zero));
        Assert.That(layers[1].Reset, Is.EqualTo(ResetMode.Subtract));
    }

    [Test]
    public void Surrogate_forward_gives_the_simulators_spikes_and_membranes([Range(0, 3)] int variant)
    {
        const int steps = 15, batch = 8, inputs = 16;
        var network = Network(NeuronVariants[variant]);
        var random = new Random(42);
        var x = Enumerable.Range(0, batch * inputs).Select(_ => (float)(random.NextDouble() * 1.5)).ToArray();

        var trace = new Simulator(network, steps, new ConstantCurrentEncoder()).Forward(x, Enumerable.Range(0, batch).Select(i => (long)i).ToArray());
        using var surrogate = SurrogateModel.ToSurrogate(network, SurrogateSpec.Default);
        using var noGrad = torch.no_grad();
        using var run = surrogate.Forward(x, batch, steps);

        long totalSpikes = 0;
        for (int k = 0; k < network.Layers.Count; k++)
        {
            int size = network.Layers[k].Size;
            using var spikeTensor = run.Spikes[k].contiguous();
            using var membraneTensor = run.Membranes[k].contiguous();
            float[] spikes = spikeTensor.data<float>().ToArray();      // [T, B, N]
            float[] membranes = membraneTensor.data<float>().ToArray();
            for (int t = 0; t < steps; t++)
                for (int b = 0; b < batch; b++)
                {
                    var expected = new float[size];
                    foreach (int i in trace.Layers[k].Spikes.Fired(b, t)) expected[i] = 1f;
                    var actual = spikes.AsSpan((t * batch + b) * size, size).ToArray();
                    Assert.That(actual, Is.EqualTo(expected).AsCollection, $"spikes of layer {k}, step {t}, sample {b}");
                    var membrane = membranes.AsSpan((t * batch + b) * size, size).ToArray();
                    Assert.That(membrane, Is.EqualTo(trace.Layers[k].MembraneAt(b, t).ToArray()).Within(1e-5f).AsCollection, $"membranes of layer {k}, step {t}, sample {b}");
                    totalSpikes += expected.Count(s => s > 0);
                }
        }
        Assert.That(totalSpikes, Is.GreaterThan(100), "the comparison must see real spiking activity");
    }
}
