using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

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
        Span<float> four = stackalloc float[4];
        int start = 0;
        for (; start + 4 * SquaresBlock <= x.Length; start += 4 * SquaresBlock)
        {
            SquaresOfFourBlocks(x.Slice(start, 4 * SquaresBlock), four);
            total += four[0]; total += four[1]; total += four[2]; total += four[3];
        }
        for (; start < x.Length; start += SquaresBlock)
        {
            var block = x.Slice(start, Math.Min(SquaresBlock, x.Length - start));
            total += Dot(block, block);
        }
        return total;
    }

    // Dot(block, block) of four whole blocks side by side: four independent chains of multiply-adds, each in the order
    // of Dot's one chain (a block's length is a multiple of the vector width, so Dot has no tail), so the same four
    // sums. One block's chain waited on every add.
    private static void SquaresOfFourBlocks(ReadOnlySpan<float> fourBlocks, Span<float> sums)
    {
        if (fourBlocks.Length != 4 * SquaresBlock || sums.Length < 4) throw new ArgumentException("expected four whole blocks and four sums.");
        ref float x = ref MemoryMarshal.GetReference(fourBlocks);
        Vector<float> a0 = default, a1 = default, a2 = default, a3 = default;
        for (int i = 0; i < SquaresBlock; i += Vector<float>.Count)
        {
            var v0 = Vector.LoadUnsafe(ref x, (nuint)i);
            var v1 = Vector.LoadUnsafe(ref x, (nuint)(SquaresBlock + i));
            var v2 = Vector.LoadUnsafe(ref x, (nuint)(2 * SquaresBlock + i));
            var v3 = Vector.LoadUnsafe(ref x, (nuint)(3 * SquaresBlock + i));
            a0 = Vector.FusedMultiplyAdd(v0, v0, a0);
            a1 = Vector.FusedMultiplyAdd(v1, v1, a1);
            a2 = Vector.FusedMultiplyAdd(v2, v2, a2);
            a3 = Vector.FusedMultiplyAdd(v3, v3, a3);
        }
        sums[0] = Vector.Sum(a0); sums[1] = Vector.Sum(a1); sums[2] = Vector.Sum(a2); sums[3] = Vector.Sum(a3);
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
                int q = task * perTask, end = Math.Min(blocks, (task + 1) * perTask);
                for (; q + 4 <= end && (q + 4) * SquaresBlock <= x.Length; q += 4)
                    SquaresOfFourBlocks(x.AsSpan(q * SquaresBlock, 4 * SquaresBlock), sums.AsSpan(q, 4));
                for (; q < end; q++)
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
        // x - x is 0 for finite values and NaN for NaN or infinity; NaN never equals itself. Four 512-bit sums first:
        // one sum's chain of adds bounded the loop (the trainer checks every sample's membranes with it).
        int n = x.Length, i = 0;
        ref float xr = ref MemoryMarshal.GetReference(x);
        float sum = 0f;
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
            int w512 = Vector512<float>.Count;
            for (; i <= n - 4 * w512; i += 4 * w512)
            {
                var v0 = Vector512.LoadUnsafe(ref xr, (nuint)i);
                var v1 = Vector512.LoadUnsafe(ref xr, (nuint)(i + w512));
                var v2 = Vector512.LoadUnsafe(ref xr, (nuint)(i + 2 * w512));
                var v3 = Vector512.LoadUnsafe(ref xr, (nuint)(i + 3 * w512));
                a0 += v0 - v0; a1 += v1 - v1; a2 += v2 - v2; a3 += v3 - v3;
            }
            sum = Vector512.Sum((a0 + a1) + (a2 + a3));
        }
        var acc = Vector<float>.Zero;
        for (; i <= n - Vector<float>.Count; i += Vector<float>.Count)
        {
            var v = Vector.LoadUnsafe(ref xr, (nuint)i);
            acc += v - v;
        }
        sum += Vector.Sum(acc);
        for (; i < n; i++) sum += Unsafe.Add(ref xr, i) - Unsafe.Add(ref xr, i);
        return sum == 0f;
    }
    // Flags are listed 64 at a time: a block with none set costs one compare.
    private const int FlagBlock = 64;

    /// <summary>Length of a flag array (and of the list it is listed into) for <paramref name="count"/> flags: whole blocks.</summary>
    public static int FlagBlocksLength(int count) => (count + FlagBlock - 1) / FlagBlock * FlagBlock;

    /// <summary>
    /// Writes the indices of the non-zero bytes of <paramref name="flags"/> to <paramref name="list"/> in ascending order
    /// and clears them; returns the count. The flags are whole blocks (<see cref="FlagBlocksLength"/>) and the list has
    /// room for as many entries as there are flags: blocks are listed with 16-lane stores that may write past the count.
    /// </summary>
    public static int ListAndClearFlags(Span<byte> flags, Span<int> list)
    {
        if (flags.Length % FlagBlock != 0) throw new ArgumentException("the flags must be whole blocks of 64.", nameof(flags));
        if (list.Length < flags.Length) throw new ArgumentException("the list must have room for every flag.", nameof(list));
        ref byte f = ref MemoryMarshal.GetReference(flags);
        ref int l = ref MemoryMarshal.GetReference(list);
        int count = 0;
        if (Vector512.IsHardwareAccelerated && Avx512F.IsSupported)
        {
            var lanes = Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
            for (int b = 0; b < flags.Length; b += FlagBlock)
            {
                if (Vector512.LoadUnsafe(ref f, (nuint)b) == Vector512<byte>.Zero) continue;
                // 16 flags at a time, widened to lane masks: one compress lists them. count <= q, so the store stays in the list.
                for (int q = b; q < b + FlagBlock; q += 16)
                {
                    var set = Vector128.GreaterThan(Vector128.LoadUnsafe(ref f, (nuint)q), Vector128<byte>.Zero);
                    Avx512F.Compress(Vector512<int>.Zero, Avx512F.ConvertToVector512Int32(set.AsSByte()), lanes + Vector512.Create(q)).StoreUnsafe(ref l, (nuint)count);
                    count += BitOperations.PopCount(set.ExtractMostSignificantBits());
                }
                Vector512<byte>.Zero.StoreUnsafe(ref f, (nuint)b);
            }
            return count;
        }
        for (int i = 0; i < flags.Length; i++)
        {
            if (Unsafe.Add(ref f, i) == 0) continue;
            Unsafe.Add(ref f, i) = 0;
            Unsafe.Add(ref l, count++) = i;
        }
        return count;
    }

    /// <summary>True when every entry lies in [<paramref name="low"/>, <paramref name="high"/>].</summary>
    public static bool AllWithin(ReadOnlySpan<int> x, int low, int high)
    {
        int n = x.Length, i = 0;
        ref int xr = ref MemoryMarshal.GetReference(x);
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<int> vLow = Vector512.Create(low), vHigh = Vector512.Create(high), outside = Vector512<int>.Zero;
            for (; i <= n - Vector512<int>.Count; i += Vector512<int>.Count)
            {
                var v = Vector512.LoadUnsafe(ref xr, (nuint)i);
                outside |= Vector512.LessThan(v, vLow) | Vector512.GreaterThan(v, vHigh);
            }
            if (outside != Vector512<int>.Zero) return false;
        }
        for (; i < n; i++)
            if (Unsafe.Add(ref xr, i) < low || Unsafe.Add(ref xr, i) > high) return false;
        return true;
    }

    /// <summary>True when every entry is at most the next one.</summary>
    public static bool IsAscending(ReadOnlySpan<int> x)
    {
        int n = x.Length, i = 0;
        ref int xr = ref MemoryMarshal.GetReference(x);
        if (Vector512.IsHardwareAccelerated)
        {
            // Each vector against the same vector shifted by one entry.
            for (; i <= n - Vector512<int>.Count - 1; i += Vector512<int>.Count)
                if (Vector512.GreaterThanAny(Vector512.LoadUnsafe(ref xr, (nuint)i), Vector512.LoadUnsafe(ref xr, (nuint)(i + 1)))) return false;
        }
        for (; i < n - 1; i++)
            if (Unsafe.Add(ref xr, i) > Unsafe.Add(ref xr, i + 1)) return false;
        return true;
    }
}
