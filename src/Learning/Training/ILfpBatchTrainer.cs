using System.Diagnostics;
using SpikeLfp.Data;
using SpikeLfp.Learning.Optimizers;
using SpikeLfp.Network.Backends;
using SpikeLfp.Network.Encoding;
using SpikeLfp.Network.Model;

namespace SpikeLfp.Learning.Training;

/// <summary>
/// One LFP update per batch, wherever it runs: on the host (<see cref="LfpTrainer"/>) or on a device that keeps the
/// weights and the optimizer state resident (SpikeLfp.Gpu's GpuLfpTrainer). <see cref="EpochLoop"/> drives either
/// through epochs, evaluation and checkpoints the same way, so a run, its checkpoints and its resume do not depend
/// on where the batches ran.
/// </summary>
public interface ILfpBatchTrainer
{
    /// <summary>The network being trained (up to date after <see cref="SyncNetwork"/>).</summary>
    SpikingNetwork Network { get; }
    /// <summary>Settings.</summary>
    TrainingOptions Options { get; }
    /// <summary>The input encoder of training and evaluation.</summary>
    IInputEncoder Encoder { get; }
    /// <summary>Where evaluation simulates: the trainer's own backend (null: a new <see cref="CpuBackend"/> on all cores).</summary>
    IComputeBackend? EvaluationBackend { get; }

    /// <summary>
    /// One LFP update on a batch; returns the summed reward and the number of correct predictions (made by the
    /// forward pass before the update). Adds each layer's spike count to <paramref name="spikeTotals"/>.
    /// </summary>
    /// <exception cref="NumericalInstabilityException">Feedback, weights or membranes became NaN or infinite.</exception>
    (double Reward, int Correct) TrainBatch(ReadOnlySpan<float> features, ReadOnlySpan<int> labels, ReadOnlySpan<long> keys, int epoch, int batchIndex, double[]? spikeTotals = null);

    /// <summary>Makes <see cref="Network"/> hold the trained weights (a device trainer downloads them).</summary>
    void SyncNetwork();

    /// <summary>The optimizer's state, in the form checkpoints store (the same on every backend).</summary>
    OptimizerState SaveOptimizerState();

    /// <summary>Restores state written by <see cref="SaveOptimizerState"/> (or by another backend's trainer).</summary>
    void LoadOptimizerState(OptimizerState state);
}

/// <summary>Epochs of an <see cref="ILfpBatchTrainer"/>: the data order, batches, metrics and evaluation.</summary>
public static class EpochLoop
{
    /// <summary>
    /// Trains the rest of the epoch described by <paramref name="state"/>, starting at its
    /// <see cref="EpochProgress.NextBatch"/>, then evaluates on <paramref name="test"/>. <paramref name="state"/> is
    /// updated after every batch, so when <paramref name="cancellation"/> stops the epoch at a batch boundary it
    /// holds exactly what a checkpoint needs to continue; continuing from it gives bit-identical results.
    /// <paramref name="progress"/> receives the number of samples done after each batch.
    /// </summary>
    /// <exception cref="NumericalInstabilityException">Feedback, weights or membranes became NaN or infinite; <paramref name="state"/> then no longer matches the network.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellation"/> was signalled; checked before each batch.</exception>
    public static EpochMetrics TrainEpoch(ILfpBatchTrainer trainer, Dataset train, Dataset test, EpochProgress state, IProgress<int>? progress = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(trainer);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(test);
        ArgumentNullException.ThrowIfNull(state);
        var network = trainer.Network;
        var options = trainer.Options;
        int features = trainer.Encoder.FeaturesPerSample(network.InputSize);
        if (train.FeatureCount != features)
            throw new ArgumentException($"the data set has {train.FeatureCount} features per sample but the model and encoder expect {features}.");
        if (train.ClassCount > network.OutputSize)
            throw new ArgumentException($"the data set has {train.ClassCount} classes but the model has only {network.OutputSize} output neurons.");
        if (state.SpikeTotals.Length != network.Layers.Count)
            throw new ArgumentException($"the epoch progress counts spikes of {state.SpikeTotals.Length} layers but the model has {network.Layers.Count}.");
        int batches = (train.Count + options.BatchSize - 1) / options.BatchSize;
        if (state.NextBatch < 0 || state.NextBatch > batches)
            throw new ArgumentException($"the epoch progress is at batch {state.NextBatch} but an epoch has {batches} batches.");
        int epoch = state.Epoch;
        var batchFeatures = new float[options.BatchSize * features];
        var batchLabels = new int[options.BatchSize];
        var batchKeys = new long[options.BatchSize];
        var clock = Stopwatch.StartNew();
        double secondsBefore = state.TrainSeconds;
        var order = EpochSchedule.Order(train.Count, options.Seed, epoch);
        for (int batchIndex = state.NextBatch, start = batchIndex * options.BatchSize; start < train.Count; start += options.BatchSize, batchIndex++)
        {
            cancellation.ThrowIfCancellationRequested();
            int count = Math.Min(options.BatchSize, train.Count - start);
            for (int i = 0; i < count; i++)
            {
                int index = order[start + i];
                train.Sample(index).CopyTo(batchFeatures.AsSpan(i * features, features));
                batchLabels[i] = train.Labels[index];
                batchKeys[i] = EpochSchedule.TrainingKey(epoch, index);
            }
            var (reward, hits) = trainer.TrainBatch(batchFeatures.AsSpan(0, count * features), batchLabels.AsSpan(0, count), batchKeys.AsSpan(0, count), epoch, batchIndex, state.SpikeTotals);
            // Same summation order whether or not the epoch was resumed, so the sums are bit-identical.
            state.RewardTotal += reward;
            state.Correct += hits;
            state.NextBatch = batchIndex + 1;
            state.TrainSeconds = secondsBefore + clock.Elapsed.TotalSeconds;
            progress?.Report(start + count);
        }
        double trainSeconds = secondsBefore + clock.Elapsed.TotalSeconds;
        trainer.SyncNetwork();
        double testAccuracy = Evaluator.Accuracy(network, test, options.Steps, trainer.Encoder, options.EvaluationBatchSize, trainer.EvaluationBackend);
        var rates = new Dictionary<string, double>();
        for (int k = 0; k < network.Layers.Count; k++)
            rates[network.LayerName(k)] = state.SpikeTotals[k] / ((double)train.Count * options.Steps * network.Layers[k].Size);
        return new EpochMetrics(epoch, state.Correct / (double)train.Count, testAccuracy, state.RewardTotal / train.Count, rates,
            secondsBefore + clock.Elapsed.TotalSeconds, train.Count / trainSeconds);
    }
}
