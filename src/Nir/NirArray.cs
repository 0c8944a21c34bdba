namespace SpikeLfp.Nir;

/// <summary>How a NIR parameter was stored in the file (the reader keeps it so a writer can store it back alike).</summary>
public enum NirElementType
{
    /// <summary>IEEE single precision (PyTorch's default).</summary>
    Float32,
    /// <summary>IEEE double precision (NumPy's default).</summary>
    Float64,
    /// <summary>Signed 64-bit integer (shapes, strides, paddings).</summary>
    Int64,
    /// <summary>Signed 32-bit integer.</summary>
    Int32,
}

/// <summary>
/// One numeric parameter of a NIR node as stored: its shape (empty for a scalar or 0-d array), its values in
/// row-major order widened to double (exact for every stored type), and the stored element type.
/// </summary>
public sealed class NirArray
{
    /// <summary>Wraps values; their count must be the product of the shape (1 for a scalar).</summary>
    public NirArray(IReadOnlyList<int> shape, double[] values, NirElementType elementType)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(values);
        long count = 1;
        foreach (int d in shape)
        {
            if (d < 0) throw new ArgumentException($"negative dimension {d}.", nameof(shape));
            count *= d;
        }
        if (count != values.Length)
            throw new ArgumentException($"shape [{string.Join(", ", shape)}] holds {count} values, got {values.Length}.", nameof(values));
        Shape = shape.ToArray();
        Values = values;
        ElementType = elementType;
    }

    /// <summary>Dimensions, outermost first; empty for a scalar.</summary>
    public IReadOnlyList<int> Shape { get; }
    /// <summary>Values in row-major order.</summary>
    public double[] Values { get; }
    /// <summary>The element type the file stored.</summary>
    public NirElementType ElementType { get; }
    /// <summary>Number of values.</summary>
    public int Length => Values.Length;
    /// <summary>True for floating-point storage.</summary>
    public bool IsFloat => ElementType is NirElementType.Float32 or NirElementType.Float64;

    /// <summary>Creates a float32 array (as PyTorch writes weights).</summary>
    public static NirArray Float32(IReadOnlyList<int> shape, IEnumerable<float> values)
        => new(shape, values.Select(v => (double)v).ToArray(), NirElementType.Float32);

    /// <summary>Creates an int64 array (as NIR stores shapes, strides and paddings).</summary>
    public static NirArray Int64(IReadOnlyList<int> shape, IEnumerable<long> values)
        => new(shape, values.Select(v => (double)v).ToArray(), NirElementType.Int64);

    /// <summary>"float32 [38, 12]" and the like.</summary>
    public override string ToString() => $"{ElementType.ToString().ToLowerInvariant()} [{string.Join(", ", Shape)}]";
}
