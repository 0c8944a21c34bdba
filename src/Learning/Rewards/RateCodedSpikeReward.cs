using SpikeLfp.Network.Simulation;

namespace SpikeLfp.Learning.Rewards;

/// <summary>A reward placed on the output spikes of each sample at each step (LFP.md, "Rewards").</summary>
public interface ISpikeReward
{
    /// <summary>
    /// Writes the reward A_{t,c} for one sample into <paramref name="reward"/>, laid out [step, class],
    /// and returns its sum (reported as the mean reward of a batch).
    /// </summary>
    float Compute(ForwardTrace trace, int sample, int label, Span<float> reward);
}

/// <summary>
/// lfprop's SnnCorrectClassRewardSpikesRateCoded: with output counts P_c = sum_t s_{t,c},
/// A_{t,y} = 1 - sigmoid(P_y - floor(T/2)) at every step, A_{t,c} = -s_{t,c} (1 - sigmoid((T - P_c) - floor(T/2))) for c != y,
/// divided by T as the reference training loop does.
/// </summary>
public sealed class RateCodedSpikeReward : ISpikeReward
{
    /// <summary>Divide by T before propagating (the reference loop does). Default true.</summary>
    public bool DivideBySteps { get; init; } = true;

    /// <inheritdoc/>
    public float Compute(ForwardTrace trace, int sample, int label, Span<float> reward)
    {
        int steps = trace.Steps, classes = trace.Layers[^1].Size;
        if ((uint)label >= (uint)classes) throw new ArgumentOutOfRangeException(nameof(label), $"label {label} is not a class of a {classes}-neuron output layer.");
        Span<int> counts = classes <= 1024 ? stackalloc int[classes] : new int[classes];
        TraceStatistics.OutputCounts(trace, sample, counts);
        int half = steps / 2;
        float scale = DivideBySteps ? 1f / steps : 1f;
        float correct = SigmoidComplement(counts[label] - half) * scale;
        reward[..(steps * classes)].Clear();
        float total = 0f;
        var spikes = trace.Layers[^1].Spikes;
        for (int t = 0; t < steps; t++)
        {
            var row = reward.Slice(t * classes, classes);
            row[label] = correct;
            total += correct;
            foreach (int c in spikes.Fired(sample, t))
            {
                if (c == label) continue;
                float r = -SigmoidComplement(steps - counts[c] - half) * scale;
                row[c] = r;
                total += r;
            }
        }
        return total;
    }

    /// <summary>
    /// 1 - sigmoid(x), computed directly as 1 / (1 + e^x) in double and rounded once: 1 minus a float32 sigmoid near 1
    /// cancels (a reward of 1.8e-6 came out 5e-4 of itself off). The GPU backend's table holds the same values.
    /// </summary>
    public static float SigmoidComplement(int x) => (float)(1.0 / (1.0 + Math.Exp(x)));
}
