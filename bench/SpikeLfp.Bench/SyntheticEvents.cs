using SpikeLfp.Network.Encoding;

namespace SpikeLfp.Bench;

/// <summary>
/// Seeded stand-in for Spiking Heidelberg Digits as the network sees them: 700 cochlea channels binned into 100 steps
/// of 10 ms, 20 classes. Each class has three "formant" tracks, a channel that moves linearly over time; a sample is its
/// class's tracks shifted by a few channels and steps, firing channels near each track with probability 0.5 per step,
/// plus background events on every channel. That gives a few percent of the channels active per step (the measured
/// rate is <see cref="InputSpikeRate"/>), the sparsity the issue names for SHD, and a task a network can learn.
/// </summary>
public sealed class SyntheticEvents : IBenchData
{
    /// <summary>Channels (SHD's cochlea model).</summary>
    public const int Channels = 700;
    /// <summary>Steps of 10 ms (SHD's usual binning).</summary>
    public const int Steps = 100;
    /// <summary>Classes.</summary>
    public const int ClassCount = 20;

    private const int Tracks = 3, HalfWidth = 6;
    private const double TrackProbability = 0.5, BackgroundProbability = 0.005;

    /// <summary>Generates <paramref name="count"/> samples with <paramref name="seed"/>.</summary>
    public SyntheticEvents(int count, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        var random = new Random(seed);
        var start = new double[ClassCount, Tracks];
        var slope = new double[ClassCount, Tracks];
        for (int c = 0; c < ClassCount; c++)
            for (int k = 0; k < Tracks; k++)
            {
                start[c, k] = 50 + random.NextDouble() * 600;
                slope[c, k] = random.NextDouble() * 4 - 2;
            }
        var builder = new RecordedSpikes.Builder(Channels, Steps);
        var fired = new List<int>();
        Labels = new int[count];
        for (int s = 0; s < count; s++)
        {
            int label = Labels[s] = random.Next(ClassCount);
            int shift = random.Next(-5, 6), offset = random.Next(-10, 11);
            for (int t = 0; t < Steps; t++)
            {
                fired.Clear();
                int time = t - shift;
                if (time is >= 10 and < 90)
                    for (int k = 0; k < Tracks; k++)
                    {
                        int centre = (int)Math.Round(start[label, k] + slope[label, k] * time) + offset;
                        for (int ch = centre - HalfWidth; ch <= centre + HalfWidth; ch++)
                            if (ch is >= 0 and < Channels && random.NextDouble() < TrackProbability) fired.Add(ch);
                    }
                for (int ch = 0; ch < Channels; ch++)
                    if (random.NextDouble() < BackgroundProbability) fired.Add(ch);
                builder.AddStep(fired.ToArray());
            }
        }
        Recording = builder.Build();
        Encoder = new RecordedSpikeEncoder(Recording);
        References = Enumerable.Range(0, count).Select(i => (float)i).ToArray();
    }

    /// <summary>The binned spikes of every sample.</summary>
    public RecordedSpikes Recording { get; }
    /// <summary>The encoder that delivers them (a sample's feature is its index in <see cref="Recording"/>).</summary>
    public RecordedSpikeEncoder Encoder { get; }
    /// <summary>One feature per sample: its index in the recording.</summary>
    public float[] References { get; }

    /// <inheritdoc/>
    public int Count => Labels.Length;
    /// <inheritdoc/>
    public int[] Labels { get; }
    /// <summary>Input spikes per channel and step over all samples.</summary>
    public double InputSpikeRate => Recording.Events / ((double)Count * Steps * Channels);

    /// <inheritdoc/>
    public ReadOnlySpan<float> Batch(int start, int count) => References.AsSpan(start, count);
}
