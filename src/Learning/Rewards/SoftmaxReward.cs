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
        double max = double.NegativeInfinity;
        foreach (float v in logits) max = Math.Max(max, v);
        double sum = 0;
        foreach (float v in logits) sum += Math.Exp(v - max);
        float total = 0;
        for (int c = 0; c < logits.Length; c++)
        {
            double softmax = Math.Exp(logits[c] - max) / sum;
            float r = (float)(logits[c] * ((c == label ? 1.0 : 0.0) - softmax));
            reward[c] = r;
            total += r;
        }
        return total;
    }
}
