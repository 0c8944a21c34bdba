using NUnit.Framework;
using SpikeLfp.Learning.Surrogate;
using SpikeLfp.Neurons;
using static TorchSharp.torch;

namespace SpikeLfp.Surrogate.Tests;

/// <summary>
/// surrogate_bptt_recurrent.json: snntorch BPTT, float64, through a 6-8-4 network whose hidden layer is a recurrent
/// current-based LIF (RSynaptic, all-to-all V and b_V) and whose output is a Leaky layer.
/// </summary>
[Category("Reference")]
public class SurrogateRecurrentReferenceTests
{
    private const string FixtureName = "surrogate_bptt_recurrent.json";

    // The fixture's "semantics": RSynaptic(alpha 0.7, beta 0.85, threshold 1), Leaky(beta 0.9, threshold 1), reset_delay True.
    private const double HiddenAlpha = 0.7, HiddenBeta = 0.85, OutputBeta = 0.9, Threshold = 1.0;

    internal static readonly object[] Runs =
    {
        new object[] { "atan_subtract", new SurrogateSpec(SurrogateKind.Atan, Alpha: 2.0) },
        new object[] { "atan_zero", new SurrogateSpec(SurrogateKind.Atan, Alpha: 2.0) },
        new object[] { "fast_sigmoid_subtract", new SurrogateSpec(SurrogateKind.FastSigmoid, Slope: 25.0) },
        new object[] { "fast_sigmoid_zero", new SurrogateSpec(SurrogateKind.FastSigmoid, Slope: 25.0) },
    };

    [TestCaseSource(nameof(Runs))]
    public void Recurrent_cuba_bptt_loss_gradients_and_spikes_match_snntorch(string run, SurrogateSpec surrogate)
    {
        Fixture f = Fixture.Load(FixtureName);
        string result = $"runs.{run}";
        using SurrogateNetwork network = ReferenceNetwork(f, surrogate, f[$"{result}.reset_mechanism"].GetString()!);
        int batch = f.Shape("input")[0], steps = (int)f.Number("sizes.T");

        using SurrogateTrace trace = network.Forward(f.Array("input"), batch, steps);
        int[] labels = f["labels"].EnumerateArray().Select(e => e.GetInt32()).ToArray();
        using Tensor loss = network.Loss(trace.OutputSpikes, labels, SurrogateLoss.CeRate);
        double value = network.Backward(loss);

        Assert.That(SurrogateReferenceTests.Values(trace.Spikes[0]), Is.EqualTo(f.Array($"{result}.hidden_spikes")), "hidden spikes");
        Assert.That(SurrogateReferenceTests.Values(trace.Spikes[1]), Is.EqualTo(f.Array($"{result}.output_spikes")), "output spikes");
        SurrogateReferenceTests.AssertRelative(new[] { value }, new[] { f.Number($"{result}.loss") }, "loss");
        SurrogateReferenceTests.AssertRelative(network.WeightGradient(0), f.Array($"{result}.grads.W1"), "dL/dW1");
        SurrogateReferenceTests.AssertRelative(network.BiasGradient(0), f.Array($"{result}.grads.b1"), "dL/db1");
        SurrogateReferenceTests.AssertRelative(network.RecurrentWeightGradient(0), f.Array($"{result}.grads.V"), "dL/dV");
        SurrogateReferenceTests.AssertRelative(network.RecurrentBiasGradient(0), f.Array($"{result}.grads.bV"), "dL/dbV");
        SurrogateReferenceTests.AssertRelative(network.WeightGradient(1), f.Array($"{result}.grads.W2"), "dL/dW2");
        SurrogateReferenceTests.AssertRelative(network.BiasGradient(1), f.Array($"{result}.grads.b2"), "dL/db2");
    }

    // snntorch's "zero" is ResetMode.ZeroAll for RSynaptic (the whole step's membrane) but ResetMode.Zero for Leaky.
    private static SurrogateNetwork ReferenceNetwork(Fixture f, SurrogateSpec surrogate, string mechanism)
    {
        bool zero = mechanism switch
        {
            "subtract" => false,
            "zero" => true,
            _ => throw new ArgumentException($"unknown reset mechanism '{mechanism}'"),
        };
        int[] w1 = f.Shape("params.W1"), w2 = f.Shape("params.W2");
        int hidden = w1[0];
        var layers = new[]
        {
            new SurrogateLayer(new float[w1[0] * w1[1]], new float[hidden], w1[1], hidden, HiddenBeta, Threshold,
                zero ? ResetMode.ZeroAll : ResetMode.Subtract, Alpha: HiddenAlpha,
                RecurrentWeights: new float[hidden * hidden], RecurrentBias: new float[hidden]),
            new SurrogateLayer(new float[w2[0] * w2[1]], new float[w2[0]], w2[1], w2[0], OutputBeta, Threshold,
                zero ? ResetMode.Zero : ResetMode.Subtract),
        };
        var network = new SurrogateNetwork(layers, surrogate, ScalarType.Float64);
        network.LoadParameters(0, f.Array("params.W1"), f.Array("params.b1"));
        network.LoadRecurrentParameters(0, f.Array("params.V"), f.Array("params.bV"));
        network.LoadParameters(1, f.Array("params.W2"), f.Array("params.b2"));
        return network;
    }
}
