using SpikeLfp.Data;
using SpikeLfp.Learning.Surrogate;
using SpikeLfp.Learning.Training;
using SpikeLfp.Network.Encoding;
using SpikeLfp.Network.Model;
using SpikeLfp.Network.Simulation;
using SpikeLfp.Network.Synapses;
using SpikeLfp.Neurons;
using TorchSharp;

namespace SpikeLfp.Tests.Compare;

/// <summary>
/// The surrogate baseline on recurrent and current-based LIF networks fed image rows: exact model exchange (V and b_V
/// included), the simulator's spikes, and training through <see cref="SurrogateGradientTrainer"/>.
/// </summary>
public class SurrogateRecurrentTests
{
    private const int Rows = 8, RowLength = 8, Classes = 4;

    // Hidden neurons: RSynaptic-like (zero-all, delayed), current-based with immediate subtract, RLeaky-like (zero-all, immediate).
    private static readonly NeuronModel[] HiddenVariants =
    [
        new CubaLifNeuron(new LifParameters(0.85f, 1f, ResetMode.ZeroAll), 0.7f),
        new CubaLifNeuron(new LifParameters(0.9f, 1f, ResetMode.Subtract, delayedReset: false), 0.5f),
        new LifNeuron(new LifParameters(0.9f, 1f, ResetMode.ZeroAll, delayedReset: false)),
    ];

    private static SpikingNetwork Network(NeuronModel hidden, int seed, params int[] hiddenSizes)
    {
        var layers = hiddenSizes.Select(size => new LayerSpec(size, hidden, Recurrent: true))
            .Append(new LayerSpec(Classes, LifParameters.Default)).ToArray();
        return SpikingNetwork.Create(new NetworkSpec(RowLength, layers), seed);
    }

    // 8x8 images in [-1, 1]: noise, with two bright rows that depend on the class, so the answer needs memory of the rows.
    private static Dataset RowsData(int count, int seed)
    {
        var random = new Random(seed);
        var features = new float[count * Rows * RowLength];
        var labels = new int[count];
        for (int n = 0; n < count; n++)
        {
            labels[n] = n % Classes;
            for (int i = 0; i < Rows * RowLength; i++)
            {
                bool bright = i / RowLength / 2 == labels[n];
                features[n * Rows * RowLength + i] = (float)((bright ? 0.6 : -0.3) + 0.4 * random.NextDouble());
            }
        }
        return new Dataset("rows", features, labels, Rows * RowLength, Classes, new Data.SampleShape(1, Rows, RowLength));
    }

    [Test]
    public void Recurrent_cuba_network_to_surrogate_and_back_is_exact()
    {
        var original = Network(HiddenVariants[0], seed: 4, 12);
        var layers = SurrogateModel.ToLayers(original);
        DenseSynapses recurrent = original.Layers[0].Recurrent!;
        Assert.That(layers[0].RecurrentWeights![3 * 12 + 7], Is.EqualTo(recurrent[3, 7]), "V[post=3, pre=7] output-major");
        Assert.That(layers[0].RecurrentBias, Is.EqualTo(recurrent.Bias).AsCollection);
        Assert.That(layers[0].Alpha, Is.EqualTo((double)0.7f));
        Assert.That(layers[0].Reset, Is.EqualTo(ResetMode.ZeroAll));
        Assert.That(layers[1].IsRecurrent, Is.False);
        Assert.That(layers[1].Alpha, Is.Null, "the output layer is plain LIF");

        using var surrogate = SurrogateModel.ToSurrogate(original, SurrogateSpec.Default);
        var back = SurrogateModel.ToNetwork(surrogate.ExportLayers());
        for (int k = 0; k < original.Layers.Count; k++)
        {
            Assert.That(back.Layers[k].Neuron, Is.EqualTo(original.Layers[k].Neuron), $"neuron kind and parameters of layer {k}");
            Assert.That(back.Layers[k].Parameters(), Is.EqualTo(original.Layers[k].Parameters()).AsCollection, $"W, b, V, bV of layer {k}, bit for bit");
        }

        var target = SpikingNetwork.Create(original.ToSpec(), seed: 99);
        SurrogateModel.CopyWeights(surrogate, target);
        Assert.That(target.Parameters(), Is.EqualTo(original.Parameters()).AsCollection, "CopyWeights writes every parameter, V and bV included");
    }

    [Test]
    public void Surrogate_forward_gives_the_simulators_spikes_on_rows_through_recurrent_layers([Range(0, 2)] int variant)
    {
        // Two blank steps after the last row: then only the synaptic current and the recurrent spikes drive the layers.
        const int steps = Rows + 2, batch = 8;
        var network = Network(HiddenVariants[variant], seed: 7, 20, 12);
        var random = new Random(3);
        float[] features = Enumerable.Range(0, batch * Rows * RowLength).Select(_ => (float)(random.NextDouble() * 2 - 0.5)).ToArray();
        var encoder = new RowsEncoder(Rows, RowLength);

        long[] keys = Enumerable.Range(0, batch).Select(i => (long)i).ToArray();
        foreach (var (k, spikes) in AssertBothForwardsMatch(network, encoder, features, keys, steps))
        {
            TestContext.Out.WriteLine($"layer {k}: {spikes} spikes");
            Assert.That(spikes, Is.GreaterThan(10), $"layer {k}: the comparison must see real spiking activity");
        }
    }

    // Spikes equal, membranes within float32 summation-order noise; returns the layer's spike count.
    private static long AssertLayerMatches(SurrogateTrace run, ForwardTrace trace, int k, int size, int steps, int batch)
    {
        using var spikeTensor = run.Spikes[k].contiguous();
        using var membraneTensor = run.Membranes[k].contiguous();
        float[] spikes = spikeTensor.data<float>().ToArray();      // [T, B, N]
        float[] membranes = membraneTensor.data<float>().ToArray();
        long total = 0;
        for (int t = 0; t < steps; t++)
            for (int b = 0; b < batch; b++)
            {
                var expected = new float[size];
                foreach (int i in trace.Layers[k].Spikes.Fired(b, t)) expected[i] = 1f;
                Assert.That(spikes.AsSpan((t * batch + b) * size, size).ToArray(), Is.EqualTo(expected).AsCollection, $"spikes of layer {k}, step {t}, sample {b}");
                Assert.That(membranes.AsSpan((t * batch + b) * size, size).ToArray(), Is.EqualTo(trace.Layers[k].MembraneAt(b, t).ToArray()).Within(1e-5f).AsCollection,
                    $"membranes of layer {k}, step {t}, sample {b}");
                total += expected.Count(s => s > 0);
            }
        return total;
    }

    private static (EpochMetrics Metrics, SpikingNetwork Network) TrainOneEpoch(Dataset train, Dataset test)
    {
        var network = Network(HiddenVariants[0], seed: 2, 12);
        var options = new SurrogateGradientOptions { Seed = 2, Steps = Rows, BatchSize = 16, Trainer = new SurrogateBatchTrainerOptions(LearningRate: 1e-2) };
        using var trainer = new SurrogateGradientTrainer(network, options, encoder: RowsEncoder.For(train.FeatureCount, network.InputSize));
        Assert.That(trainer.FeatureCount, Is.EqualTo(Rows * RowLength));
        return (trainer.TrainEpoch(train, test, 1), network);
    }

    [Test]
    public void Rows_training_of_a_recurrent_cuba_network_moves_V_deterministically()
    {
        Dataset train = RowsData(160, seed: 1), test = RowsData(64, seed: 2);
        var initial = Network(HiddenVariants[0], seed: 2, 12);
        var (metrics, trained) = TrainOneEpoch(train, test);
        var (again, _) = TrainOneEpoch(train, test);

        float[] v0 = initial.Layers[0].Recurrent!.Weights, v1 = trained.Layers[0].Recurrent!.Weights;
        int moved = v0.Zip(v1).Count(p => p.First != p.Second);
        TestContext.Out.WriteLine($"loss {metrics.MeanObjective:F4}, train {metrics.TrainAccuracy:P1}, test {metrics.TestAccuracy:P1}, V entries moved {moved}/{v0.Length}");
        Assert.That(moved, Is.GreaterThan(v0.Length / 2), "the recurrent weights V are trained");
        Assert.That(trained.Layers[0].Recurrent!.Bias, Is.Not.EqualTo(initial.Layers[0].Recurrent!.Bias).AsCollection, "b_V is trained");
        Assert.That(trained.Parameters().SelectMany(p => p).All(float.IsFinite), Is.True, "every trained parameter is finite");
        Assert.That(double.IsFinite(metrics.MeanObjective), Is.True, "the loss is finite");
        Assert.That(again.MeanObjective, Is.EqualTo(metrics.MeanObjective), "same seed, same loss, bit for bit");
        Assert.That(metrics.TestAccuracy, Is.EqualTo(Evaluator.Accuracy(trained, test, Rows, RowsEncoder.For(test.FeatureCount, RowLength))),
            "scored by the simulator on rows input with the trained weights");
    }

    [Test]
    public void Surrogate_forward_gives_the_simulators_spikes_on_spike_input([Values("rate", "events")] string input)
    {
        const int steps = 10, batch = 6;
        var network = Network(HiddenVariants[1], seed: 4, 12);
        var random = new Random(9);
        float[] features = Enumerable.Range(0, batch * network.InputSize).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        long[] keys = Enumerable.Range(20, batch).Select(i => (long)i).ToArray();
        IInputEncoder encoder = new BernoulliRateEncoder(3);
        if (input == "events")
        {
            // The rate encoder's spikes, recorded: a sample's feature is then its index in the recording.
            var rate = new Simulator(network, steps, encoder).Forward(features, keys);
            var builder = new RecordedSpikes.Builder(network.InputSize, steps);
            for (int b = 0; b < batch; b++)
                for (int t = 0; t < steps; t++) builder.AddStep(rate.InputSpikes!.Fired(b, t));
            encoder = new RecordedSpikeEncoder(builder.Build());
            features = Enumerable.Range(0, batch).Select(i => (float)i).ToArray();
        }

        foreach (var (k, spikes) in AssertBothForwardsMatch(network, encoder, features, keys, steps))
            Assert.That(spikes, Is.GreaterThan(5), $"layer {k} spikes");
    }

    // The simulator and the surrogate network run the same batch; every layer's spikes are equal and membranes close.
    // Returns each layer's spike count.
    private static List<(int Layer, long Spikes)> AssertBothForwardsMatch(SpikingNetwork network, IInputEncoder encoder, float[] features, long[] keys, int steps)
    {
        int batch = keys.Length;
        var trace = new Simulator(network, steps, encoder).Forward(features, keys);
        using var surrogate = SurrogateModel.ToSurrogate(network, SurrogateSpec.Default);
        using var noGrad = torch.no_grad();
        using var input = new SurrogateInput(encoder, network.InputSize).Encode(features, keys, batch, steps, torch.ScalarType.Float32);
        using var run = surrogate.Forward(input, steps);
        return Enumerable.Range(0, network.Layers.Count).Select(k => (k, AssertLayerMatches(run, trace, k, network.Layers[k].Size, steps, batch))).ToList();
    }

    [Test]
    public void Comparison_trains_the_surrogate_rule_on_rows_and_measures_it_on_rows()
    {
        Dataset train = RowsData(64, seed: 5), test = RowsData(32, seed: 6);
        var initial = Network(HiddenVariants[0], seed: 3, 12);
        var lfp = new TrainingOptions { Encoder = EncoderKind.Rows, Steps = Rows, BatchSize = 16, Seed = 3 };
        var surrogate = new SurrogateGradientOptions { Steps = Rows, BatchSize = 16, Seed = 3 };

        RuleRun run = RuleComparison.Train(new TrainingRule(SurrogateSpec.Default), initial, new DatasetSplit(train, test), 1, lfp, surrogate);

        Assert.That(run.Trained!.Layers[0].Recurrent!.Weights, Is.Not.EqualTo(initial.Layers[0].Recurrent!.Weights).AsCollection, "V trained");
        Assert.That(run.InitialTestAccuracy, Is.EqualTo(Evaluator.Accuracy(initial, test, Rows, RowsEncoder.For(test.FeatureCount, RowLength))));
        Assert.That(run.HiddenSpikeRate, Is.InRange(0.0, 1.0));
    }
}
