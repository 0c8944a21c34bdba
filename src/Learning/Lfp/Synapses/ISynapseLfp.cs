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
}
