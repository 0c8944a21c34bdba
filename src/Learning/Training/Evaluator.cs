using SpikeLfp.Data;
using SpikeLfp.Network.Backends;
using SpikeLfp.Network.Encoding;
using SpikeLfp.Network.Model;
using SpikeLfp.Network.Simulation;

namespace SpikeLfp.Learning.Training;

/// <summary>Test-set accuracy of a network: simulate every sample from rest, predict by output spike counts.</summary>
public static class Evaluator
{
    /// <summary>Keys of evaluation samples live apart from training keys so seeded encoders never reuse a training draw.</summary>
    public const long EvaluationKeyBase = 1L << 62;

    /// <summary>Samples simulated together when evaluating, unless a caller says otherwise (results do not depend on it).</summary>
    public const int DefaultBatchSize = 256;

    /// <summary>Fraction of samples of <paramref name="data"/> classified correctly.</summary>
    public static double Accuracy(SpikingNetwork network, Dataset data, int steps, IInputEncoder encoder, int batchSize = DefaultBatchSize, IComputeBackend? backend = null)
    {
        var predictions = Predict(network, data, steps, encoder, batchSize, backend);
        int correct = 0;
        for (int i = 0; i < data.Count; i++) if (predictions[i] == data.Labels[i]) correct++;
        return data.Count == 0 ? 0 : correct / (double)data.Count;
    }

    /// <summary>Predicted class of every sample of <paramref name="data"/>.</summary>
    public static int[] Predict(SpikingNetwork network, Dataset data, int steps, IInputEncoder encoder, int batchSize = DefaultBatchSize, IComputeBackend? backend = null)
    {
        var simulator = new Simulator(network, steps, encoder, backend);
        // A long simulation evaluates in smaller batches (each sample is simulated alone, so the result is the same).
        int fitting = ForwardTrace.LargestBatch(network, batchSize, steps, encoder.Kind);
        if (fitting >= 1) batchSize = fitting;
        var predictions = new int[data.Count];
        var keys = new long[Math.Min(batchSize, Math.Max(1, data.Count))];
        for (int start = 0; start < data.Count; start += batchSize)
        {
            int count = Math.Min(batchSize, data.Count - start);
            for (int i = 0; i < count; i++) keys[i] = EvaluationKeyBase + start + i;
            simulator.Predict(data.Features.AsSpan(start * data.FeatureCount, count * data.FeatureCount), keys.AsSpan(0, count), predictions.AsSpan(start, count));
        }
        return predictions;
    }
}
