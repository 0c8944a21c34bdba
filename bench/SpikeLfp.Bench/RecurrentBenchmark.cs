using SpikeLfp.Learning.Training;
using SpikeLfp.Network.Encoding;
using SpikeLfp.Network.Model;
using SpikeLfp.Neurons;
using static TorchSharp.torch;

namespace SpikeLfp.Bench;

/// <summary>
/// LFP training of a recurrent network on sequential images, SpikeLfp against dense TorchSharp in one process:
/// 28-r256-10 (LIF, beta 0.9, threshold 1, delayed subtract reset; the hidden layer recurrent,
/// z_t = W x_t + b + V s_{t-1} + b_V), T = 28 with the rows encoder (step t presents row t of a 28 x 28 image),
/// batch 128, on <see cref="SyntheticImages"/> as the MLP workload. After a few batches of training the two are
/// checked to give the same feedback, then their training repeats alternate and each rate is the median.
/// </summary>
public static class RecurrentBenchmark
{
    /// <summary>The network: 28 inputs (one image row), 256 recurrent hidden neurons, 10 outputs.</summary>
    public const string Spec = "28-r256-10";
    /// <summary>Features per row of a Fashion-MNIST image: the inputs per step.</summary>
    public const int RowLength = 28;
    /// <summary>Simulation steps: one per image row.</summary>
    public const int Steps = 28;

    /// <summary>Pre-trains, checks the feedback and measures training side by side; progress goes to <paramref name="log"/>.</summary>
    public static RecurrentReport Run(BenchmarkOptions options, TextWriter log)
    {
        var data = new SyntheticImages(LfpBenchmark.DataBatches * LfpBenchmark.TrainBatchSize, options.Seed);
        var encoder = RowsEncoder.For(SyntheticImages.InputSize, RowLength);
        var network = SpikingNetwork.Create(NetworkSpec.Parse(Spec, LifParameters.Default), options.Seed);
        var training = new TrainingOptions { BatchSize = LfpBenchmark.TrainBatchSize, Steps = Steps, Seed = options.Seed, Encoder = encoder.Name };
        var trainer = new LfpTrainer(network, training, encoder: encoder);
        var keys = Enumerable.Range(0, LfpBenchmark.TrainBatchSize).Select(i => EpochSchedule.TrainingKey(1, i)).ToArray();
        int hidden = network.Layers[0].Size;

        var spikes = new double[network.Layers.Count];
        for (int i = 0; i < options.RecurrentPretrainBatches; i++) LfpBenchmark.TrainOne(trainer, data, i, keys, spikes);
        double pretrainRate = LfpBenchmark.HiddenRate(spikes, options.RecurrentPretrainBatches, hidden, Steps);
        log.WriteLine($"recurrent {Spec}, T={Steps}, rows input: pre-trained {options.RecurrentPretrainBatches} batches (hidden spike rate {pretrainRate:P2})");

        set_num_threads(LfpBenchmark.TorchThreads);
        var check = FeedbackCheck.Compare(network, data.Batch(0, LfpBenchmark.TrainBatchSize), data.Labels.AsSpan(0, LfpBenchmark.TrainBatchSize), Steps, encoder);
        log.WriteLine($"recurrent: {check.Summary()}");

        var (oursRate, torchRate, hiddenRate) = TrainSideBySide(trainer, encoder, data, keys, options.RecurrentPretrainBatches, options);
        log.WriteLine($"recurrent LFP training: ours {oursRate:F0} samples/s (hidden spike rate {hiddenRate:P2}), dense torch {torchRate:F0} samples/s");
        return new RecurrentReport
        {
            Network = Spec,
            Steps = Steps,
            LfpTrainSamplesPerSecond = oursRate,
            LfpDenseTorchSamplesPerSecond = torchRate,
            HiddenSpikeRate = hiddenRate,
            PretrainBatches = options.RecurrentPretrainBatches,
            FeedbackCheck = check,
            Method = Describe(options),
        };
    }

    // Repeats alternate between our trainer and the dense torch step, which starts from a copy of our weights; returns
    // samples/s of each (median over repeats) and the hidden spike rate of our timed batches.
    private static (double Ours, double Torch, double HiddenRate) TrainSideBySide(LfpTrainer trainer, RowsEncoder encoder, SyntheticImages data, long[] keys,
        int firstBatch, BenchmarkOptions options)
    {
        const int batchSize = LfpBenchmark.TrainBatchSize, dataBatches = LfpBenchmark.DataBatches;
        var training = trainer.Options;
        using var dense = new DenseTorchLfp(trainer.Network.Clone(), training.LearningRate, training.Momentum, training.ClipNorm);
        var inputs = Enumerable.Range(0, dataBatches).Select(b => dense.Sequence(data.Batch(b * batchSize, batchSize), batchSize, encoder, Steps)).ToArray();
        try
        {
            int oursBatch = firstBatch, torchBatch = 0, timedBatches = 0;
            // Warm-up: one batch each (JIT, libtorch's thread pool, our workspace).
            LfpBenchmark.TrainOne(trainer, data, oursBatch++, keys, null);
            dense.TrainBatch(inputs[torchBatch % dataBatches], LfpBenchmark.Labels(data, torchBatch++), Steps);
            var spikes = new double[trainer.Network.Layers.Count];
            var (oursSeconds, torchSeconds) = LfpBenchmark.MedianSecondsSideBySide(options.Repeats,
                () =>
                {
                    for (int i = 0; i < options.RecurrentLfpBatches; i++) LfpBenchmark.TrainOne(trainer, data, oursBatch++, keys, spikes);
                    timedBatches += options.RecurrentLfpBatches;
                },
                () =>
                {
                    for (int i = 0; i < options.RecurrentTorchLfpBatches; i++, torchBatch++)
                        dense.TrainBatch(inputs[torchBatch % dataBatches], LfpBenchmark.Labels(data, torchBatch), Steps);
                });
            return (options.RecurrentLfpBatches * batchSize / oursSeconds, options.RecurrentTorchLfpBatches * batchSize / torchSeconds,
                LfpBenchmark.HiddenRate(spikes, timedBatches, trainer.Network.Layers[0].Size, Steps));
        }
        finally
        {
            foreach (var t in inputs) t.Dispose();
        }
    }

    private static string Describe(BenchmarkOptions o) =>
        $"{Spec} LIF (beta 0.9, threshold 1, delayed subtract reset, hidden layer recurrent), T={Steps}, rows encoder (row t of a 28x28 image at step t), " +
        $"synthetic Fashion-MNIST-shaped data, batch {LfpBenchmark.TrainBatchSize}; {o.RecurrentPretrainBatches} pre-training batches; " +
        $"median over {o.Repeats} repeats (ours and torch alternating) of {o.RecurrentLfpBatches} x LfpTrainer.TrainBatch and " +
        $"{o.RecurrentTorchLfpBatches} x dense torch LFP (forward with V s_(t-1) as a matmul per step, backward, clip, SGD); " +
        $"torch threads {LfpBenchmark.TorchThreads}.";
}
