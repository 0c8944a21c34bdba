using SpikeLfp.Learning.Experiments;
using SpikeLfp.Network.Model;
using SpikeLfp.Neurons;

namespace SpikeLfp.Tests.Experiments;

/// <summary>The gradient baseline of the Heaviside experiment: plain backprop through analog layers.</summary>
public class AnalogGradientTests
{
    private static readonly float[] X =
    [
        0.9f, -0.4f, 0.3f, 0.7f, -0.8f,
        -0.2f, 0.6f, -0.9f, 0.1f, 0.5f,
        0.4f, 0.8f, 0.2f, -0.6f, -0.3f,
    ];
    private static readonly int[] Labels = [2, 0, 1];
    private static readonly long[] Keys = [0, 1, 2];

    [Test]
    public void Relu_gradient_matches_finite_differences_of_the_cross_entropy()
    {
        var network = AnalogNetwork.Create([5, 6, 4, 3], Activation.ReLU, seed: 3, activateOutput: false);
        int checkedEntries = AssertGradientMatchesFiniteDifferences(network, X, Labels);
        Assert.That(checkedEntries, Is.EqualTo(5 * 6 + 6 + 6 * 4 + 4 + 4 * 3 + 3));
    }

    [TestCase("6x6x1-c3k3-p2-3", TestName = "Conv_relu_max_pool_gradient_matches_finite_differences")]
    [TestCase("5x5x2-c2k3p1-ap2-c3k2s2p1-4-3", TestName = "Conv_relu_with_padding_stride_average_pool_and_a_hidden_dense_layer_matches_finite_differences")]
    public void Conv_gradient_matches_finite_differences(string spec)
    {
        var network = AnalogNetwork.Create(ConvSpec.Parse(spec, LifParameters.Default), Activation.ReLU, seed: 5);
        var random = new Random(11);
        int features = network.InputSize;
        // Inputs in [0, 1) like images, so max pooling has clear winners and no ReLU sits at a kink.
        var x = Enumerable.Range(0, 3 * features).Select(_ => (float)random.NextDouble()).ToArray();
        // A small step: a larger one could move a max-pool window's winner or cross a ReLU kink.
        int checkedEntries = AssertGradientMatchesFiniteDifferences(network, x, Labels, h: 1e-3f, checkInput: true);
        Assert.That(checkedEntries, Is.EqualTo(network.Layers.Sum(l => l.Synapses.Weights.Length + l.Synapses.Bias.Length) + x.Length));
    }

    // Compares every weight and bias gradient (and, when asked, the input gradient) with central differences of the
    // loss; returns how many entries it checked.
    private static int AssertGradientMatchesFiniteDifferences(AnalogNetwork network, float[] x, int[] labels, float h = 1e-2f, bool checkInput = false)
    {
        var (gw, gb) = Gradients(network);
        var keys = labels.Select((_, i) => (long)i).ToArray();
        var inputGradient = new float[x.Length];
        double loss = AnalogGradient.Backward(network, network.Forward(x, keys), labels, gw, gb, inputGradient);
        Assert.That(loss, Is.EqualTo(Loss(network, x, labels)).Within(1e-5));

        int checkedEntries = 0;
        void Check(float[] values, int i, float analytic, string name)
        {
            float kept = values[i];
            values[i] = kept + h;
            double up = Loss(network, x, labels);
            values[i] = kept - h;
            double down = Loss(network, x, labels);
            values[i] = kept;
            double numeric = (up - down) / (2 * h);
            Assert.That(analytic, Is.EqualTo(numeric).Within(1e-3 + 1e-2 * Math.Abs(numeric)), name);
            checkedEntries++;
        }
        for (int k = 0; k < network.Layers.Count; k++)
        {
            var syn = network.Layers[k].Synapses;
            for (int i = 0; i < syn.Weights.Length; i++) Check(syn.Weights, i, gw[k][i], $"layer {k} W[{i}]");
            for (int i = 0; i < syn.Bias.Length; i++) Check(syn.Bias, i, gb[k][i], $"layer {k} b[{i}]");
        }
        if (checkInput)
            for (int i = 0; i < x.Length; i++) Check(x, i, inputGradient[i], $"input[{i}]");
        Assert.That(gw.Sum(g => g.Count(v => v != 0f)), Is.GreaterThan(gw.Sum(g => g.Length) / 3), "most weights get a gradient through ReLU");
        return checkedEntries;
    }

    [Test]
    public void Step_derivative_leaves_no_gradient_below_a_step()
    {
        var network = AnalogNetwork.Create([5, 6, 4, 3], Activation.Step, seed: 3, activateOutput: false);
        var (gw, gb) = Gradients(network);
        var inputGradient = new float[X.Length];
        AnalogGradient.Backward(network, network.Forward(X, Keys, noiseStd: 0.1f, noiseSeed: 7), Labels, gw, gb, inputGradient);

        Assert.That(gw[2].Any(v => v != 0f) && gb[2].Any(v => v != 0f), Is.True, "the identity output layer learns");
        for (int k = 0; k < 2; k++)
        {
            Assert.That(gw[k], Is.All.EqualTo(0f), $"hidden layer {k} weights");
            Assert.That(gb[k], Is.All.EqualTo(0f), $"hidden layer {k} biases");
        }
        Assert.That(inputGradient, Is.All.EqualTo(0f));
    }

    [Test]
    public void Step_on_the_output_leaves_no_gradient_at_all()
    {
        var network = AnalogNetwork.Create([5, 6, 4, 3], Activation.Step, seed: 3, activateOutput: true);
        var (gw, gb) = Gradients(network);
        float loss = AnalogGradient.Backward(network, network.Forward(X, Keys, noiseStd: 0.1f, noiseSeed: 7), Labels, gw, gb);
        Assert.That(loss, Is.GreaterThan(0f));
        Assert.That(gw.Concat(gb).SelectMany(g => g), Is.All.EqualTo(0f));
    }

    [Test]
    public void Prediction_takes_the_lowest_index_on_a_tie()
    {
        Assert.That(HeavisideExperiment.Predict([0f, 1f, 0f, 1f]), Is.EqualTo(1));
        Assert.That(HeavisideExperiment.Predict([0f, 0f, 0f]), Is.EqualTo(0));
        Assert.That(HeavisideExperiment.Predict([0.2f, 0.1f, 0.7f]), Is.EqualTo(2));
    }

    private static (float[][] Weights, float[][] Biases) Gradients(AnalogNetwork network)
        => (network.Layers.Select(l => new float[l.Synapses.Weights.Length]).ToArray(),
            network.Layers.Select(l => new float[l.Synapses.Bias.Length]).ToArray());

    // Batch-mean cross-entropy, computed here independently of AnalogGradient.
    private static double Loss(AnalogNetwork network, float[] x, int[] labels)
    {
        var output = network.Forward(x, labels.Select((_, i) => (long)i).ToArray()).Output;
        int classes = network.OutputSize;
        double total = 0;
        for (int b = 0; b < labels.Length; b++)
        {
            var logits = output.AsSpan(b * classes, classes).ToArray().Select(v => (double)v).ToArray();
            double max = logits.Max();
            double logSum = max + Math.Log(logits.Sum(v => Math.Exp(v - max)));
            total += logSum - logits[labels[b]];
        }
        return total / labels.Length;
    }
}
