using SpikeLfp.Learning.Training;
using SpikeLfp.Network.Encoding;
using SpikeLfp.Network.Model;
using SpikeLfp.Neurons;
using static TorchSharp.torch;

namespace SpikeLfp.Bench;

/// <summary>
/// A workload beside the MLP: a network, its steps, and the data and input encoder it trains on.
/// </summary>
/// <param name="Key">Name of the workload in the report ("recurrent", "events", "lifcnn").</param>
/// <param name="Spec">The network (a dense spec, or a convolutional one that <see cref="ConvSpec.Parse"/> reads).</param>
/// <param name="Steps">Simulation steps.</param>
/// <param name="Input">What the input is, in words.</param>
/// <param name="Data">Builds the samples and their encoder from a sample count and a seed.</param>
/// <param name="Batches">Pre-training, timed LFP and timed dense-torch batches for the options.</param>
/// <param name="Architecture">The network's layers and neurons in words, for the method line.</param>
/// <param name="DenseWork">What the dense torch step does beyond a dense forward, in words, for the method line.</param>
public sealed record SequenceWorkload(string Key, string Spec, int Steps, string Input,
    Func<int, int, (IBenchData Data, IInputEncoder Encoder, double? InputRate)> Data,
    Func<BenchmarkOptions, (int Pretrain, int Lfp, int Torch)> Batches,
    string Architecture = "LIF (beta 0.9, threshold 1, delayed subtract reset, hidden layer recurrent)",
    string DenseWork = "forward with V s_(t-1) as a matmul per step")
{
    /// <summary>A fresh network of <see cref="Spec"/> (LIF, default parameters) from <paramref name="seed"/>.</summary>
    public SpikingNetwork CreateNetwork(int seed) => ConvSpec.IsConvSpec(Spec)
        ? ConvSpec.Parse(Spec, LifParameters.Default).Create(seed)
        : SpikingNetwork.Create(NetworkSpec.Parse(Spec, LifParameters.Default), seed);
}

/// <summary>
/// LFP training of a recurrent or convolutional network, SpikeLfp against dense TorchSharp in one process, batch 128,
/// LIF neurons (beta 0.9, threshold 1, delayed subtract reset). Three workloads: <see cref="Rows"/> (sequential images,
/// analog rows, the hidden layer recurrent: z_t = W x_t + b + V s_{t-1} + b_V), <see cref="Events"/> (recorded spikes:
/// the first layer is event-driven too) and <see cref="LifCnn"/> (the reference's convolutional network). After a few
/// batches of training the two implementations are checked to give the same feedback, then their training repeats
/// alternate and each rate is the median.
/// </summary>
public static class RecurrentBenchmark
{
    /// <summary>The network of the rows workload: 28 inputs (one image row), 256 recurrent hidden neurons, 10 outputs.</summary>
    public const string Spec = "28-r256-10";
    /// <summary>Features per row of a Fashion-MNIST image: the inputs per step.</summary>
    public const int RowLength = 28;
    /// <summary>Simulation steps of the rows workload: one per image row.</summary>
    public const int Steps = 28;

    /// <summary>28-r256-10, T = 28, rows encoder (row t of a 28 x 28 image at step t) on <see cref="SyntheticImages"/>.</summary>
    public static readonly SequenceWorkload Rows = new("recurrent", Spec, Steps, "rows input",
        (count, seed) => (new SyntheticImages(count, seed), RowsEncoder.For(SyntheticImages.InputSize, RowLength), null),
        o => (o.RecurrentPretrainBatches, o.RecurrentLfpBatches, o.RecurrentTorchLfpBatches));

    /// <summary>700-r256-20, T = 100, recorded spikes on <see cref="SyntheticEvents"/> (SHD-shaped).</summary>
    public static readonly SequenceWorkload Events = new("events", $"{SyntheticEvents.Channels}-r256-{SyntheticEvents.ClassCount}", SyntheticEvents.Steps,
        "recorded input spikes (synthetic SHD-shaped: 700 channels, 10 ms bins)",
        (count, seed) => { var d = new SyntheticEvents(count, seed); return (d, d.Encoder, d.InputSpikeRate); },
        o => (o.EventPretrainBatches, o.EventLfpBatches, o.EventTorchLfpBatches));

    /// <summary>
    /// lfprop's LifCNN, 28x28x1-c12k5-p2-c64k5-p2-10, T = 15, constant current on <see cref="SyntheticImages"/>: the
    /// dense side runs conv2d per step, as the reference does.
    /// </summary>
    public static readonly SequenceWorkload LifCnn = new("lifcnn", ConvSpec.LifCnnSpec, LfpBenchmark.Steps, "constant current (synthetic Fashion-MNIST-shaped images)",
        (count, seed) => (new SyntheticImages(count, seed), new ConstantCurrentEncoder(), null),
        o => (o.LifCnnPretrainBatches, o.LifCnnLfpBatches, o.LifCnnTorchLfpBatches),
        Architecture: "LIF (beta 0.9, threshold 1, delayed subtract reset), convolutions 5x5, max pooling 2x2",
        DenseWork: "conv2d forward per step on NCHW images, every position computed whether its inputs fired or not; per step the weight feedback by im2col and the reward handed down by conv_transpose2d and max_unpool2d");

    /// <summary>Pre-trains, checks the feedback and measures training side by side; progress goes to <paramref name="log"/>.</summary>
    public static RecurrentReport Run(SequenceWorkload workload, BenchmarkOptions options, TextWriter log)
    {
        var (data, encoder, inputRate) = workload.Data(LfpBenchmark.DataBatches * LfpBenchmark.TrainBatchSize, options.Seed);
        var (pretrain, lfpBatches, torchBatches) = workload.Batches(options);
        var network = workload.CreateNetwork(options.Seed);
        var training = new TrainingOptions { BatchSize = LfpBenchmark.TrainBatchSize, Steps = workload.Steps, Seed = options.Seed, Encoder = InputEncoders.Parse(encoder.Name) };
        var trainer = new LfpTrainer(network, training, encoder: encoder);
        var keys = Enumerable.Range(0, LfpBenchmark.TrainBatchSize).Select(i => EpochSchedule.TrainingKey(1, i)).ToArray();
        int hidden = network.Layers[0].Size;
        string name = $"{workload.Key} {workload.Spec}, T={workload.Steps}, {workload.Input}";

        var spikes = new double[network.Layers.Count];
        for (int i = 0; i < pretrain; i++) LfpBenchmark.TrainOne(trainer, data, i, keys, spikes);
        double pretrainRate = LfpBenchmark.HiddenRate(spikes, pretrain, hidden, workload.Steps);
        log.WriteLine($"{name}: pre-trained {pretrain} batches (hidden spike rate {pretrainRate:P2}{(inputRate is { } r ? $", input spike rate {r:P2}" : "")})");

        set_num_threads(LfpBenchmark.TorchThreads);
        var check = FeedbackCheck.Compare(network, data.Batch(0, LfpBenchmark.TrainBatchSize), data.Labels.AsSpan(0, LfpBenchmark.TrainBatchSize), workload.Steps, encoder);
        log.WriteLine($"{workload.Key}: {check.Summary()}");

        var (oursRate, torchRate, hiddenRate) = TrainSideBySide(trainer, workload.Steps, data, keys, pretrain, lfpBatches, torchBatches, options.Repeats);
        log.WriteLine($"{workload.Key} LFP training: ours {oursRate:F0} samples/s (hidden spike rate {hiddenRate:P2}), dense torch {torchRate:F0} samples/s");
        return new RecurrentReport
        {
            Workload = workload.Key,
            Network = workload.Spec,
            Steps = workload.Steps,
            Encoder = encoder.Name,
            Input = workload.Input,
            InputSpikeRate = inputRate,
            LfpTrainSamplesPerSecond = oursRate,
            LfpDenseTorchSamplesPerSecond = torchRate,
            HiddenSpikeRate = hiddenRate,
            PretrainBatches = pretrain,
            FeedbackCheck = check,
            Method = $"{workload.Spec} {workload.Architecture}, T={workload.Steps}, {workload.Input}, " +
                $"batch {LfpBenchmark.TrainBatchSize}; {pretrain} pre-training batches; median over {options.Repeats} repeats (ours and torch alternating) of " +
                $"{lfpBatches} x LfpTrainer.TrainBatch and {torchBatches} x dense torch LFP ({workload.DenseWork}, every input " +
                $"multiplied whether it fired or not, backward, clip, SGD); torch threads {LfpBenchmark.TorchThreads}.",
        };
    }

    // Repeats alternate between our trainer and the dense torch step, which starts from a copy of our weights; returns
    // samples/s of each (median over repeats) and the hidden spike rate of our timed batches.
    private static (double Ours, double Torch, double HiddenRate) TrainSideBySide(LfpTrainer trainer, int steps, IBenchData data, long[] keys,
        int firstBatch, int lfpBatches, int torchBatches, int repeats)
    {
        const int batchSize = LfpBenchmark.TrainBatchSize, dataBatches = LfpBenchmark.DataBatches;
        var training = trainer.Options;
        using var dense = new DenseTorchLfp(trainer.Network.Clone(), training.LearningRate, training.Momentum, training.ClipNorm);
        var inputs = Enumerable.Range(0, dataBatches).Select(b => dense.Input(data.Batch(b * batchSize, batchSize), batchSize, trainer.Encoder, steps)).ToArray();
        try
        {
            int oursBatch = firstBatch, torchBatch = 0, timedBatches = 0;
            // Warm-up: one batch each (JIT, libtorch's thread pool, our workspace).
            LfpBenchmark.TrainOne(trainer, data, oursBatch++, keys, null);
            dense.TrainBatch(inputs[torchBatch % dataBatches], LfpBenchmark.Labels(data, torchBatch++), steps);
            var spikes = new double[trainer.Network.Layers.Count];
            var (oursSeconds, torchSeconds) = LfpBenchmark.MedianSecondsSideBySide(repeats,
                () =>
                {
                    for (int i = 0; i < lfpBatches; i++) LfpBenchmark.TrainOne(trainer, data, oursBatch++, keys, spikes);
                    timedBatches += lfpBatches;
                },
                () =>
                {
                    for (int i = 0; i < torchBatches; i++, torchBatch++)
                        dense.TrainBatch(inputs[torchBatch % dataBatches], LfpBenchmark.Labels(data, torchBatch), steps);
                });
            return (lfpBatches * batchSize / oursSeconds, torchBatches * batchSize / torchSeconds,
                LfpBenchmark.HiddenRate(spikes, timedBatches, trainer.Network.Layers[0].Size, steps));
        }
        finally
        {
            foreach (var t in inputs) t.Dispose();
        }
    }
}
