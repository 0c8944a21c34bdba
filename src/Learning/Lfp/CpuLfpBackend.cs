using SpikeLfp.Learning.Rewards;
using SpikeLfp.Network.Backends;
using SpikeLfp.Network.Encoding;
using SpikeLfp.Network.Model;
using SpikeLfp.Network.Simulation;
using SpikeLfp.Network.Synapses;

namespace SpikeLfp.Learning.Lfp;

/// <summary>
/// LFP's backward pass on the CPU in two phases. (1) Per sample, in parallel: reward through the layers and
/// back in time (every term touches only the inputs that fired). (2) Feedback, in parallel over blocks of
/// weight rows: each row sums its contributions in a fixed (sample, step) order, so the result does not
/// depend on the number of threads.
/// </summary>
public sealed class CpuLfpBackend(CpuBackend? cpu = null) : ILfpBackend
{
    private readonly ParallelOptions _parallel = (cpu ?? CpuBackend.Shared).Parallelism;

    /// <inheritdoc/>
    public float Backward(SpikingNetwork network, ForwardTrace trace, ReadOnlySpan<int> labels, ISpikeReward reward, LfpWorkspace workspace, Feedback feedback)
    {
        int batch = trace.Batch;
        if (labels.Length < batch) throw new ArgumentException($"expected {batch} labels, got {labels.Length}.");
        if (!workspace.Fits(trace)) throw new ArgumentException("the LFP workspace was allocated for another trace shape.");
        var labelArray = labels[..batch].ToArray();

        Parallel.For(0, batch, _parallel, b => RewardThroughLayers(network, trace, reward, workspace, b, labelArray[b]));

        float total = 0f;
        for (int b = 0; b < batch; b++) total += workspace.SampleReward[b];

        for (int k = 0; k < network.Layers.Count; k++)
            AccumulateFeedback(network, trace, workspace, feedback, k);
        return total;
    }

    // One reverse pass over time per sample, all layers top-down at each step: layer k at step t needs only
    // the reward layer k+1 handed down at step t and its own internal reward from step t+1, so per-step
    // buffers suffice and the dense [sample, step, neuron] reward arrays are kept only in diagnostic mode.
    private static void RewardThroughLayers(SpikingNetwork network, ForwardTrace trace, ISpikeReward reward, LfpWorkspace ws, int b, int label)
    {
        int steps = trace.Steps, top = network.Layers.Count - 1;
        bool keep = ws.KeepInputReward, constantFirst = trace.Layers[0].ConstantCurrent;
        ws.SampleReward[b] = reward.Compute(trace, b, label, ws.Incoming[top].AsSpan(b * steps * network.Layers[top].Size, steps * network.Layers[top].Size));
        for (int k = 0; k <= top; k++) ws.Internal[k].AsSpan(b * network.Layers[k].Size, network.Layers[k].Size).Clear();
        int n0 = network.Layers[0].Size;
        var rhoSum = constantFirst ? ws.NormalizedRewardSum.AsSpan(b * n0, n0) : Span<float>.Empty;
        rhoSum.Clear();
        var x = constantFirst ? trace.InputCurrent.AsSpan(b * trace.InputSize, trace.InputSize) : Span<float>.Empty;
        if (keep && constantFirst) ws.InputReward.AsSpan(b * trace.InputSize, trace.InputSize).Clear();

        for (int t = steps - 1; t >= 0; t--)
        {
            for (int k = top; k >= 0; k--)
            {
                var layer = network.Layers[k];
                var lt = trace.Layers[k];
                int n = layer.Size;
                var incoming = k == top || keep ? ws.Incoming[k].AsSpan((b * steps + t) * n, n) : ws.StepIncoming[k].AsSpan(b * n, n);
                var rho = k == 0 && constantFirst && !keep ? ws.StepNormalizedReward.AsSpan(b * n, n) : ws.NormalizedReward[k].AsSpan((b * steps + t) * n, n);
                var previous = t > 0 ? lt.MembraneAt(b, t - 1) : Span<float>.Empty;
                LfpKernels.MembraneStep(incoming, lt.CurrentAt(b, t), previous, ws.Internal[k].AsSpan(b * n, n), rho, layer.Neurons);

                if (k > 0)
                {
                    int below = network.Layers[k - 1].Size;
                    var target = keep ? ws.Incoming[k - 1].AsSpan((b * steps + t) * below, below) : ws.StepIncoming[k - 1].AsSpan(b * below, below);
                    target.Clear();
                    layer.Connection.RewardFiredInputs(trace.Layers[k - 1].Spikes.Fired(b, t), rho, target);
                }
                else if (constantFirst)
                {
                    VectorMath.Add(rho, rhoSum);
                    if (keep) layer.Connection.RewardAnalogInputs(x, rho, ws.InputReward.AsSpan(b * trace.InputSize, trace.InputSize));
                }
                else if (keep)
                {
                    var target = ws.InputReward.AsSpan((b * steps + t) * trace.InputSize, trace.InputSize);
                    target.Clear();
                    layer.Connection.RewardFiredInputs(trace.InputSpikes!.Fired(b, t), rho, target);
                }
            }
        }
    }

    private void AccumulateFeedback(SpikingNetwork network, ForwardTrace trace, LfpWorkspace ws, Feedback feedback, int k)
    {
        var connection = network.Layers[k].Connection;
        int inputs = connection.Inputs, n = connection.Outputs, steps = trace.Steps, batch = trace.Batch;
        var fw = feedback.Weights[k];
        var rhoAll = ws.NormalizedReward[k];
        bool analog = k == 0 && !trace.SpikingInput;

        if (analog && connection is DenseSynapses)
        {
            // Constant analog input into dense synapses: F = |W| (.) (x^T sum_t rho_t), accumulated only over the
            // neurons that received reward (those that fired), then transposed into the weights' layout.
            DenseMath.AccumulateSparseOuterTransposed(trace.InputCurrent, ws.NormalizedRewardSum, batch, inputs, n, ws.TransposedFeedback, _parallel);
            DenseMath.TransposeScaledByMagnitude(ws.TransposedFeedback, connection.Weights, inputs, n, fw, _parallel);
        }
        else
        {
            // Partitions own disjoint weights; inside one, contributions are added in (sample, step) order,
            // so the sum does not depend on the number of threads.
            int parts = Math.Max(1, _parallel.MaxDegreeOfParallelism);
            Array.Clear(fw);
            var spikes = k == 0 ? trace.InputSpikes : trace.Layers[k - 1].Spikes;
            Parallel.For(0, parts, _parallel, part =>
            {
                for (int b = 0; b < batch; b++)
                {
                    if (analog)
                        connection.AccumulateAnalogFeedback(part, parts, trace.InputCurrent.AsSpan(b * inputs, inputs), ws.NormalizedRewardSum.AsSpan(b * n, n), fw);
                    else
                        for (int t = 0; t < steps; t++)
                            connection.AccumulateSpikeFeedback(part, parts, spikes!.Fired(b, t), rhoAll.AsSpan((b * steps + t) * n, n), fw);
                }
            });
            VectorMath.MultiplyByMagnitude(connection.Weights, fw);
        }

        var fb = feedback.Bias[k];
        Array.Clear(fb);
        for (int b = 0; b < batch; b++)
            if (analog) connection.AccumulateBiasFeedback(ws.NormalizedRewardSum.AsSpan(b * n, n), fb);
            else
                for (int t = 0; t < steps; t++)
                    connection.AccumulateBiasFeedback(rhoAll.AsSpan((b * steps + t) * n, n), fb);
        VectorMath.MultiplyByMagnitude(connection.Bias, fb);
    }
}
