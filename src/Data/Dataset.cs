namespace SpikeLfp.Data;

/// <summary>
/// Shape of one sample seen as an image, channels first (C, H, W) as data files store it. Not to be confused with
/// <c>SpikeLfp.Network.Model.ImageShape</c>, a feature map of a convolutional network, channel-last (H, W, C).
/// </summary>
/// <param name="Channels">Number of channels (1 for grey-scale).</param>
/// <param name="Height">Rows of pixels.</param>
/// <param name="Width">Columns of pixels.</param>
public readonly record struct SampleShape(int Channels, int Height, int Width)
{
    /// <summary>Number of values in one sample: <c>Channels * Height * Width</c>.</summary>
    public int Size => Channels * Height * Width;
}

/// <summary>A train part and a test part of one data set.</summary>
/// <param name="Train">Samples to learn from.</param>
/// <param name="Test">Held-out samples to evaluate on.</param>
public sealed record DatasetSplit(Dataset Train, Dataset Test);

/// <summary>
/// Labelled samples held in memory: features row-major <c>[Count, FeatureCount]</c>, already scaled to
/// [-1, 1], and one class label per sample.
/// </summary>
public sealed class Dataset
{
    /// <summary>Creates a data set over the given arrays (they are kept, not copied).</summary>
    /// <param name="name">Short name, for example "digits".</param>
    /// <param name="features">Row-major <c>[count, featureCount]</c> values scaled to [-1, 1].</param>
    /// <param name="labels">One label per sample, each in <c>[0, classCount)</c>.</param>
    /// <param name="featureCount">Values per sample; must equal <c>shape.Size</c>.</param>
    /// <param name="classCount">Number of classes (at least 2).</param>
    /// <param name="shape">Image shape of one sample.</param>
    /// <exception cref="ArgumentException">The sizes disagree or a label is out of range.</exception>
    public Dataset(string name, float[] features, int[] labels, int featureCount, int classCount, SampleShape shape)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentOutOfRangeException.ThrowIfLessThan(featureCount, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(classCount, 2);
        if (shape.Channels < 1 || shape.Height < 1 || shape.Width < 1 || (long)shape.Channels * shape.Height * shape.Width != featureCount)
            throw new ArgumentException($"shape {shape} does not hold {featureCount} features", nameof(shape));
        if ((long)labels.Length * featureCount != features.Length)
            throw new ArgumentException($"{features.Length} features is not {labels.Length} samples x {featureCount}", nameof(features));
        for (int i = 0; i < labels.Length; i++)
        {
            if ((uint)labels[i] >= (uint)classCount)
                throw new ArgumentException($"label {labels[i]} of sample {i} is outside [0, {classCount})", nameof(labels));
        }

        Name = name;
        Features = features;
        Labels = labels;
        FeatureCount = featureCount;
        ClassCount = classCount;
        Shape = shape;
    }

    /// <summary>Short name of the data set, for example "digits" or "fashion-mnist".</summary>
    public string Name { get; }

    /// <summary>Number of samples.</summary>
    public int Count => Labels.Length;

    /// <summary>Values per sample.</summary>
    public int FeatureCount { get; }

    /// <summary>Number of classes; every label lies in <c>[0, ClassCount)</c>.</summary>
    public int ClassCount { get; }

    /// <summary>Image shape of one sample.</summary>
    public SampleShape Shape { get; }

    /// <summary>All features, row-major <c>[Count, FeatureCount]</c>, scaled to [-1, 1].</summary>
    public float[] Features { get; }

    /// <summary>One class label per sample.</summary>
    public int[] Labels { get; }

    /// <summary>The features of sample <paramref name="i"/>.</summary>
    public ReadOnlySpan<float> Sample(int i)
    {
        if ((uint)i >= (uint)Count)
            throw new ArgumentOutOfRangeException(nameof(i), i, $"sample index must lie in [0, {Count})");
        return Features.AsSpan(i * FeatureCount, FeatureCount);
    }

    /// <summary>
    /// The first <paramref name="count"/> samples as a new data set (copied), for quick runs. A count
    /// larger than <see cref="Count"/> takes every sample. Class count and shape stay the same.
    /// </summary>
    public Dataset Take(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        int n = Math.Min(count, Count);
        return new Dataset(Name, Features.AsSpan(0, n * FeatureCount).ToArray(), Labels.AsSpan(0, n).ToArray(),
            FeatureCount, ClassCount, Shape);
    }

    /// <summary>
    /// <paramref name="count"/> samples spread evenly over the data set (indices floor(k * Count / count)), in
    /// order. Unlike <see cref="Take"/>, a class-sorted file (as the converted Fashion-MNIST) still yields every
    /// class in proportion, so quick runs on a subset stay meaningful.
    /// </summary>
    public Dataset Spread(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        int n = Math.Min(count, Count);
        var features = new float[n * FeatureCount];
        var labels = new int[n];
        for (int k = 0; k < n; k++)
        {
            int index = (int)((long)k * Count / n);
            Sample(index).CopyTo(features.AsSpan(k * FeatureCount, FeatureCount));
            labels[k] = Labels[index];
        }
        return new Dataset(Name, features, labels, FeatureCount, ClassCount, Shape);
    }

    /// <summary>Number of samples of each class, indexed by label.</summary>
    public int[] CountPerClass()
    {
        var counts = new int[ClassCount];
        foreach (int label in Labels) counts[label]++;
        return counts;
    }
}
