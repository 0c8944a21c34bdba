using SpikeLfp.Network.Synapses;

namespace SpikeLfp.Learning.Lfp.Synapses;

/// <summary>
/// LFP's epsilon rule through one connection (LFP.md, "Backward"): the reward that a layer's normalised reward rho
/// hands to the connection's inputs, and the weight and bias feedback. Every operation touches only the inputs
/// that are non-zero, so spike inputs cost in proportion to the spikes, as the forward does. The connection
/// (<see cref="ISynapses"/>) knows only its forward; this is the rule's side of it, one implementation per
/// connection kind.
/// </summary>
public interface ISynapseLfp
{
    /// <summary>The connection the rule runs through.</summary>
    ISynapses Synapses { get; }

    /// <summary>
    /// Called before a batch's reward pass: the weights stay as they are until <see cref="EndBatch"/>, so a rule may
    /// derive what it needs from them once instead of at every call. Default: nothing.
    /// </summary>
    void BeginBatch() { }
    /// <summary>After the batch's feedback: the weights may change again. Default: nothing.</summary>
    void EndBatch() { }

    /// <summary>Reward to the inputs that fired: inputReward[i] += sum_j w_ij rho_j.</summary>
    void RewardFiredInputs(ReadOnlySpan<int> fired, ReadOnlySpan<float> rho, Span<float> inputReward);
    /// <summary>Reward to analog inputs: inputReward[i] += x_i sum_j w_ij rho_j.</summary>
    void RewardAnalogInputs(ReadOnlySpan<float> input, ReadOnlySpan<float> rho, Span<float> inputReward);

    /// <summary>
    /// Adds the contributions rho_j x_i of one (sample, step) to the weight feedback, restricted to partition
    /// <paramref name="part"/> of <paramref name="parts"/> (partitions own disjoint weights, so they can run in
    /// parallel while each weight still sums its contributions in the caller's order). Not yet scaled by |W|.
    /// </summary>
    void AccumulateSpikeFeedback(int part, int parts, ReadOnlySpan<int> fired, ReadOnlySpan<float> rho, Span<float> weightFeedback);
    /// <summary>Analog-input version of <see cref="AccumulateSpikeFeedback"/>.</summary>
    void AccumulateAnalogFeedback(int part, int parts, ReadOnlySpan<float> input, ReadOnlySpan<float> rho, Span<float> weightFeedback);
    /// <summary>
    /// <see cref="AccumulateAnalogFeedback"/> of consecutive rows (samples, or (sample, step) rows) on one thread, their
    /// inputs and rho back to back. A rule may sum the rows' terms in another order than row by row, but always in the
    /// same order for the same rows. Default: row by row.
    /// </summary>
    void AccumulateAnalogFeedbackRows(ReadOnlySpan<float> inputs, ReadOnlySpan<float> rho, int rows, Span<float> weightFeedback)
        => SynapseLfp.AccumulateAnalogFeedbackByRow(this, inputs, rho, rows, weightFeedback);
    /// <summary>biasFeedback += the sum of rho over the neurons each bias feeds. Not yet scaled by |b|.</summary>
    void AccumulateBiasFeedback(ReadOnlySpan<float> rho, Span<float> biasFeedback);
}

/// <summary>Picks the rule for a connection by its kind.</summary>
public static class SynapseLfp
{
    /// <summary>LFP through <paramref name="synapses"/>.</summary>
    /// <exception cref="NotSupportedException">A connection kind LFP has no rule for.</exception>
    public static ISynapseLfp For(ISynapses synapses) => synapses switch
    {
        DenseSynapses dense => new DenseLfp(dense),
        Conv2dSynapses conv => new Conv2dLfp(conv),
        PooledSynapses pooled => new PooledLfp(pooled, For(pooled.Inner)),
        _ => throw new NotSupportedException($"LFP has no rule for {synapses.Kind} connections."),
    };

    /// <summary>The analog feedback of consecutive rows, one <see cref="ISynapseLfp.AccumulateAnalogFeedback"/> call per row.</summary>
    public static void AccumulateAnalogFeedbackByRow(ISynapseLfp rule, ReadOnlySpan<float> inputs, ReadOnlySpan<float> rho, int rows, Span<float> weightFeedback)
    {
        int n = rule.Synapses.Inputs, m = rule.Synapses.Outputs;
        for (int r = 0; r < rows; r++) rule.AccumulateAnalogFeedback(0, 1, inputs.Slice(r * n, n), rho.Slice(r * m, m), weightFeedback);
    }
}
