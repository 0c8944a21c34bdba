using SpikeLfp.Network.Synapses;

namespace SpikeLfp.Learning.Lfp.Synapses;

/// <summary>
/// LFP through dense synapses. The weights are input-major, so one input's reward is one dot product with its
/// weight row and its feedback one row add: both cost in proportion to the inputs that fired.
/// </summary>
public sealed class DenseLfp(DenseSynapses synapses) : ISynapseLfp
{
    private readonly float[] _weights = synapses.Weights;
    private readonly int _inputs = synapses.Inputs, _outputs = synapses.Outputs;

    /// <inheritdoc/>
    public ISynapses Synapses => synapses;

    /// <inheritdoc/>
    public void RewardFiredInputs(ReadOnlySpan<int> fired, ReadOnlySpan<float> rho, Span<float> inputReward)
    {
        foreach (int i in fired)
            inputReward[i] += VectorMath.Dot(_weights.AsSpan(i * _outputs, _outputs), rho);
    }

    /// <inheritdoc/>
    public void RewardAnalogInputs(ReadOnlySpan<float> input, ReadOnlySpan<float> rho, Span<float> inputReward)
    {
        for (int i = 0; i < input.Length; i++)
            if (input[i] != 0f) inputReward[i] += input[i] * VectorMath.Dot(_weights.AsSpan(i * _outputs, _outputs), rho);
    }

    // Partitions are blocks of input rows: row i of the feedback belongs to exactly one partition.
    private (int From, int To) Rows(int part, int parts) => ((int)((long)_inputs * part / parts), (int)((long)_inputs * (part + 1) / parts));

    /// <inheritdoc/>
    public void AccumulateSpikeFeedback(int part, int parts, ReadOnlySpan<int> fired, ReadOnlySpan<float> rho, Span<float> weightFeedback)
    {
        var (from, to) = Rows(part, parts);
        foreach (int i in fired)
            if (i >= from && i < to) VectorMath.Add(rho, weightFeedback.Slice(i * _outputs, _outputs));
    }

    /// <inheritdoc/>
    public void AccumulateAnalogFeedback(int part, int parts, ReadOnlySpan<float> input, ReadOnlySpan<float> rho, Span<float> weightFeedback)
    {
        var (from, to) = Rows(part, parts);
        for (int i = from; i < to; i++)
            if (input[i] != 0f) VectorMath.AddScaled(input[i], rho, weightFeedback.Slice(i * _outputs, _outputs));
    }

    /// <inheritdoc/>
    public void AccumulateBiasFeedback(ReadOnlySpan<float> rho, Span<float> biasFeedback) => VectorMath.Add(rho, biasFeedback);
}
