using System.Diagnostics;
using SpikeLfp.Data;
using SpikeLfp.Learning.Lfp;
using SpikeLfp.Learning.Optimizers;
using SpikeLfp.Learning.Rewards;
using SpikeLfp.Network.Backends;
using SpikeLfp.Network.Encoding;
using SpikeLfp.Network.Model;
using SpikeLfp.Network.Simulation;

namespace SpikeLfp.Learning.Training;

/// <summary>
/// Trains a spiking network with Layer-wise Feedback Propagation: per batch, simulate from rest, place the
/// rate-coded reward on the output spikes, propagate it back (no surrogate gradient anywhere),
/// step the optimizer with grad = -feedback after global-norm clipping. Deterministic for a given seed.
/// </summary>
public sealed class LfpTrainer
{
    private readonly TrainingOptions _options;
    private readonly Simulator _simulator;
    private readonly ILfpBackend _lfp;
    private readonly ISpikeReward _reward;
    private readonly float[][] _parameters;
    private LfpWorkspace? _workspace;
    private readonly Feedback _feedback;
    private readonly float[][] _gradients;
    private readonly float[] _batchFeatures;
    private readonly int[] _batchLabels;
    private readonly long[] _batchKeys;
    private readonly int[] _predictions;

    /// <summary>Creates a trainer for <paramref name="network"/> (trained in place).</summary>
    public LfpTrainer(SpikingNetwork network, TrainingOptions options, IComputeBackend? backend = null, ILfpBackend? lfp = null, ISpikeReward? reward = null)
    {
        options.Validate();
        _options = options;
        Network = network;
        Encoder = InputEncoders.Create(options.Encoder, (ulong)options.Seed);
        _simulator = new Simulator(network, options.Steps, Encoder, backend);
        _lfp = lfp ?? new CpuLfpBackend();
        _reward = reward ?? new RateCodedSpikeReward();
        Optimizer = Optimizers.Optimizers.Create(options.Optimizer, options.LearningRate, options.Momentum);
        _parameters = network.Layers.SelectMany(l => new[] { l.Synapses.Weights, l.Synapses.Bias }).ToArray();
        _feedback = new Feedback(network);
        _gradients = network.Layers.SelectMany((l, k) => new[] { _feedback.Weights[k], _feedback.Bias[k] }).ToArray();
        _batchFeatures = new float[options.BatchSize * network.InputSize];
        _batchLabels = new int[options.BatchSize];
        _batchKeys = new long[options.BatchSize];
        _predictions = new int[options.BatchSize];
    }

    /// <summary>The network being trained.</summary>
    public SpikingNetwork Network { get; }
    /// <summary>The optimizer (its state goes into checkpoints).</summary>
    public IOptimizer Optimizer { get; }
    /// <summary>The input encoder.</summary>
    public IInputEncoder Encoder { get; }
    /// <summary>Settings.</summary>
    public TrainingOptions Options => _options;

    /// <summary>
    /// Trains one epoch (1-based <paramref name="epoch"/>) and evaluates on <paramref name="test"/>.
    /// <paramref name="progress"/> receives the number of samples done after each batch.
    /// </summary>
    /// <exception cref="NumericalInstabilityException">Feedback or weights became NaN or infinite.</exception>
    public EpochMetrics TrainEpoch(Dataset train, Dataset test, int epoch, IProgress<int>? progress = null, CancellationToken cancellation = default)
    {
        if (train.FeatureCount != Network.InputSize)
            throw new ArgumentException($"the data set has {train.FeatureCount} features per sample but the model expects {Network.InputSize}.");
        if (train.ClassCount > Network.OutputSize)
            throw new ArgumentException($"the data set has {train.ClassCount} classes but the model has only {Network.OutputSize} output neurons.");
        var clock = Stopwatch.StartNew();
        var order = EpochSchedule.Order(train.Count, _options.Seed, epoch);
        var spikeTotals = new double[Network.Layers.Count];
        long correct = 0;
        double rewardTotal = 0;
        int batchIndex = 0;
        for (int start = 0; start < train.Count; start += _options.BatchSize, batchIndex++)
        {
            cancellation.ThrowIfCancellationRequested();
            int count = Math.Min(_options.BatchSize, train.Count - start);
            for (int i = 0; i < count; i++)
            {
                int index = order[start + i];
                train.Sample(index).CopyTo(_batchFeatures.AsSpan(i * train.FeatureCount, train.FeatureCount));
                _batchLabels[i] = train.Labels[index];
                _batchKeys[i] = EpochSchedule.TrainingKey(epoch, index);
            }
            var (reward, hits) = TrainBatch(_batchFeatures.AsSpan(0, count * train.FeatureCount), _batchLabels.AsSpan(0, count), _batchKeys.AsSpan(0, count), epoch, batchIndex, spikeTotals);
            rewardTotal += reward;
            correct += hits;
            progress?.Report(start + count);
        }
        double trainSeconds = clock.Elapsed.TotalSeconds;
        double testAccuracy = Evaluator.Accuracy(Network, test, _options.Steps, Encoder, _options.EvaluationBatchSize, _simulator.Backend);
        var rates = new Dictionary<string, double>();
        for (int k = 0; k < Network.Layers.Count; k++)
            rates[Network.LayerName(k)] = spikeTotals[k] / ((double)train.Count * _options.Steps * Network.Layers[k].Size);
        return new EpochMetrics(epoch, correct / (double)train.Count, testAccuracy, rewardTotal / train.Count, rates,
            clock.Elapsed.TotalSeconds, train.Count / trainSeconds);
    }

    /// <summary>
    /// One LFP update on a batch; returns the summed reward and the number of correct predictions (made by the
    /// forward pass before the update). Adds each layer's spike count to <paramref name="spikeTotals"/>.
    /// </summary>
    public (double Reward, int Correct) TrainBatch(ReadOnlySpan<float> features, ReadOnlySpan<int> labels, ReadOnlySpan<long> keys, int epoch, int batchIndex, double[]? spikeTotals = null)
    {
        var trace = _simulator.Forward(features, keys);
        if (_workspace is null || !_workspace.Fits(trace)) _workspace = new LfpWorkspace(trace);
        TraceStatistics.Predictions(trace, _predictions);
        int hits = 0;
        for (int i = 0; i < trace.Batch; i++) if (_predictions[i] == labels[i]) hits++;
        if (spikeTotals is not null)
            for (int k = 0; k < Network.Layers.Count; k++) spikeTotals[k] += TraceStatistics.SpikeTotal(trace, k);

        float reward = _lfp.Backward(Network, trace, labels, _reward, _workspace, _feedback);
        foreach (var g in _gradients)
            for (int i = 0; i < g.Length; i++) g[i] = -g[i];   // the optimizer descends: grad = -feedback
        double norm = _options.ClipNorm > 0 ? GradientClipping.ClipGlobalNorm(_gradients, _options.ClipNorm) : 0;
        if (!double.IsFinite(norm) || !double.IsFinite(reward))
            throw new NumericalInstabilityException($"non-finite feedback in layer {FirstNonFinite(_gradients)} at epoch {epoch}, batch {batchIndex + 1}; lower the learning rate or check the input.");
        Optimizer.Step(_parameters, _gradients);
        string? bad = FirstNonFinite(_parameters, onlyIfAny: true);
        if (bad is not null)
            throw new NumericalInstabilityException($"non-finite weights in layer {bad} after the update at epoch {epoch}, batch {batchIndex + 1}; lower the learning rate.");
        return (reward, hits);
    }

    private string? FirstNonFinite(float[][] arrays, bool onlyIfAny = false)
    {
        for (int a = 0; a < arrays.Length; a++)
        {
            float sum = 0;
            foreach (float x in arrays[a]) sum += x * 0f; // NaN or infinity makes the product NaN
            if (float.IsNaN(sum)) return $"{Network.LayerName(a / 2)} ({(a % 2 == 0 ? "weights" : "bias")})";
        }
        return onlyIfAny ? null : "unknown";
    }
}
