using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace SpikeLfp.Data;

/// <summary>A fingerprint of what a data set holds, so a run continued later can tell it is fed the same samples.</summary>
public static class DatasetContent
{
    /// <summary>
    /// "sha256:HEX" over the shapes, features and labels of the training and then the test set (not their names or
    /// paths: the same data moved elsewhere keeps its hash; one changed pixel or label changes it).
    /// </summary>
    public static string Hash(DatasetSplit split)
    {
        ArgumentNullException.ThrowIfNull(split);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var set in new[] { split.Train, split.Test })
        {
            ReadOnlySpan<int> shape = [set.Count, set.FeatureCount, set.ClassCount];
            hash.AppendData(MemoryMarshal.AsBytes(shape));
            hash.AppendData(MemoryMarshal.AsBytes(set.Features.AsSpan()));
            hash.AppendData(MemoryMarshal.AsBytes(set.Labels.AsSpan()));
        }
        return "sha256:" + Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
