namespace SpikeLfp.Bench;

/// <summary>
/// Seeded stand-in for Fashion-MNIST, same shape and value statistics: 28 x 28 = 784 inputs in [-1, 1] with
/// about 40% exactly -1 (the background of a normalised image), 10 classes. Each class has a prototype (a
/// background mask and foreground intensities); a sample is its prototype with a few background pixels
/// flipped and Gaussian noise on the foreground, so a network can learn it and its spike rates settle
/// where they do on real images.
/// </summary>
public sealed class SyntheticImages : IBenchData
{
    /// <summary>Inputs per sample (28 x 28).</summary>
    public const int InputSize = 784;
    /// <summary>Classes.</summary>
    public const int ClassCount = 10;

    /// <summary>Generates <paramref name="count"/> samples with <paramref name="seed"/>.</summary>
    public SyntheticImages(int count, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        var random = new Random(seed);
        var background = new bool[ClassCount * InputSize];
        var intensity = new float[ClassCount * InputSize];
        for (int i = 0; i < background.Length; i++)
        {
            background[i] = random.NextDouble() < 0.38;
            intensity[i] = (float)(random.NextDouble() * 1.6 - 0.6);
        }
        Count = count;
        Features = new float[count * InputSize];
        Labels = new int[count];
        for (int s = 0; s < count; s++)
        {
            int label = random.Next(ClassCount);
            Labels[s] = label;
            var row = Features.AsSpan(s * InputSize, InputSize);
            for (int i = 0; i < InputSize; i++)
            {
                bool off = background[label * InputSize + i] ^ (random.NextDouble() < 0.05);
                row[i] = off ? -1f : Math.Clamp(intensity[label * InputSize + i] + 0.35f * Gaussian(random), -1f, 1f);
            }
        }
    }

    /// <summary>Samples.</summary>
    public int Count { get; }
    /// <summary>Row-major [sample, input].</summary>
    public float[] Features { get; }
    /// <summary>Class of each sample.</summary>
    public int[] Labels { get; }

    /// <summary>Fraction of all values that are exactly -1.</summary>
    public double BackgroundFraction => Features.Count(v => v == -1f) / (double)Features.Length;

    /// <summary>Features of samples [start, start + count).</summary>
    public ReadOnlySpan<float> Batch(int start, int count) => Features.AsSpan(start * InputSize, count * InputSize);

    private static float Gaussian(Random random)
    {
        double u1 = 1.0 - random.NextDouble(), u2 = random.NextDouble();
        return (float)(Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
    }
}
