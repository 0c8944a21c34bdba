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

    private static void RewardThroughLayers(SpikingNetwork network, ForwardTrace trace, ISpikeReward reward, LfpWorkspace ws, int b, int label)
    {
        int steps = trace.Steps, top = network.Layers.Count - 1;
        int outputs = network.Layers[top].Size;
        ws.SampleReward[b] = reward.Compute(trace, b, label, ws.Incoming[top].AsSpan(b * steps * outputs, steps * outputs));

        for (int k = top; k >= 0; k--)
        {
            var layer = network.Layers[k];
            var lt = trace.Layers[k];
            int n = layer.Size;
            var internalReward = ws.Internal[k].AsSpan(b * n, n);
            internalReward.Clear();
            for (int t = steps - 1; t >= 0; t--)
            {
                var rho = ws.NormalizedReward[k].AsSpan((b * steps + t) * n, n);
                var previous = t > 0 ? lt.MembraneAt(b, t - 1) : Span<float>.Empty;
                LfpKernels.MembraneStep(ws.Incoming[k].AsSpan((b * steps + t) * n, n), lt.CurrentAt(b, t), previous, internalReward, rho, layer.Neurons);
                HandRewardDown(network, trace, ws, k, b, t, rho);
            }
            if (k == 0 && lt.ConstantCurrent)
            {
                var sum = ws.NormalizedRewardSum.AsSpan(b * n, n);
                sum.Clear();
                for (int t = 0; t < steps; t++) VectorMath.Add(ws.NormalizedReward[0].AsSpan((b * steps + t) * n, n), sum);
                if (ws.KeepInputReward)
                {
                    var target = ws.InputReward.AsSpan(b * trace.InputSize, trace.InputSize);
                    target.Clear();
                    // The same x at every step: sum_t x (.) W rho_t = x (.) W (sum_t rho_t), computed per step to match the reference's order.
                    for (int t = 0; t < steps; t++)
                        LfpKernels.AnalogInputReward(trace.InputCurrent.AsSpan(b * trace.InputSize, trace.InputSize), layer.Synapses.Weights,
                            ws.NormalizedReward[0].AsSpan((b * steps + t) * n, n), target);
                }
            }
        }
    }

    private static void HandRewardDown(SpikingNetwork network, ForwardTrace trace, LfpWorkspace ws, int k, int b, int t, ReadOnlySpan<float> rho)
    {
        var weights = network.Layers[k].Synapses.Weights;
        if (k > 0)
        {
            int below = network.Layers[k - 1].Size;
            var target = ws.Incoming[k - 1].AsSpan((b * trace.Steps + t) * below, below);
            target.Clear();
            LfpKernels.SpikeInputReward(trace.Layers[k - 1].Spikes.Fired(b, t), weights, rho, target);
        }
        else if (ws.KeepInputReward && trace.SpikingInput)
        {
            var target = ws.InputReward.AsSpan((b * trace.Steps + t) * trace.InputSize, trace.InputSize);
            target.Clear();
            LfpKernels.SpikeInputReward(trace.InputSpikes!.Fired(b, t), weights, rho, target);
        }
    }

    private void AccumulateFeedback(SpikingNetwork network, ForwardTrace trace, LfpWorkspace ws, Feedback feedback, int k)
    {
        var synapses = network.Layers[k].Synapses;
        int inputs = synapses.Inputs, n = synapses.Outputs, steps = trace.Steps, batch = trace.Batch;
        var fw = feedback.Weights[k];
        var rhoAll = ws.NormalizedReward[k];
        bool analog = k == 0 && !trace.SpikingInput;
        SpikeTrain? inputSpikes = k == 0 ? trace.InputSpikes : trace.Layers[k - 1].Spikes;

        if (analog)
        {
            // Constant analog input: F = |W| (.) (x^T sum_t rho_t), accumulated only over the neurons that
            // received reward (those that fired), then transposed into the weights' layout.
            DenseMath.AccumulateSparseOuterTransposed(trace.InputCurrent, ws.NormalizedRewardSum, batch, inputs, n, ws.TransposedFeedback, _parallel);
            DenseMath.TransposeScaledByMagnitude(ws.TransposedFeedback, synapses.Weights, inputs, n, fw, _parallel);
        }
        else
        {
            int blocks = Math.Min(inputs, Math.Max(1, _parallel.MaxDegreeOfParallelism) * 4);
            Parallel.For(0, blocks, _parallel, block =>
            {
                int i0 = (int)((long)inputs * block / blocks), i1 = (int)((long)inputs * (block + 1) / blocks);
                fw.AsSpan(i0 * n, (i1 - i0) * n).Clear();
                for (int b = 0; b < batch; b++)
                    for (int t = 0; t < steps; t++)
                    {
                        var rho = rhoAll.AsSpan((b * steps + t) * n, n);
                        foreach (int i in inputSpikes!.Fired(b, t))
                            if (i >= i0 && i < i1) VectorMath.Add(rho, fw.AsSpan(i * n, n));
                    }
                VectorMath.MultiplyByMagnitude(synapses.Weights.AsSpan(i0 * n, (i1 - i0) * n), fw.AsSpan(i0 * n, (i1 - i0) * n));
            });
        }

        var fb = feedback.Bias[k];
        Array.Clear(fb);
        for (int b = 0; b < batch; b++)
            for (int t = 0; t < steps; t++)
                VectorMath.Add(rhoAll.AsSpan((b * steps + t) * n, n), fb);
        VectorMath.MultiplyByMagnitude(synapses.Bias, fb);
    }
}
