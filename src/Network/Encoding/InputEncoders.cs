
namespace SpikeLfp.Network.Encoding;

/// <summary>
/// Turns a batch of feature vectors (scaled to [-1, 1]) into what the first layer receives at each step:
/// either a constant analog current, or spikes.
/// </summary>
public interface IInputEncoder
{
    /// <summary>Name used on the command line and in files: current, rate, latency.</summary>
    string Name { get; }
    /// <summary>True when the encoder emits spikes; false for a constant analog current.</summary>
    bool IsSpiking { get; }
    /// <summary>
    /// Fills <paramref name="spikes"/> for the samples of the batch (spiking encoders only).
    /// <paramref name="sampleKeys"/> identify the samples (for example data set index and epoch), so the
    /// same sample gets the same spikes whatever batch or thread it lands in.
    /// </summary>
    void Encode(ReadOnlySpan<float> features, int featureCount, ReadOnlySpan<long> sampleKeys, SpikeTrain spikes);
}

/// <summary>The same analog input at every step (the reference's choice).</summary>
public sealed class ConstantCurrentEncoder : IInputEncoder
{
    /// <inheritdoc/>
    public string Name => "current";
    /// <inheritdoc/>
    public bool IsSpiking => false;
    /// <inheritdoc/>
    public void Encode(ReadOnlySpan<float> features, int featureCount, ReadOnlySpan<long> sampleKeys, SpikeTrain spikes)
        => throw new InvalidOperationException("a constant-current input is analog; it has no spikes.");
}

/// <summary>
/// Bernoulli rate coding: input i fires at each step with probability p = (x + 1) / 2, the feature mapped
/// back from [-1, 1] to [0, 1] (snntorch's spikegen.rate on [0, 1] data). Seeded and counter-based:
/// the draw for (seed, sample key, step, input) never depends on batch composition or thread count.
/// </summary>
public sealed class BernoulliRateEncoder(ulong seed) : IInputEncoder
{
    /// <inheritdoc/>
    public string Name => "rate";
    /// <inheritdoc/>
    public bool IsSpiking => true;
    /// <summary>Seed of the spike draws.</summary>
    public ulong Seed => seed;

    /// <inheritdoc/>
    public void Encode(ReadOnlySpan<float> features, int featureCount, ReadOnlySpan<long> sampleKeys, SpikeTrain spikes)
    {
        for (int b = 0; b < sampleKeys.Length; b++)
        {
            var x = features.Slice(b * featureCount, featureCount);
            for (int t = 0; t < spikes.Steps; t++)
            {
                var slot = spikes.Slot(b, t);
                int count = 0;
                for (int i = 0; i < featureCount; i++)
                {
                    float p = Math.Clamp((x[i] + 1f) * 0.5f, 0f, 1f);
                    if (CounterRandom.Uniform(seed, (ulong)sampleKeys[b], (ulong)t, (ulong)i) < p) slot[count++] = i;
                }
                spikes.SetCount(b, t, count);
            }
        }
    }
}

/// <summary>
/// Latency (time-to-first-spike) coding: each input fires once, earlier when stronger. With intensity
/// p = (x + 1) / 2 in [0, 1], input i fires at step round((1 - p) (T - 1)); inputs with p below
/// <see cref="MinimumIntensity"/> never fire (a blank pixel carries no event).
/// </summary>
public sealed class LatencyEncoder : IInputEncoder
{
    /// <summary>Intensities below this do not fire.</summary>
    public float MinimumIntensity { get; init; } = 0.01f;
    /// <inheritdoc/>
    public string Name => "latency";
    /// <inheritdoc/>
    public bool IsSpiking => true;

    /// <inheritdoc/>
    public void Encode(ReadOnlySpan<float> features, int featureCount, ReadOnlySpan<long> sampleKeys, SpikeTrain spikes)
    {
        int steps = spikes.Steps;
        for (int b = 0; b < sampleKeys.Length; b++)
        {
            for (int t = 0; t < steps; t++) spikes.SetCount(b, t, 0);
            var x = features.Slice(b * featureCount, featureCount);
            for (int i = 0; i < featureCount; i++)
            {
                float p = Math.Clamp((x[i] + 1f) * 0.5f, 0f, 1f);
                if (p < MinimumIntensity) continue;
                int t = (int)MathF.Round((1f - p) * (steps - 1));
                int c = spikes.Count(b, t);
                spikes.Slot(b, t)[c] = i;
                spikes.SetCount(b, t, c + 1);
            }
        }
    }
}

/// <summary>Encoders by command-line name.</summary>
public static class InputEncoders
{
    /// <summary>The names accepted by <see cref="Create"/>.</summary>
    public static readonly string[] Names = ["current", "rate", "latency"];

    /// <summary>Creates an encoder: "current", "rate" (seeded) or "latency".</summary>
    /// <exception cref="ArgumentException">Unknown name.</exception>
    public static IInputEncoder Create(string name, ulong seed) => name switch
    {
        "current" => new ConstantCurrentEncoder(),
        "rate" => new BernoulliRateEncoder(seed),
        "latency" => new LatencyEncoder(),
        _ => throw new ArgumentException($"unknown encoder '{name}': expected one of {string.Join(", ", Names)}."),
    };
}
