namespace SpikeLfp.Learning.Rewards;

/// <summary>
/// The two numbers of a numerically stable softmax over one sample's logits, in double:
/// softmax_c = exp(logit_c - Max) / Sum. Computed once per sample and shared by the softmax reward, the
/// cross-entropy baseline and the statistics that need either.
/// </summary>
internal readonly record struct SoftmaxNormalizer(double Max, double Sum)
{
    /// <summary>The largest logit and the sum of exp(logit - largest).</summary>
    public static SoftmaxNormalizer Of(ReadOnlySpan<float> logits)
    {
        double max = double.NegativeInfinity;
        foreach (float v in logits) max = Math.Max(max, v);
        double sum = 0;
        foreach (float v in logits) sum += Math.Exp(v - max);
        return new SoftmaxNormalizer(max, sum);
    }

    /// <summary>softmax of <paramref name="logit"/>.</summary>
    public double Probability(float logit) => Math.Exp(logit - Max) / Sum;

    /// <summary>log softmax of <paramref name="logit"/>.</summary>
    public double LogProbability(float logit) => logit - Max - Math.Log(Sum);
}
