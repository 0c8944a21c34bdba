using SpikeLfp.Learning.Rewards;
using SpikeLfp.Network.Backends;
using SpikeLfp.Network.Encoding;
using SpikeLfp.Network.Model;
using SpikeLfp.Network.Simulation;
using SpikeLfp.Learning.Lfp.Synapses;
using SpikeLfp.Network.Synapses;

namespace SpikeLfp.Learning.Lfp;

/// <summary>
/// LFP's backward pass on the CPU in two phases. (1) Per sample, in parallel: reward through the layers and
/// back in time (every term touches only the inputs that fired). (2) Feedback, in parallel over blocks of
/// weight rows: each row sums its contributions in a fixed (sample, step) order, so the result does not
/// depend on the number of threads. Runs on the threads of the given CPU backend (default: a new
/// <see cref="CpuBackend"/> on all cores); give it the simulation's backend so forward and backward share them.
/// </summary>
public sealed class CpuLfpBackend(CpuBackend? cpu = null) : ILfpBackend
{
    /// <summary>The CPU backend whose threads the backward pass uses.</summary>
    public CpuBackend Cpu { get; } = cpu ??= new CpuBackend();

    private readonly ParallelOptions _parallel = cpu.Parallelism;
    private float[] _feedbackBlocks = [];

    /// <inheritdoc/>
    public float Backward(SpikingNetwork network, ForwardTrace trace, ReadOnlySpan<int> labels, ISpikeReward reward, LfpWorkspace workspace, Feedback feedback)
    {
        int batch = trace.Batch;
        if (labels.Length < batch) throw new ArgumentException($"expected {batch} labels, got {labels.Length}.");
        if (!workspace.Fits(trace)) throw new ArgumentException("the LFP workspace was allocated for another trace shape.");
        var labelArray = labels[..batch].ToArray();

        var rules = Rules(network);
        BeginBatch(network);
        try
        {
            Parallel.For(0, batch, _parallel, b => RewardThroughLayers(network, rules, trace, reward, workspace, b, labelArray[b]));
            return AccumulateFeedback(network, trace, workspace, feedback);
        }
        finally { EndBatch(network); }
    }

    // Around one batch's reward pass and feedback, while the weights do not change (ISynapseLfp.BeginBatch).
    internal void BeginBatch(SpikingNetwork network)
    {
        foreach (var rules in Rules(network))
        {
            rules.Connection.BeginBatch();
            rules.Recurrent?.BeginBatch();
        }
    }

    internal void EndBatch(SpikingNetwork network)
    {
        foreach (var rules in Rules(network))
        {
            rules.Connection.EndBatch();
            rules.Recurrent?.EndBatch();
        }
    }

    // The two phases of Backward apart, for a trainer that runs each sample's reward pass right after its simulation,
    // while the sample's trace is still in cache. The caller checks the labels and the workspace once per batch.
    internal void RewardSample(SpikingNetwork network, ForwardTrace trace, ISpikeReward reward, LfpWorkspace workspace, int sample, int label)
        => RewardThroughLayers(network, Rules(network), trace, reward, workspace, sample, label);

    // Once every sample's reward pass has run: the feedback of every layer; returns the summed reward.
    internal float AccumulateFeedback(SpikingNetwork network, ForwardTrace trace, LfpWorkspace workspace, Feedback feedback)
    {
        var rules = Rules(network);
        float total = 0f;
        for (int b = 0; b < trace.Batch; b++) total += workspace.SampleReward[b];
        for (int k = 0; k < network.Layers.Count; k++)
            AccumulateLayerFeedback(network, rules[k], trace, workspace, feedback, k);
        return total;
    }

    // The rules of the network's connections, kept while its layers keep the same connections (one read of a field:
    // safe to call from the threads of the reward pass).
    private LayerRules[] Rules(SpikingNetwork network)
    {
        var cached = _rules;
        if (cached is not null && cached.Network == network && cached.Matches()) return cached.Rules;
        var fresh = new NetworkRules(network, LayerRules.Of(network));
        _rules = fresh;
        return fresh.Rules;
    }

    private NetworkRules? _rules;

    private sealed record NetworkRules(SpikingNetwork Network, LayerRules[] Rules)
    {
        public bool Matches()
        {
            if (Rules.Length != Network.Layers.Count) return false;
            for (int k = 0; k < Rules.Length; k++)
            {
                var layer = Network.Layers[k];
                if (Rules[k].Connection.Synapses != layer.Connection || Rules[k].Recurrent?.Synapses != layer.Recurrent) return false;
            }
            return true;
        }
    }

    // One reverse pass over time per sample, all layers top-down at each step: layer k at step t needs only
    // the reward layer k+1 handed down at step t and its own internal reward from step t+1 (recurrent reward to
    // s_t included), so per-step buffers suffice and the dense [sample, step, neuron] reward arrays are kept only
    // in diagnostic mode.
    private static void RewardThroughLayers(SpikingNetwork network, LayerRules[] rules, ForwardTrace trace, ISpikeReward reward, LfpWorkspace ws, int b, int label)
    {
        int steps = trace.Steps, top = network.Layers.Count - 1, inputs = trace.InputSize;
        bool keep = ws.KeepsDiagnostics;
        var input = trace.Input;
        ws.SampleReward[b] = reward.Compute(trace, b, label, ws.Incoming[top].AsSpan(b * steps * network.Layers[top].Size, steps * network.Layers[top].Size));
        for (int k = 0; k <= top; k++)
        {
            int n = network.Layers[k].Size;
            ws.Internal[k].AsSpan(b * n, n).Clear();
            if (ws.SynapticReward[k].Length > 0) ws.SynapticReward[k].AsSpan(b * n, n).Clear();
        }
        int n0 = network.Layers[0].Size;
        bool constantInput = input == InputKind.ConstantCurrent;
        var rhoSum = constantInput ? ws.NormalizedRewardSum.AsSpan(b * n0, n0) : Span<float>.Empty;
        rhoSum.Clear();
        if (keep && constantInput) ws.InputReward.AsSpan(b * inputs, inputs).Clear();

        for (int t = steps - 1; t >= 0; t--)
        {
            for (int k = top; k >= 0; k--)
            {
                var layer = network.Layers[k];
                var lt = trace.Layers[k];
                int n = layer.Size;
                var incoming = k == top || keep ? ws.Incoming[k].AsSpan((b * steps + t) * n, n) : ws.StepIncoming[k].AsSpan(b * n, n);
                var rho = ws.KeepsStepReward[k] ? ws.NormalizedReward[k].AsSpan((b * steps + t) * n, n) : ws.StepNormalizedReward.AsSpan(b * n, n);
                var internalReward = ws.Internal[k].AsSpan(b * n, n);
                var synapticReward = ws.SynapticReward[k].Length > 0 ? ws.SynapticReward[k].AsSpan(b * n, n) : Span<float>.Empty;
                // A constant-current first layer without recurrence needs only rho summed over steps: added in the same pass.
                if (k == 0 && constantInput && !keep && rules[0].Recurrent is null
                    && NeuronLfp.TryStepIntoSum(layer.Neuron, lt, b, t, incoming, internalReward, rhoSum))
                    continue;
                NeuronLfp.Step(layer.Neuron, lt, b, t, incoming, internalReward, synapticReward, rho);

                // Recurrent synapses carried s_{t-1} into z_t: that reward joins the reward at s_{t-1}, which the
                // membrane step of t-1 reads together with its internal reward.
                if (rules[k].Recurrent is { } recurrent && t > 0)
                    recurrent.RewardFiredInputs(lt.Spikes.Fired(b, t - 1), rho, internalReward);

                if (k > 0)
                {
                    int below = network.Layers[k - 1].Size;
                    var target = keep ? ws.Incoming[k - 1].AsSpan((b * steps + t) * below, below) : ws.StepIncoming[k - 1].AsSpan(b * below, below);
                    target.Clear();
                    RewardFiredInputs(rules[k].Connection, trace, k, b, t, rho, target);
                }
                else if (constantInput)
                {
                    VectorMath.Add(rho, rhoSum);
                    if (keep) rules[k].Connection.RewardAnalogInputs(trace.InputCurrent.AsSpan(b * inputs, inputs), rho, ws.InputReward.AsSpan(b * inputs, inputs));
                }
                else if (keep)
                {
                    var target = ws.InputReward.AsSpan((b * steps + t) * inputs, inputs);
                    target.Clear();
                    if (input == InputKind.Spikes) rules[k].Connection.RewardFiredInputs(trace.InputSpikes!.Fired(b, t), rho, target);
                    else rules[k].Connection.RewardAnalogInputs(trace.InputCurrent.AsSpan((b * steps + t) * inputs, inputs), rho, target);
                }
            }
        }
    }

    private void AccumulateLayerFeedback(SpikingNetwork network, LayerRules rules, ForwardTrace trace, LfpWorkspace ws, Feedback feedback, int k)
    {
        var connection = rules.Connection;
        int inputs = connection.Synapses.Inputs, n = connection.Synapses.Outputs, steps = trace.Steps, batch = trace.Batch;
        var fw = feedback.Weights[k];
        var rhoAll = ws.NormalizedReward[k];
        // An analog input into dense synapses is one outer product: F = |W| (.) (x^T rho) over the rows that carry
        // input, a constant current against the rho summed over steps, or a sequence row by (sample, step) row.
        var input = k == 0 ? trace.Input : InputKind.Spikes;
        bool constant = input == InputKind.ConstantCurrent;
        var rows = constant ? ws.NormalizedRewardSum : rhoAll;
        int rowCount = constant ? batch : batch * steps;

        var spikes = k == 0 ? trace.InputSpikes : trace.Layers[k - 1].Spikes;
        if (input != InputKind.Spikes && connection is DenseLfp)
        {
            // Accumulated only over the (row, neuron) pairs that received reward.
            int scratch = DenseFeedbackMath.BlockScratchLength(rowCount, n, _parallel);
            if (_feedbackBlocks.Length < scratch) _feedbackBlocks = CacheLineArrays.Floats(scratch);
            DenseFeedbackMath.AccumulateSparseOuterScaled(trace.InputCurrent, rows, rowCount, inputs, n, connection.Synapses.Weights, fw,
                ws.RewardedRowIndex, ws.RewardedRowValue, ws.RewardedRowCount, _feedbackBlocks, _parallel);
            AccumulateBiasFeedback(connection, rows, rowCount, feedback.Bias[k]);
        }
        else if (SumsBySampleChunks(connection, batch))
        {
            // Weights and biases of a chunk's rows together: one pass, one pooling of each row.
            AccumulateBySampleChunks(connection, fw, feedback.Bias[k], batch, constant ? 1 : steps, (first, end, weights, bias) =>
            {
                if (input == InputKind.Spikes)
                    for (int r = first; r < end; r++) AccumulateSpikeFeedback(connection, trace, k, r / steps, r % steps, 0, 1, rows.AsSpan(r * n, n), weights);
                else
                    connection.AccumulateAnalogFeedbackRows(trace.InputCurrent.AsSpan(first * inputs, (end - first) * inputs), rows.AsSpan(first * n, (end - first) * n), end - first, weights);
                for (int r = first; r < end; r++) connection.AccumulateBiasFeedback(rows.AsSpan(r * n, n), bias);
            });
        }
        else
        {
            if (input != InputKind.Spikes)
                AccumulatePartitioned(connection, fw, rowCount, (part, parts, r) =>
                    connection.AccumulateAnalogFeedback(part, parts, trace.InputCurrent.AsSpan(r * inputs, inputs), rows.AsSpan(r * n, n), fw));
            else if (connection is DenseLfp && n <= DenseFeedbackMath.FewOutputs)
            {
                int scratch = DenseFeedbackMath.FewOutputsScratchLength(inputs, n);
                if (_feedbackBlocks.Length < scratch) _feedbackBlocks = new float[scratch];
                DenseFeedbackMath.AccumulateSpikeOuterToFewOutputsScaled(spikes!, batch, steps, rhoAll, inputs, n, connection.Synapses.Weights, fw, _feedbackBlocks, _parallel);
            }
            else
                AccumulatePartitioned(connection, fw, batch * steps, (part, parts, r) =>
                    AccumulateSpikeFeedback(connection, trace, k, r / steps, r % steps, part, parts, rhoAll.AsSpan(r * n, n), fw));
            AccumulateBiasFeedback(connection, rows, rowCount, feedback.Bias[k]);
        }

        if (rules.Recurrent is { } recurrent)
        {
            // F_V: rho_t against the layer's own spikes of t-1 (none reach step 0); F_bV: every step.
            var own = trace.Layers[k].Spikes;
            AccumulatePartitioned(recurrent, feedback.RecurrentWeights[k], batch * steps, (part, parts, r) =>
            {
                if (r % steps > 0) recurrent.AccumulateSpikeFeedback(part, parts, own.Fired(r / steps, r % steps - 1), rhoAll.AsSpan(r * n, n), feedback.RecurrentWeights[k]);
            });
            AccumulateBiasFeedback(recurrent, rhoAll, batch * steps, feedback.RecurrentBias[k]);
        }
    }

    // The reward layer k's connection hands to the spikes of layer k - 1 at (sample, step): through a max pooling's lists
    // from the forward pass when the trace kept them (the same sums as pooling the spikes again).
    private static void RewardFiredInputs(ISynapseLfp connection, ForwardTrace trace, int k, int b, int t, ReadOnlySpan<float> rho, Span<float> inputReward)
    {
        var fired = trace.Layers[k - 1].Spikes.Fired(b, t);
        if (connection is PooledLfp pool && trace.TryPooledInput(k, b, out var pooled))
            pool.RewardPooledInputs(fired, pooled.Fired(b, t), rho, inputReward);
        else connection.RewardFiredInputs(fired, rho, inputReward);
    }

    // Feedback of layer k's connection at (sample, step) from the spikes below, likewise from a max pooling's kept lists.
    private static void AccumulateSpikeFeedback(ISynapseLfp connection, ForwardTrace trace, int k, int b, int t, int part, int parts,
        ReadOnlySpan<float> rho, Span<float> weightFeedback)
    {
        if (connection is PooledLfp pool && trace.TryPooledInput(k, b, out var pooled))
            pool.AccumulatePooledSpikeFeedback(part, parts, pooled.Fired(b, t), rho, weightFeedback);
        else
        {
            var spikes = k == 0 ? trace.InputSpikes! : trace.Layers[k - 1].Spikes;
            connection.AccumulateSpikeFeedback(part, parts, spikes.Fired(b, t), rho, weightFeedback);
        }
    }

    // Partitions own disjoint weights; inside one, contributions are added in row ((sample, step)) order,
    // so the sum does not depend on the number of threads. Scaled by |W| at the end.
    private void AccumulatePartitioned(ISynapseLfp rule, float[] target, int rows, Action<int, int, int> accumulateRow)
    {
        int parts = Math.Max(1, _parallel.MaxDegreeOfParallelism);
        Array.Clear(target);
        Parallel.For(0, parts, _parallel, part =>
        {
            for (int r = 0; r < rows; r++) accumulateRow(part, parts, r);
        });
        VectorMath.MultiplyByMagnitude(rule.Synapses.Weights, target);
    }

    // Samples per chunk of AccumulateBySampleChunks: fixed, so the sums do not depend on the number of threads.
    internal const int SamplesPerFeedbackChunk = 8;
    // The chunks' copies of a layer's feedback, in floats: above this a layer takes the partitions by weight.
    private const long ChunkCopiesBudget = 16L << 20;
    private float[] _chunkFeedback = [];

    // Convolutions and pooled connections: their weights are few, and every partition by weight would walk (and pool)
    // every row again, so partitions barely scale (two made the LifCNN's first layer slower than one).
    private static bool SumsBySampleChunks(ISynapseLfp rule, int batch)
    {
        var synapses = rule.Synapses;
        if (synapses is not (Conv2dSynapses or PooledSynapses)) return false;
        long chunks = (batch + SamplesPerFeedbackChunk - 1) / SamplesPerFeedbackChunk;
        return chunks * (synapses.Weights.Length + synapses.Bias.Length) <= ChunkCopiesBudget;
    }

    private delegate void ChunkFeedback(int firstRow, int endRow, Span<float> weightFeedback, Span<float> biasFeedback);

    // Each chunk of SamplesPerFeedbackChunk samples sums its rows ((sample, step) or, with stepsPerRow 1, samples) into
    // its own copy of the weight and bias feedback; the copies are then added in chunk order and scaled
    // by |W| and |b|. The result does not depend on the number of threads.
    private void AccumulateBySampleChunks(ISynapseLfp rule, float[] weightTarget, float[] biasTarget, int batch, int stepsPerRow, ChunkFeedback accumulateChunk)
    {
        int weights = weightTarget.Length, size = weights + biasTarget.Length;
        int chunks = (batch + SamplesPerFeedbackChunk - 1) / SamplesPerFeedbackChunk;
        if (_chunkFeedback.Length < chunks * size) _chunkFeedback = CacheLineArrays.Floats(chunks * size);
        var all = _chunkFeedback;
        Parallel.For(0, chunks, _parallel, c =>
        {
            var own = all.AsSpan(c * size, size);
            own.Clear();
            int first = c * SamplesPerFeedbackChunk * stepsPerRow, end = Math.Min(batch, (c + 1) * SamplesPerFeedbackChunk) * stepsPerRow;
            accumulateChunk(first, end, own[..weights], own[weights..]);
        });
        weightTarget.AsSpan().Clear();
        biasTarget.AsSpan().Clear();
        for (int c = 0; c < chunks; c++)
        {
            VectorMath.Add(all.AsSpan(c * size, weights), weightTarget);
            VectorMath.Add(all.AsSpan(c * size + weights, biasTarget.Length), biasTarget);
        }
        VectorMath.MultiplyByMagnitude(rule.Synapses.Weights, weightTarget);
        VectorMath.MultiplyByMagnitude(rule.Synapses.Bias, biasTarget);
    }

    private static void AccumulateBiasFeedback(ISynapseLfp rule, float[] rho, int rows, float[] target)
    {
        int n = rule.Synapses.Outputs;
        Array.Clear(target);
        for (int r = 0; r < rows; r++) rule.AccumulateBiasFeedback(rho.AsSpan(r * n, n), target);
        VectorMath.MultiplyByMagnitude(rule.Synapses.Bias, target);
    }
}

/// <summary>LFP's rules for one layer's connection and, when it has one, its recurrent synapses.</summary>
internal readonly record struct LayerRules(ISynapseLfp Connection, ISynapseLfp? Recurrent)
{
    public static LayerRules[] Of(SpikingNetwork network) =>
        network.Layers.Select(l => new LayerRules(SynapseLfp.For(l.Connection), l.Recurrent is null ? null : SynapseLfp.For(l.Recurrent))).ToArray();
}
