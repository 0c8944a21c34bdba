namespace SpikeLfp.Bench;

/// <summary>A benchmark's labelled samples: what a batch hands the trainer (features, or references into a recording).</summary>
public interface IBenchData
{
    /// <summary>Samples.</summary>
    int Count { get; }
    /// <summary>Class of each sample.</summary>
    int[] Labels { get; }
    /// <summary>Features of samples [start, start + count).</summary>
    ReadOnlySpan<float> Batch(int start, int count);
}
