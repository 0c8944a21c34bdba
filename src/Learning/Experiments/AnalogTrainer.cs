using SpikeLfp.Data;
using SpikeLfp.Learning.Lfp;
using SpikeLfp.Learning.Optimizers;
using SpikeLfp.Learning.Training;
using SpikeLfp.Network.Model;
using SpikeLfp.Network.Synapses;

namespace SpikeLfp.Learning.Experiments;

/// <summary>How an <see cref="AnalogTrainer"/> turns a batch into parameter updates.</summary>
public enum AnalogRule
{
    /// <summary>LFP: softmax reward on the outputs, epsilon rule (<see cref="AnalogLfp"/>); grad = -feedback.</summary>
    Lfp,
    /// <summary>Backpropagated batch-mean cross-entropy (<see cref="AnalogGradient"/>).</summary>
    Gradient,
}

/// <summary>Sees one batch after its backward pass and before clipping: the forward trace, the labels and the updates (grad).</summary>
public delegate void BatchInspector(AnalogTrace trace, ReadOnlySpan<int> labels, IReadOnlyList<float[]> updates);

/// <summary>What one training epoch of an <see cref="AnalogTrainer"/> measured while it trained.</summary>
/// <param name="Batches">Updates made.</param>
/// <param name="MeanUpdateNorm">Mean over the batches of the update's global L2 norm before clipping.</param>
public sealed record AnalogEpochStatistics(int Batches, double MeanUpdateNorm);

/// <summary>Loss and accuracy of a network on a data set, without noise and without updates.</summary>
/// <param name="Loss">Mean cross-entropy of the outputs.</param>
/// <param name="Accuracy">Fraction of samples whose argmax output (ties: lowest index) is the label.</param>
/// <param name="HiddenActiveFraction">Fraction of hidden units (every layer but the output) with z &gt; 0: the ReLUs that pass a value on.</param>
public readonly record struct AnalogEvaluation(double Loss, double Accuracy, double HiddenActiveFraction);

/// <summary>
/// Trains an <see cref="AnalogNetwork"/> in place with LFP or with backpropagation, batch by batch in the order of
/// <see cref="EpochSchedule"/> (the same for every rule with the same seed), optionally with Gaussian noise on every
/// layer input and on the output. Each update is clipped to a global norm and handed to the optimizer. Sequential,
/// so its numbers do not depend on the thread count.
/// </summary>
public sealed class AnalogTrainer
{
    private readonly AnalogRule _rule;
    private readonly IOptimizer _optimizer;
    private readonly float _clipNorm, _noiseStd;
    private readonly int _seed;
    private readonly string _label;
    private readonly float[][] _parameters, _updates, _weightUpdates, _biasUpdates;

    /// <summary>
    /// A trainer of <paramref name="network"/>. <paramref name="seed"/> gives the data order and the noise;
    /// <paramref name="label"/> names the run in the error raised when an update stops being finite.
    /// </summary>
    public AnalogTrainer(AnalogNetwork network, AnalogRule rule, IOptimizer optimizer, float clipNorm, int seed, string label, float noiseStd = 0f)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(optimizer);
        if (!float.IsFinite(clipNorm) || clipNorm < 0f) throw new ArgumentException($"clip must be >= 0, got {clipNorm}.", nameof(clipNorm));
        if (!float.IsFinite(noiseStd) || noiseStd < 0f) throw new ArgumentException($"noise std must be >= 0, got {noiseStd}.", nameof(noiseStd));
        Network = network;
        _rule = rule;
        _optimizer = optimizer;
        _clipNorm = clipNorm;
        _noiseStd = noiseStd;
        _seed = seed;
        _label = label;
        _parameters = network.Layers.SelectMany(l => new[] { l.Synapses.Weights, l.Synapses.Bias }).ToArray();
        _weightUpdates = network.Layers.Select(l => new float[l.Synapses.Weights.Length]).ToArray();
        _biasUpdates = network.Layers.Select(l => new float[l.Synapses.Bias.Length]).ToArray();
        _updates = network.Layers.SelectMany((_, k) => new[] { _weightUpdates[k], _biasUpdates[k] }).ToArray();
    }

    /// <summary>The network being trained.</summary>
    public AnalogNetwork Network { get; }

    /// <summary>
    /// One pass over <paramref name="train"/> in the order of epoch <paramref name="epoch"/> (1-based), in batches of
    /// <paramref name="batchSize"/> (the last may be smaller). <paramref name="inspect"/> sees every batch before clipping.
    /// </summary>
    /// <exception cref="NumericalInstabilityException">An update's norm is NaN or infinite.</exception>
    public AnalogEpochStatistics TrainEpoch(Dataset train, int epoch, int batchSize, BatchInspector? inspect = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        if (train.FeatureCount != Network.InputSize)
            throw new ArgumentException($"the network takes {Network.InputSize} inputs but the data has {train.FeatureCount} features.", nameof(train));
        int features = train.FeatureCount;
        var x = new float[Math.Min(batchSize, Math.Max(1, train.Count)) * features];
        var labels = new int[x.Length / features];
        var keys = new long[labels.Length];
        var order = EpochSchedule.Order(train.Count, _seed, epoch);
        int batches = 0;
        double normSum = 0;
        for (int start = 0; start < order.Length; start += batchSize)
        {
            cancellation.ThrowIfCancellationRequested();
            int count = Math.Min(batchSize, order.Length - start);
            for (int b = 0; b < count; b++)
            {
                int index = order[start + b];
                train.Sample(index).CopyTo(x.AsSpan(b * features, features));
                labels[b] = train.Labels[index];
                keys[b] = EpochSchedule.TrainingKey(epoch, index);
            }
            var trace = Network.Forward(x.AsSpan(0, count * features), keys.AsSpan(0, count), _noiseStd, (ulong)_seed);
            if (_rule == AnalogRule.Gradient)
                AnalogGradient.Backward(Network, trace, labels.AsSpan(0, count), _weightUpdates, _biasUpdates);
            else
            {
                AnalogLfp.Backward(Network, trace, labels.AsSpan(0, count), _weightUpdates, _biasUpdates);
                foreach (var u in _updates) VectorMath.Negate(u); // grad = -feedback
            }
            inspect?.Invoke(trace, labels.AsSpan(0, count), _updates);
            double norm = _clipNorm > 0f
                ? GradientClipping.ClipGlobalNorm(_updates, _clipNorm)
                : Math.Sqrt(_updates.Sum(u => VectorMath.SumOfSquares(u)));
            if (!double.IsFinite(norm))
                throw new NumericalInstabilityException($"{_label}: the update norm became {norm} in epoch {epoch}.");
            normSum += norm;
            batches++;
            _optimizer.Step(_parameters, _updates);
        }
        return new AnalogEpochStatistics(batches, batches == 0 ? 0 : normSum / batches);
    }

    /// <summary>Samples per forward pass of <see cref="Evaluate"/>: bounds the memory of a convolutional trace.</summary>
    public const int EvaluationChunk = 256;

    /// <summary>Mean cross-entropy and accuracy of <paramref name="network"/> on <paramref name="data"/> (no noise), in chunks.</summary>
    public static AnalogEvaluation Evaluate(AnalogNetwork network, Dataset data)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(data);
        int classes = network.OutputSize, features = data.FeatureCount, correct = 0;
        double loss = 0;
        long active = 0, hidden = 0;
        var keys = new long[EvaluationChunk];
        for (int start = 0; start < data.Count; start += EvaluationChunk)
        {
            int count = Math.Min(EvaluationChunk, data.Count - start);
            var trace = network.Forward(data.Features.AsSpan(start * features, count * features), keys.AsSpan(0, count));
            var output = trace.Output;
            for (int k = 0; k < network.Layers.Count - 1; k++)
            {
                foreach (float z in trace.PreActivations[k]) if (z > 0f) active++;
                hidden += trace.PreActivations[k].Length;
            }
            for (int b = 0; b < count; b++)
            {
                var logits = output.AsSpan(b * classes, classes);
                int label = data.Labels[start + b];
                loss += AnalogGradient.CrossEntropy(logits, label);
                if (HeavisideExperiment.Predict(logits) == label) correct++;
            }
        }
        double n = Math.Max(1, data.Count);
        return new AnalogEvaluation(loss / n, correct / n, hidden == 0 ? 0 : (double)active / hidden);
    }
}
