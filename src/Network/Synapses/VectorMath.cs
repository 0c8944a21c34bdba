using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace SpikeLfp.Network.Synapses;

/// <summary>
/// Small SIMD building blocks (Vector&lt;float&gt; picks AVX-512/AVX2/SSE as the CPU allows).
/// Allocation-free; every kernel of the CPU backend is made of these.
/// </summary>
internal static class VectorMath
{
    /// <summary>y += x.</summary>
    public static void Add(ReadOnlySpan<float> x, Span<float> y)
    {
        if (x.Length != y.Length) throw new ArgumentException("x and y must have the same length.");
        int n = y.Length, i = 0;
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float yr = ref MemoryMarshal.GetReference(y);
        int w = Vector<float>.Count;
        for (; i <= n - w; i += w)
        {
            var v = Vector.LoadUnsafe(ref yr, (nuint)i) + Vector.LoadUnsafe(ref xr, (nuint)i);
            v.StoreUnsafe(ref yr, (nuint)i);
        }
        for (; i < n; i++) Unsafe.Add(ref yr, i) += Unsafe.Add(ref xr, i);
    }

    /// <summary>y += a * x.</summary>
    public static void AddScaled(float a, ReadOnlySpan<float> x, Span<float> y)
    {
        if (x.Length != y.Length) throw new ArgumentException("x and y must have the same length.");
        int n = y.Length, i = 0;
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float yr = ref MemoryMarshal.GetReference(y);
        int w = Vector<float>.Count;
        var va = new Vector<float>(a);
        for (; i <= n - w; i += w)
        {
            var v = Vector.FusedMultiplyAdd(va, Vector.LoadUnsafe(ref xr, (nuint)i), Vector.LoadUnsafe(ref yr, (nuint)i));
            v.StoreUnsafe(ref yr, (nuint)i);
        }
        for (; i < n; i++) Unsafe.Add(ref yr, i) = MathF.FusedMultiplyAdd(a, Unsafe.Add(ref xr, i), Unsafe.Add(ref yr, i));
    }

    /// <summary>Sum of x[i] * y[i].</summary>
    public static float Dot(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        if (x.Length != y.Length) throw new ArgumentException("x and y must have the same length.");
        int n = x.Length, i = 0;
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float yr = ref MemoryMarshal.GetReference(y);
        int w = Vector<float>.Count;
        var acc = Vector<float>.Zero;
        for (; i <= n - w; i += w)
            acc = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref xr, (nuint)i), Vector.LoadUnsafe(ref yr, (nuint)i), acc);
        float sum = Vector.Sum(acc);
        for (; i < n; i++) sum += Unsafe.Add(ref xr, i) * Unsafe.Add(ref yr, i);
        return sum;
    }

    /// <summary>y[i] *= |w[i]| (LFP scales feedback by the weight magnitude).</summary>
    public static void MultiplyByMagnitude(ReadOnlySpan<float> w, Span<float> y)
    {
        if (w.Length != y.Length) throw new ArgumentException("w and y must have the same length.");
        int n = y.Length, i = 0;
        ref float wr = ref MemoryMarshal.GetReference(w);
        ref float yr = ref MemoryMarshal.GetReference(y);
        int width = Vector<float>.Count;
        for (; i <= n - width; i += width)
        {
            var v = Vector.LoadUnsafe(ref yr, (nuint)i) * Vector.Abs(Vector.LoadUnsafe(ref wr, (nuint)i));
            v.StoreUnsafe(ref yr, (nuint)i);
        }
        for (; i < n; i++) Unsafe.Add(ref yr, i) *= MathF.Abs(Unsafe.Add(ref wr, i));
    }

    /// <summary>x = -x.</summary>
    public static void Negate(Span<float> x)
    {
        int n = x.Length, i = 0;
        ref float xr = ref MemoryMarshal.GetReference(x);
        for (; i <= n - Vector<float>.Count; i += Vector<float>.Count)
            (-Vector.LoadUnsafe(ref xr, (nuint)i)).StoreUnsafe(ref xr, (nuint)i);
        for (; i < n; i++) Unsafe.Add(ref xr, i) = -Unsafe.Add(ref xr, i);
    }

    /// <summary>x *= a.</summary>
    public static void Scale(float a, Span<float> x)
    {
        int n = x.Length, i = 0;
        ref float xr = ref MemoryMarshal.GetReference(x);
        var va = new Vector<float>(a);
        for (; i <= n - Vector<float>.Count; i += Vector<float>.Count)
            (va * Vector.LoadUnsafe(ref xr, (nuint)i)).StoreUnsafe(ref xr, (nuint)i);
        for (; i < n; i++) Unsafe.Add(ref xr, i) *= a;
    }

    /// <summary>
    /// Sum of squares, accumulated in float lanes over blocks of 1024 values and in double across blocks
    /// (accurate for millions of values, and the same result for the same input every time).
    /// </summary>
    public static double SumOfSquares(ReadOnlySpan<float> x)
    {
        double total = 0;
        for (int start = 0; start < x.Length; start += SquaresBlock)
        {
            var block = x.Slice(start, Math.Min(SquaresBlock, x.Length - start));
            total += Dot(block, block);
        }
        return total;
    }

    /// <summary>
    /// <see cref="SumOfSquares(ReadOnlySpan{float})"/> with the blocks' float sums computed on several threads, then
    /// added in double in block order as there: the same result.
    /// </summary>
    public static double SumOfSquares(float[] x, ParallelOptions parallel)
    {
        int blocks = (x.Length + SquaresBlock - 1) / SquaresBlock, perTask = 32;
        if (blocks < 2 * perTask) return SumOfSquares(x);
        var sums = System.Buffers.ArrayPool<float>.Shared.Rent(blocks);
        try
        {
            Parallel.For(0, (blocks + perTask - 1) / perTask, parallel, task =>
            {
                for (int q = task * perTask; q < Math.Min(blocks, (task + 1) * perTask); q++)
                {
                    var block = x.AsSpan(q * SquaresBlock, Math.Min(SquaresBlock, x.Length - q * SquaresBlock));
                    sums[q] = Dot(block, block);
                }
            });
            double total = 0;
            for (int q = 0; q < blocks; q++) total += sums[q];
            return total;
        }
        finally
        {
            System.Buffers.ArrayPool<float>.Shared.Return(sums);
        }
    }

    // Values summed in float lanes before the running sum moves to double.
    private const int SquaresBlock = 1024;

    /// <summary>True when every value is finite (no NaN, no infinity).</summary>
    public static bool AllFinite(ReadOnlySpan<float> x)
    {
        // x - x is 0 for finite values and NaN for NaN or infinity; NaN never equals itself.
        int n = x.Length, i = 0;
        ref float xr = ref MemoryMarshal.GetReference(x);
        var acc = Vector<float>.Zero;
        for (; i <= n - Vector<float>.Count; i += Vector<float>.Count)
        {
            var v = Vector.LoadUnsafe(ref xr, (nuint)i);
            acc += v - v;
        }
        float sum = Vector.Sum(acc);
        for (; i < n; i++) sum += Unsafe.Add(ref xr, i) - Unsafe.Add(ref xr, i);
        return sum == 0f;
    }
}
