using NUnit.Framework;
using SpikeLfp.Learning.Surrogate;
using TorchSharp;
using static TorchSharp.torch;

namespace SpikeLfp.Surrogate.Tests;

public class SurrogateTrainingTests
{
    [Test]
    public void Step_surrogate_gives_all_zero_gradients()
    {
        Fixture f = Fixture.Load("surrogate_bptt_mlp.json");
        using SurrogateNetwork network = SurrogateReferenceTests.ReferenceNetwork(f, new SurrogateSpec(SurrogateKind.Step));
        using SurrogateTrace trace = network.Forward(f.Array("x"), 2, 6);
        using Tensor loss = network.Loss(trace.OutputSpikes, SurrogateReferenceTests.Labels(f), SurrogateLoss.CeRate);
        double value = network.Backward(loss);

        Assert.That(value, Is.EqualTo(f.Number("results.atan_alpha2.loss")).Within(1e-12), "the forward (and loss) do not depend on the surrogate");
        for (int l = 0; l < network.LayerCount; l++)
        {
            Assert.That(network.WeightGradient(l), Is.All.EqualTo(0.0), $"dL/dW{l + 1}");
            Assert.That(network.BiasGradient(l), Is.All.EqualTo(0.0), $"dL/db{l + 1}");
        }
    }

    [Test]
    public void Atan_training_lowers_the_loss_on_separable_data_deterministically()
    {
        double[] first = TrainRun(SurrogateSpec.Default);
        double[] second = TrainRun(SurrogateSpec.Default);

        TestContext.Out.WriteLine("losses: " + string.Join(", ", first.Select(l => l.ToString("F4"))));
        Assert.That(second, Is.EqualTo(first), "same seed, same losses, bit for bit");
        Assert.That(first[^1], Is.LessThan(0.5 * first[0]), $"loss {first[0]} -> {first[^1]}");
    }

    [Test]
    public void Step_surrogate_training_does_not_move_the_weights()
    {
        double[] losses = TrainRun(new SurrogateSpec(SurrogateKind.Step));
        Assert.That(losses, Is.All.EqualTo(losses[0]));
    }

    [Test]
    public void Trained_network_predicts_the_separable_classes_and_exports_its_weights()
    {
        (float[] x, int[] labels) = SeparableData(batch: 32, seed: 3);
        using SurrogateNetwork network = InitialNetwork(SurrogateSpec.Default, seed: 11);
        using var trainer = new SurrogateBatchTrainer(network, new SurrogateBatchTrainerOptions(LearningRate: 0.02));
        for (int epoch = 0; epoch < 60; epoch++) trainer.TrainBatch(x, labels, labels.Length, Steps);

        int[] predicted = trainer.Predict(x, labels.Length, Steps);
        Assert.That(predicted.Zip(labels).Count(p => p.First == p.Second), Is.GreaterThanOrEqualTo(30));

        IReadOnlyList<SurrogateLayer> exported = network.ExportLayers();
        using var copy = new SurrogateNetwork(exported, SurrogateSpec.Default);
        using var copyTrainer = new SurrogateBatchTrainer(copy);
        Assert.That(copyTrainer.Predict(x, labels.Length, Steps), Is.EqualTo(predicted));
        Assert.That(exported[0].Beta, Is.EqualTo(0.9));
    }

    [Test]
    public void Sgd_with_momentum_also_lowers_the_loss()
    {
        (float[] x, int[] labels) = SeparableData(batch: 16, seed: 5);
        using SurrogateNetwork network = InitialNetwork(SurrogateSpec.Parse("fast-sigmoid"), seed: 2);
        using var trainer = new SurrogateBatchTrainer(network, new SurrogateBatchTrainerOptions(SurrogateOptimizer.Sgd, LearningRate: 0.5, Momentum: 0.9));
        double before = trainer.Evaluate(x, labels, labels.Length, Steps);
        for (int epoch = 0; epoch < 40; epoch++) trainer.TrainBatch(x, labels, labels.Length, Steps);
        Assert.That(trainer.Evaluate(x, labels, labels.Length, Steps), Is.LessThan(before));
    }

    [Test]
    public void Count_losses_follow_snntorch_definitions()
    {
        // T = 2, B = 2, C = 3; counts [[2,0,1],[0,1,0]], labels [0, 2].
        float[] spikes = { 1, 0, 1, 0, 1, 0, 1, 0, 0, 0, 0, 0 };
        using var s = tensor(spikes, new long[] { 2, 2, 3 }).to_type(ScalarType.Float64);
        using var labels = tensor(new long[] { 0, 2 });
        double Ce(double[] logits, int label) => Math.Log(logits.Sum(Math.Exp)) - logits[label];

        using Tensor count = SurrogateNetwork.Loss(s, labels, SurrogateLoss.CeCount);
        Assert.That(count.item<double>(), Is.EqualTo((Ce(new double[] { 2, 0, 1 }, 0) + Ce(new double[] { 0, 1, 0 }, 2)) / 2).Within(1e-12));

        using Tensor rate = SurrogateNetwork.Loss(s, labels, SurrogateLoss.CeRate);
        double expectedRate = (Ce(new double[] { 1, 0, 1 }, 0) + Ce(new double[] { 0, 1, 0 }, 2) + Ce(new double[] { 1, 0, 0 }, 0) + Ce(new double[] { 0, 0, 0 }, 2)) / 4;
        Assert.That(rate.item<double>(), Is.EqualTo(expectedRate).Within(1e-12));

        using Tensor mse = SurrogateNetwork.Loss(s, labels, SurrogateLoss.MseCount);
        // targets [[2,0,0],[0,0,2]]: squared errors 0,0,1,0,1,4 -> mean 1, divided by T = 2.
        Assert.That(mse.item<double>(), Is.EqualTo(0.5).Within(1e-12));
    }

    [TestCase(-0.3), TestCase(0.0), TestCase(0.7)]
    public void Surrogate_derivatives_have_their_documented_values(double v)
    {
        double Derivative(SurrogateSpec spec)
        {
            using var input = tensor(new[] { v });
            using Tensor d = SurrogateSpike.Derivative(input, spec);
            return d.item<double>();
        }
        Assert.That(Derivative(new SurrogateSpec(SurrogateKind.Atan, Alpha: 2)), Is.EqualTo(1 / (1 + Math.Pow(Math.PI * v, 2))).Within(1e-15));
        Assert.That(Derivative(new SurrogateSpec(SurrogateKind.FastSigmoid, Slope: 25)), Is.EqualTo(1 / Math.Pow(25 * Math.Abs(v) + 1, 2)).Within(1e-15));
        Assert.That(Derivative(new SurrogateSpec(SurrogateKind.Triangle)), Is.EqualTo(Math.Max(0, 1 - Math.Abs(v))).Within(1e-15));
        Assert.That(Derivative(new SurrogateSpec(SurrogateKind.Step)), Is.EqualTo(0.0));
    }

    [Test]
    public void Surrogate_names_parse_and_round_trip()
    {
        Assert.That(SurrogateSpec.Parse("atan"), Is.EqualTo(new SurrogateSpec(SurrogateKind.Atan)));
        Assert.That(SurrogateSpec.Parse("fast_sigmoid:10"), Is.EqualTo(new SurrogateSpec(SurrogateKind.FastSigmoid, Slope: 10)));
        Assert.That(SurrogateSpec.Parse("Triangle").Kind, Is.EqualTo(SurrogateKind.Triangle));
        Assert.That(SurrogateSpec.Parse("step").Kind, Is.EqualTo(SurrogateKind.Step));
        Assert.That(SurrogateSpec.Parse(SurrogateSpec.Parse("atan:3").ToString()), Is.EqualTo(new SurrogateSpec(SurrogateKind.Atan, Alpha: 3)));
        Assert.Throws<FormatException>(() => SurrogateSpec.Parse("sigmoid"));
        Assert.Throws<FormatException>(() => SurrogateSpec.Parse("atan:-1"));
    }

    private const int Steps = 8;
    private const int Features = 4;

    private static double[] TrainRun(SurrogateSpec surrogate)
    {
        torch.manual_seed(1234);
        (float[] x, int[] labels) = SeparableData(batch: 16, seed: 1);
        using SurrogateNetwork network = InitialNetwork(surrogate, seed: 7);
        using var trainer = new SurrogateBatchTrainer(network, new SurrogateBatchTrainerOptions(LearningRate: 0.02));
        var losses = new List<double>();
        for (int epoch = 0; epoch < 40; epoch++) losses.Add(trainer.TrainBatch(x, labels, labels.Length, Steps));
        return losses.ToArray();
    }

    // Two classes: current mostly on the first two inputs (class 0) or the last two (class 1).
    private static (float[] X, int[] Labels) SeparableData(int batch, int seed)
    {
        var random = new Random(seed);
        var x = new float[batch * Features];
        var labels = new int[batch];
        for (int b = 0; b < batch; b++)
        {
            labels[b] = b % 2;
            for (int i = 0; i < Features; i++)
            {
                bool active = (i < Features / 2) == (labels[b] == 0);
                x[b * Features + i] = (float)((active ? 0.8 : 0.1) + 0.2 * random.NextDouble());
            }
        }
        return (x, labels);
    }

    // PyTorch's Linear default: uniform in [-1/sqrt(fan_in), 1/sqrt(fan_in)] (../shared/LFP.md, "Initialisation").
    private static SurrogateNetwork InitialNetwork(SurrogateSpec surrogate, int seed)
    {
        var random = new Random(seed);
        SurrogateLayer Layer(int inputs, int outputs)
        {
            float bound = 1f / MathF.Sqrt(inputs);
            float Draw() => (float)(random.NextDouble() * 2 - 1) * bound;
            return new SurrogateLayer(
                Enumerable.Range(0, inputs * outputs).Select(_ => Draw()).ToArray(),
                Enumerable.Range(0, outputs).Select(_ => Draw()).ToArray(),
                inputs, outputs);
        }
        return new SurrogateNetwork(new[] { Layer(Features, 10), Layer(10, 2) }, surrogate);
    }
}
