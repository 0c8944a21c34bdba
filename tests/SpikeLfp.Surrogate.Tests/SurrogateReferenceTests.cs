using NUnit.Framework;
using SpikeLfp.Learning.Surrogate;
using SpikeLfp.Neurons;
using TorchSharp;
using static TorchSharp.torch;

namespace SpikeLfp.Surrogate.Tests;

/// <summary>surrogate_bptt_mlp.json: snntorch BPTT on the 6-5-3 network, float64.</summary>
[Category("Reference")]
public class SurrogateReferenceTests
{
    private const double RelativeTolerance = 1e-5;

    internal static readonly object[] Cases =
    {
        new object[] { "atan_alpha2", new SurrogateSpec(SurrogateKind.Atan, Alpha: 2.0) },
        new object[] { "fast_sigmoid_slope25", new SurrogateSpec(SurrogateKind.FastSigmoid, Slope: 25.0) },
    };

    [TestCaseSource(nameof(Cases))]
    public void Bptt_loss_and_gradients_match_snntorch(string result, SurrogateSpec surrogate)
    {
        Fixture f = Fixture.Load("surrogate_bptt_mlp.json");
        using SurrogateNetwork network = ReferenceNetwork(f, surrogate);
        int batch = f.Shape("x")[0], steps = (int)f.Number("sizes.T");

        using SurrogateTrace trace = network.Forward(f.Array("x"), batch, steps);
        using Tensor loss = network.Loss(trace.OutputSpikes, Labels(f), SurrogateLoss.CeRate);
        double value = network.Backward(loss);

        AssertRelative(new[] { value }, new[] { f.Number($"results.{result}.loss") }, "loss");
        AssertRelative(network.WeightGradient(0), f.Array($"results.{result}.dL_dW1"), "dL/dW1");
        AssertRelative(network.BiasGradient(0), f.Array($"results.{result}.dL_db1"), "dL/db1");
        AssertRelative(network.WeightGradient(1), f.Array($"results.{result}.dL_dW2"), "dL/dW2");
        AssertRelative(network.BiasGradient(1), f.Array($"results.{result}.dL_db2"), "dL/db2");
    }

    [Test]
    public void Forward_spikes_match_snntorch_exactly()
    {
        Fixture f = Fixture.Load("surrogate_bptt_mlp.json");
        using SurrogateNetwork network = ReferenceNetwork(f, SurrogateSpec.Default);
        using SurrogateTrace trace = network.Forward(f.Array("x"), f.Shape("x")[0], (int)f.Number("sizes.T"));

        Assert.That(Values(trace.Spikes[0]), Is.EqualTo(f.Array("forward.hidden_spikes")), "hidden spikes");
        Assert.That(Values(trace.Spikes[1]), Is.EqualTo(f.Array("forward.output_spikes")), "output spikes");
        Assert.That(Values(trace.Membranes[1]), Is.EqualTo(f.Array("forward.output_membrane")).Within(1e-12), "output membrane");
    }

    private static readonly object[] LeakyVariants =
    {
        new object[] { "subtract_delay_true", false, true },
        new object[] { "subtract_delay_false", false, false },
        new object[] { "zero_delay_true", true, true },
        new object[] { "zero_delay_false", true, false },
    };

    [TestCaseSource(nameof(LeakyVariants))]
    public void Leaky_dynamics_match_snntorch_in_every_reset_mode(string variant, bool toZero, bool delayed)
    {
        // Identity synapses (W = I, b = 0) feed the fixture's currents straight into the membranes.
        Fixture f = Fixture.Load("snntorch_leaky_forward.json");
        int steps = (int)f.Number("sizes.T"), batch = (int)f.Number("sizes.batch"), n = (int)f.Number("sizes.neurons");
        var layer = new SurrogateLayer(new float[n * n], new float[n], n, n, Beta: f.Number("params.beta"), Threshold: f.Number("params.threshold"), Reset: toZero ? ResetMode.Zero : ResetMode.Subtract, DelayedReset: delayed);
        using var network = new SurrogateNetwork(new[] { layer }, SurrogateSpec.Default, ScalarType.Float64);
        double[] identity = new double[n * n];
        for (int i = 0; i < n; i++) identity[i * n + i] = 1;
        network.LoadParameters(0, identity, new double[n]);
        using var current = tensor(f.Array("input_current"), new long[] { steps, batch, n }, ScalarType.Float64);
        using SurrogateTrace trace = network.Forward(current);

        Assert.That(Values(trace.Spikes[0]), Is.EqualTo(f.Array($"variants.{variant}.spikes")), "spikes");
        Assert.That(Values(trace.Membranes[0]), Is.EqualTo(f.Array($"variants.{variant}.membrane")).Within(1e-12), "membrane");
    }

    internal static SurrogateNetwork ReferenceNetwork(Fixture f, SurrogateSpec surrogate, ScalarType dtype = ScalarType.Float64)
    {
        int[] w1 = f.Shape("W1"), w2 = f.Shape("W2");
        double beta = f.Number("params.beta"), thr = f.Number("params.threshold");
        var layers = new[]
        {
            new SurrogateLayer(new float[w1[0] * w1[1]], new float[w1[0]], w1[1], w1[0], beta, thr),
            new SurrogateLayer(new float[w2[0] * w2[1]], new float[w2[0]], w2[1], w2[0], beta, thr),
        };
        var network = new SurrogateNetwork(layers, surrogate, dtype);
        network.LoadParameters(0, f.Array("W1"), f.Array("b1"));
        network.LoadParameters(1, f.Array("W2"), f.Array("b2"));
        return network;
    }

    internal static int[] Labels(Fixture f) => f.Array("labels").Select(v => (int)v).ToArray();

    internal static double[] Values(Tensor t)
    {
        using Tensor d = t.detach().to_type(ScalarType.Float64).contiguous();
        return d.data<double>().ToArray();
    }

    // |a - b| <= 1e-5 |b| per element; an exact zero in the reference must come out exactly zero.
    internal static void AssertRelative(double[] actual, double[] expected, string what, double tolerance = RelativeTolerance)
    {
        Assert.That(actual, Has.Length.EqualTo(expected.Length), what);
        double worst = 0;
        for (int i = 0; i < expected.Length; i++)
            worst = Math.Max(worst, expected[i] == 0 ? (actual[i] == 0 ? 0 : double.PositiveInfinity) : Math.Abs(actual[i] - expected[i]) / Math.Abs(expected[i]));
        TestContext.Out.WriteLine($"{what}: max relative error {worst:E2}");
        for (int i = 0; i < expected.Length; i++)
        {
            double limit = tolerance * Math.Abs(expected[i]);
            Assert.That(Math.Abs(actual[i] - expected[i]), Is.LessThanOrEqualTo(limit),
                $"{what}[{i}]: {actual[i]:R} vs reference {expected[i]:R}");
        }
    }
}
