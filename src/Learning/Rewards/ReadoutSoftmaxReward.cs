using SpikeLfp.Network.Simulation;
using SpikeLfp.Learning.Lfp;

namespace SpikeLfp.Learning.Rewards;

/// <summary>
/// The reward of a non-spiking readout (LI output; docs/lfp-temporal.md): the logits are the membrane averaged over
/// the steps, l = (1/T) sum_t u_t; the softmax reward A = l (.) (onehot(y) - softmax(l)) is placed on them (LFP.md,
/// "Rewards") and shared back over the steps by the epsilon rule of that average: step t receives
/// (u_t / T) A / (l + eps sign(l)), its share of l.
/// </summary>
public sealed class ReadoutSoftmaxReward : ISpikeReward
{
    /// <inheritdoc/>
    public float Compute(ForwardTrace trace, int sample, int label, Span<float> reward)
    {
        var output = trace.Layers[^1];
        int classes = output.Size, steps = trace.Steps;
        Span<float> logits = classes <= 1024 ? stackalloc float[classes] : new float[classes];
        Span<float> onLogits = classes <= 1024 ? stackalloc float[classes] : new float[classes];
        TraceStatistics.ReadoutLogits(trace, sample, logits);
        float total = SoftmaxReward.Compute(logits, label, onLogits);
        for (int c = 0; c < classes; c++) onLogits[c] /= Stabilizer.Stabilize(logits[c]) * steps;
        for (int t = 0; t < steps; t++)
        {
            var u = output.MembraneAt(sample, t);
            var r = reward.Slice(t * classes, classes);
            for (int c = 0; c < classes; c++) r[c] = u[c] * onLogits[c];
        }
        return total;
    }
}
