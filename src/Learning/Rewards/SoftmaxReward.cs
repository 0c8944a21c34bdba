namespace SpikeLfp.Learning.Rewards;

/// <summary>
/// lfprop's SoftmaxLossReward for non-spiking outputs: A = logits (.) (onehot(y) - softmax(logits)) (LFP.md, "Rewards").
/// </summary>
public static class SoftmaxReward
{
    /// <summary>Writes the reward of one sample's logits into <paramref name="reward"/>; returns its sum.</summary>
    public static float Compute(ReadOnlySpan<float> logits, int label, Span<float> reward)
    {
        if ((uint)label >= (uint)logits.Length) throw new ArgumentOutOfRangeException(nameof(label));
        var softmax = SoftmaxNormalizer.Of(logits);
        float total = 0;
        for (int c = 0; c < logits.Length; c++)
        {
            double p = softmax.Probability(logits[c]);
            float r = (float)(logits[c] * ((c == label ? 1.0 : 0.0) - p));
            reward[c] = r;
            total += r;
        }
        return total;
    }
}
