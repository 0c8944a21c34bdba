using SpikeLfp.Data;
using SpikeLfp.Learning.Surrogate;
using SpikeLfp.Learning.Training;
using SpikeLfp.Network.Encoding;
using SpikeLfp.Network.Model;
using SpikeLfp.Neurons;

namespace SpikeLfp.Tests.Compare;

/// <summary>Surrogate-gradient training of an ordinary SpikeLfp model, measured like LFP.</summary>
public class SurrogateGradientTrainerTests
{
    private static DatasetSplit SmallDigits()
    {
        var digits = DigitsDataset.Load();
        return new DatasetSplit(digits.Train.Take(320), digits.Test.Take(160));
    }

    private static (List<EpochMetrics> Metrics, SpikingNetwork Network) Train(SurrogateSpec surrogate, int epochs, int seed = 0)
    {
        var data = SmallDigits();
        var network = SpikingNetwork.Create(NetworkSpec.Parse("64-40-10", LifParameters.Default), seed);
        using var trainer = new SurrogateGradientTrainer(network, new SurrogateGradientOptions { Seed = seed, Surrogate = surrogate, Trainer = new SurrogateBatchTrainerOptions(LearningRate: 5e-3) });
        var metrics = Enumerable.Range(1, epochs).Select(e => trainer.TrainEpoch(data.Train, data.Test, e)).ToList();
        return (metrics, network);
    }

    [Test]
    public void Atan_training_is_deterministic_and_learns_digits()
    {
        var (first, network) = Train(SurrogateSpec.Default, epochs: 4);
        var (second, _) = Train(SurrogateSpec.Default, epochs: 4);
        foreach (var (a, b) in first.Zip(second))
        {
            Assert.That(b.TestAccuracy, Is.EqualTo(a.TestAccuracy), $"epoch {a.Epoch}: test accuracy");
            Assert.That(b.TrainAccuracy, Is.EqualTo(a.TrainAccuracy), $"epoch {a.Epoch}: train accuracy");
            Assert.That(b.MeanObjective, Is.EqualTo(a.MeanObjective), $"epoch {a.Epoch}: mean loss, bit for bit");
            Assert.That(b.SpikeRates, Is.EqualTo(a.SpikeRates), $"epoch {a.Epoch}: spike rates");
        }
        TestContext.Out.WriteLine(string.Join("\n", first.Select(m => $"epoch {m.Epoch}: loss {m.MeanObjective:F4} train {m.TrainAccuracy:P1} test {m.TestAccuracy:P1}")));
        Assert.That(first[^1].MeanObjective, Is.LessThan(first[0].MeanObjective), "the loss goes down");
        Assert.That(first[^1].TestAccuracy, Is.GreaterThan(0.5), "well above chance (10%) after 4 short epochs");
        Assert.That(first[^1].SpikeRates.Keys, Is.EqualTo(new[] { "hidden1", "output" }));

        var data = SmallDigits();
        double evaluated = Evaluator.Accuracy(network, data.Test, 15, new ConstantCurrentEncoder());
        Assert.That(evaluated, Is.EqualTo(first[^1].TestAccuracy), "test accuracy is the ordinary simulator's, on the exported weights");
    }

    [Test]
    public void Step_surrogate_leaves_every_weight_where_it_started()
    {
        var initial = SpikingNetwork.Create(NetworkSpec.Parse("64-40-10", LifParameters.Default), 0);
        var (metrics, trained) = Train(new SurrogateSpec(SurrogateKind.Step), epochs: 2);
        for (int k = 0; k < initial.Layers.Count; k++)
        {
            Assert.That(trained.Layers[k].DenseConnection.Weights, Is.EqualTo(initial.Layers[k].DenseConnection.Weights).AsCollection, $"layer {k} weights");
            Assert.That(trained.Layers[k].DenseConnection.Bias, Is.EqualTo(initial.Layers[k].DenseConnection.Bias).AsCollection, $"layer {k} bias");
        }
        Assert.That(metrics[1].TestAccuracy, Is.EqualTo(metrics[0].TestAccuracy));
    }

    [Test]
    public void Near_zero_fraction_counts_weights_below_a_thousandth_of_the_layer_maximum()
    {
        var network = SpikingNetwork.Create(NetworkSpec.Parse("4-2", LifParameters.Default), 0);
        float[] w = network.Layers[0].DenseConnection.Weights;
        float[] values = [2f, -1f, 0.0019f, -0.0021f, 0f, 0.5f, -0.001f, 1e-7f];
        values.CopyTo(w, 0);
        // Largest |w| is 2, so the limit is 0.002: 0.0019, 0, -0.001 and 1e-7 are near zero.
        Assert.That(RuleComparison.NearZeroWeightFraction(network), Is.EqualTo(4 / 8.0));
    }
}
