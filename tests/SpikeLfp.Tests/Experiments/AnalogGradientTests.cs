using SpikeLfp.Learning.Experiments;
using SpikeLfp.Network.Model;

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
        var (gw, gb) = Gradients(network);
        double loss = AnalogGradient.Backward(network, network.Forward(X, Keys), Labels, gw, gb);
        Assert.That(loss, Is.EqualTo(Loss(network)).Within(1e-5));

        const float h = 1e-2f;
        int checkedEntries = 0;
        for (int k = 0; k < network.Layers.Count; k++)
        {
            var syn = network.Layers[k].Synapses;
            foreach (var (parameters, gradient, name) in new[] { (syn.Weights, gw[k], "W"), (syn.Bias, gb[k], "b") })
                for (int i = 0; i < parameters.Length; i++)
                {
                    float kept = parameters[i];
                    parameters[i] = kept + h;
                    double up = Loss(network);
                    parameters[i] = kept - h;
                    double down = Loss(network);
                    parameters[i] = kept;
                    double numeric = (up - down) / (2 * h);
                    Assert.That(gradient[i], Is.EqualTo(numeric).Within(1e-3 + 1e-2 * Math.Abs(numeric)), $"layer {k} {name}[{i}]");
                    checkedEntries++;
                }
        }
        Assert.That(gw.Sum(g => g.Count(v => v != 0f)), Is.GreaterThan(gw.Sum(g => g.Length) / 3), "most weights get a gradient through ReLU");
        Assert.That(checkedEntries, Is.EqualTo(5 * 6 + 6 + 6 * 4 + 4 + 4 * 3 + 3));
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
    private static double Loss(AnalogNetwork network)
    {
        var output = network.Forward(X, Keys).Output;
        int classes = network.OutputSize;
        double total = 0;
        for (int b = 0; b < Labels.Length; b++)
        {
            var logits = output.AsSpan(b * classes, classes).ToArray().Select(v => (double)v).ToArray();
            double max = logits.Max();
            double logSum = max + Math.Log(logits.Sum(v => Math.Exp(v - max)));
            total += logSum - logits[Labels[b]];
        }
        return total / Labels.Length;
    }
}
