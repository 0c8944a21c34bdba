using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SpikeLfp.Network.Synapses;

/// <summary>
/// Pure synapse kernels over input-major weights (row i holds the synapses leaving input i, so one input's
/// contribution is one contiguous row: the layout that makes event-driven delivery a sequence of row adds).
/// </summary>
internal static class SynapseKernels
{
    /// <summary>
    /// Event-driven delivery: current += sum over the inputs that fired of their weight rows.
    /// Work grows with the number of spikes, not with the size of the weight matrix.
    /// </summary>
    public static void DeliverSpikes(ReadOnlySpan<int> firedInputs, ReadOnlySpan<float> weights, int outputs, Span<float> current)
    {
        foreach (int i in firedInputs)
            VectorMath.Add(weights.Slice(i * outputs, outputs), current);
    }

    /// <summary>
    /// <see cref="DeliverSpikes"/> for short rows (a readout of a few classes): each vector of outputs is summed over
    /// the fired inputs in a register and stored once, instead of a load and store per spike. The adds are the same,
    /// in the same order, so the result equals <see cref="DeliverSpikes"/> exactly.
    /// </summary>
    public static void DeliverSpikesToFewOutputs(ReadOnlySpan<int> firedInputs, ReadOnlySpan<float> weights, int outputs, Span<float> current)
    {
        if (current.Length != outputs || weights.Length % outputs != 0) throw new ArgumentException("current must have one value per output and the weights whole rows.");
        int inputs = weights.Length / outputs, w = Vector<float>.Count, j = 0;
        foreach (int i in firedInputs)
            if ((uint)i >= (uint)inputs) throw new ArgumentOutOfRangeException(nameof(firedInputs), $"input {i} is not one of {inputs}.");
        ref float wr = ref MemoryMarshal.GetReference(weights);
        ref float cr = ref MemoryMarshal.GetReference(current);
        if (outputs <= 2 * Vector512<float>.Count && Avx512F.IsSupported && Vector512.IsHardwareAccelerated)
        {
            DeliverSpikesToAtMost32Outputs(firedInputs, ref wr, outputs, ref cr);
            return;
        }
        for (; j <= outputs - w; j += w)
        {
            var sum = Vector.LoadUnsafe(ref cr, (nuint)j);
            foreach (int i in firedInputs) sum += Vector.LoadUnsafe(ref wr, (nuint)((nint)i * outputs + j));
            sum.StoreUnsafe(ref cr, (nuint)j);
        }
        for (; j < outputs; j++)
        {
            float sum = Unsafe.Add(ref cr, j);
            foreach (int i in firedInputs) sum += Unsafe.Add(ref wr, (nint)i * outputs + j);
            Unsafe.Add(ref cr, j) = sum;
        }
    }

    // DeliverSpikesToFewOutputs for up to 32 outputs: the whole row of a fired input in one or two 512-bit registers
    // (masked loads: the lanes past the row are neither read nor written), every output's sum in one pass over the spikes.
    private static unsafe void DeliverSpikesToAtMost32Outputs(ReadOnlySpan<int> firedInputs, ref float weights, int outputs, ref float current)
    {
        const int n = 16;
        var lanes = Vector512.Create(0f, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        var low = Vector512.LessThan(lanes, Vector512.Create((float)outputs));
        var high = Vector512.LessThan(lanes, Vector512.Create((float)(outputs - n)));
        fixed (float* w = &weights, c = &current)
        {
            var sum0 = Avx512F.MaskLoad(c, low, Vector512<float>.Zero);
            var sum1 = Avx512F.MaskLoad(c + n, high, Vector512<float>.Zero);
            if (outputs <= n)
                foreach (int i in firedInputs) sum0 += Avx512F.MaskLoad(w + (nint)i * outputs, low, Vector512<float>.Zero);
            else
                foreach (int i in firedInputs)
                {
                    float* row = w + (nint)i * outputs;
                    sum0 += Vector512.Load(row);
                    sum1 += Avx512F.MaskLoad(row + n, high, Vector512<float>.Zero);
                }
            Avx512F.MaskStore(c, low, sum0);
            Avx512F.MaskStore(c + n, high, sum1);
        }
    }

    /// <summary>Analog delivery for one sample: current += sum_i x_i W[i, :], skipping zero inputs.</summary>
    public static void DeliverAnalog(ReadOnlySpan<float> input, ReadOnlySpan<float> weights, int outputs, Span<float> current)
    {
        for (int i = 0; i < input.Length; i++)
        {
            float x = input[i];
            if (x != 0f) VectorMath.AddScaled(x, weights.Slice(i * outputs, outputs), current);
        }
    }

    /// <summary>
    /// target block k += a * source block k for k &lt; <paramref name="blocks"/>, blocks of <paramref name="width"/>
    /// values starting at offset + k * stride in each span (a stride may be negative: a convolution's run of taps walks
    /// its weights forwards and its output positions backwards). With a = 1 the add is exact (no multiply), as
    /// <see cref="VectorMath.Add"/>; otherwise one fused multiply-add per value, as <see cref="VectorMath.AddScaled"/>:
    /// element-wise, so the result does not depend on the vector width used.
    /// </summary>
    public static void AddScaledBlocks(float a, ReadOnlySpan<float> source, int sourceOffset, int sourceStride,
        Span<float> target, int targetOffset, int targetStride, int blocks, int width)
    {
        if (blocks <= 0) return;
        CheckBlocks(source.Length, sourceOffset, sourceStride, blocks, width);
        CheckBlocks(target.Length, targetOffset, targetStride, blocks, width);
        ref float sr = ref MemoryMarshal.GetReference(source);
        ref float tr = ref MemoryMarshal.GetReference(target);
        for (int k = 0; k < blocks; k++)
        {
            ref float x = ref Unsafe.Add(ref sr, sourceOffset + k * sourceStride);
            ref float y = ref Unsafe.Add(ref tr, targetOffset + k * targetStride);
            if (a == 1f) AddBlock(ref x, ref y, width);
            else AddScaledBlock(a, ref x, ref y, width);
        }
    }

    /// <summary>
    /// <paramref name="sum"/> plus, block by block in order, the dot product of block k of <paramref name="x"/> and of
    /// <paramref name="y"/> for k &lt; <paramref name="blocks"/> (blocks laid out as in <see cref="AddScaledBlocks"/>).
    /// Each block's dot is computed exactly as <see cref="VectorMath.Dot"/> computes it, so the result equals that
    /// running sum of Dot calls; four blocks' dots run side by side, which hides the latency of their
    /// multiply-add chains without changing any of them.
    /// </summary>
    public static float DotBlocks(float sum, ReadOnlySpan<float> x, int xOffset, int xStride, ReadOnlySpan<float> y, int yOffset, int yStride, int blocks, int width)
    {
        if (blocks <= 0) return sum;
        CheckBlocks(x.Length, xOffset, xStride, blocks, width);
        CheckBlocks(y.Length, yOffset, yStride, blocks, width);
        int w = Vector<float>.Count, k = 0;
        if (width % w == 0)
        {
            ref float xr = ref MemoryMarshal.GetReference(x);
            ref float yr = ref MemoryMarshal.GetReference(y);
            for (; k + 4 <= blocks; k += 4)
            {
                ref float x0 = ref Unsafe.Add(ref xr, xOffset + k * xStride);
                ref float y0 = ref Unsafe.Add(ref yr, yOffset + k * yStride);
                ref float x1 = ref Unsafe.Add(ref x0, xStride); ref float y1 = ref Unsafe.Add(ref y0, yStride);
                ref float x2 = ref Unsafe.Add(ref x1, xStride); ref float y2 = ref Unsafe.Add(ref y1, yStride);
                ref float x3 = ref Unsafe.Add(ref x2, xStride); ref float y3 = ref Unsafe.Add(ref y2, yStride);
                Vector<float> a0 = Vector<float>.Zero, a1 = a0, a2 = a0, a3 = a0;
                for (int i = 0; i < width; i += w)
                {
                    a0 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref x0, (nuint)i), Vector.LoadUnsafe(ref y0, (nuint)i), a0);
                    a1 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref x1, (nuint)i), Vector.LoadUnsafe(ref y1, (nuint)i), a1);
                    a2 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref x2, (nuint)i), Vector.LoadUnsafe(ref y2, (nuint)i), a2);
                    a3 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref x3, (nuint)i), Vector.LoadUnsafe(ref y3, (nuint)i), a3);
                }
                sum += Vector.Sum(a0);
                sum += Vector.Sum(a1);
                sum += Vector.Sum(a2);
                sum += Vector.Sum(a3);
            }
        }
        for (; k < blocks; k++)
            sum += VectorMath.Dot(x.Slice(xOffset + k * xStride, width), y.Slice(yOffset + k * yStride, width));
        return sum;
    }

    /// <summary>
    /// <see cref="AddScaledBlocks"/> over a grid of blocks: target block (r, k) += a * source block (r, k) for r &lt;
    /// <paramref name="rows"/>, k &lt; <paramref name="blocks"/>, block (r, k) starting at offset + r * rowStride + k * stride
    /// in each span. Equal, value for value, to one <see cref="AddScaledBlocks"/> call per row in row order: a stride-1
    /// convolution's input reaches a rectangle of taps, which this sweeps with one bounds check instead of one per row.
    /// </summary>
    public static void AddScaledBlockGrid(float a, ReadOnlySpan<float> source, int sourceOffset, int sourceRowStride, int sourceStride,
        Span<float> target, int targetOffset, int targetRowStride, int targetStride, int rows, int blocks, int width)
    {
        if (rows <= 0 || blocks <= 0) return;
        CheckGrid(source.Length, sourceOffset, sourceRowStride, sourceStride, rows, blocks, width);
        CheckGrid(target.Length, targetOffset, targetRowStride, targetStride, rows, blocks, width);
        ref float x = ref Unsafe.Add(ref MemoryMarshal.GetReference(source), sourceOffset);
        ref float y = ref Unsafe.Add(ref MemoryMarshal.GetReference(target), targetOffset);
        if (Vector512.IsHardwareAccelerated && width % Vector512<float>.Count == 0)
        {
            // Whole 512-bit vectors: the loop AddBlock / AddScaledBlock would run, without their narrower tails.
            if (a == 1f) AddGrid512(ref x, sourceRowStride, sourceStride, ref y, targetRowStride, targetStride, rows, blocks, width);
            else AddScaledGrid512(a, ref x, sourceRowStride, sourceStride, ref y, targetRowStride, targetStride, rows, blocks, width);
            return;
        }
        for (int r = 0; r < rows; r++)
            for (int k = 0; k < blocks; k++)
            {
                ref float xb = ref Unsafe.Add(ref x, r * sourceRowStride + k * sourceStride);
                ref float yb = ref Unsafe.Add(ref y, r * targetRowStride + k * targetStride);
                if (a == 1f) AddBlock(ref xb, ref yb, width);
                else AddScaledBlock(a, ref xb, ref yb, width);
            }
    }

    // The grid loops of AddScaledBlockGrid for whole 512-bit vectors, few live values so that nothing spills.
    private static void AddGrid512(ref float x, nint xRow, nint xStep, ref float y, nint yRow, nint yStep, int rows, int blocks, int width)
    {
        for (int r = 0; r < rows; r++, x = ref Unsafe.Add(ref x, xRow), y = ref Unsafe.Add(ref y, yRow))
        {
            ref float xb = ref x;
            ref float yb = ref y;
            for (int k = 0; k < blocks; k++, xb = ref Unsafe.Add(ref xb, xStep), yb = ref Unsafe.Add(ref yb, yStep))
                for (nuint i = 0; i < (nuint)width; i += (nuint)Vector512<float>.Count)
                    (Vector512.LoadUnsafe(ref yb, i) + Vector512.LoadUnsafe(ref xb, i)).StoreUnsafe(ref yb, i);
        }
    }

    private static void AddScaledGrid512(float a, ref float x, nint xRow, nint xStep, ref float y, nint yRow, nint yStep, int rows, int blocks, int width)
    {
        var va = Vector512.Create(a);
        for (int r = 0; r < rows; r++, x = ref Unsafe.Add(ref x, xRow), y = ref Unsafe.Add(ref y, yRow))
        {
            ref float xb = ref x;
            ref float yb = ref y;
            for (int k = 0; k < blocks; k++, xb = ref Unsafe.Add(ref xb, xStep), yb = ref Unsafe.Add(ref yb, yStep))
                for (nuint i = 0; i < (nuint)width; i += (nuint)Vector512<float>.Count)
                    Vector512.FusedMultiplyAdd(va, Vector512.LoadUnsafe(ref xb, i), Vector512.LoadUnsafe(ref yb, i)).StoreUnsafe(ref yb, i);
        }
    }

    /// <summary>
    /// <see cref="DotBlocks"/> over a grid of blocks laid out as in <see cref="AddScaledBlockGrid"/>: one
    /// <see cref="DotBlocks"/> call per row, in row order (the exact per-block dots; <see cref="DotGridByLanes"/> is the
    /// faster reordered sum).
    /// </summary>
    public static float DotBlockGrid(float sum, ReadOnlySpan<float> x, int xOffset, int xRowStride, int xStride,
        ReadOnlySpan<float> y, int yOffset, int yRowStride, int yStride, int rows, int blocks, int width)
    {
        if (rows <= 0 || blocks <= 0) return sum;
        CheckGrid(x.Length, xOffset, xRowStride, xStride, rows, blocks, width);
        CheckGrid(y.Length, yOffset, yRowStride, yStride, rows, blocks, width);
        for (int r = 0; r < rows; r++) sum = DotBlocks(sum, x, xOffset + r * xRowStride, xStride, y, yOffset + r * yRowStride, yStride, blocks, width);
        return sum;
    }

    /// <summary>
    /// The sum of the dot products of the blocks of a grid laid out as in <see cref="AddScaledBlockGrid"/>, accumulated
    /// lane by lane across all blocks in 512-bit vectors and reduced once at the end: a quarter of the horizontal sums
    /// and half the multiply-adds of <see cref="DotBlockGrid"/>, whose value it equals up to rounding (the products are
    /// summed in another order, the same order every time). Widths that are not whole 512-bit vectors, or hardware
    /// without them, get <see cref="DotBlockGrid"/> itself.
    /// </summary>
    public static float DotGridByLanes(ReadOnlySpan<float> x, int xOffset, int xRowStride, int xStride,
        ReadOnlySpan<float> y, int yOffset, int yRowStride, int yStride, int rows, int blocks, int width)
    {
        int w = Vector512<float>.Count;
        if (!Vector512.IsHardwareAccelerated || width % w != 0)
            return DotBlockGrid(0f, x, xOffset, xRowStride, xStride, y, yOffset, yRowStride, yStride, rows, blocks, width);
        if (rows <= 0 || blocks <= 0) return 0f;
        CheckGrid(x.Length, xOffset, xRowStride, xStride, rows, blocks, width);
        CheckGrid(y.Length, yOffset, yRowStride, yStride, rows, blocks, width);
        ref float xr = ref Unsafe.Add(ref MemoryMarshal.GetReference(x), xOffset);
        ref float yr = ref Unsafe.Add(ref MemoryMarshal.GetReference(y), yOffset);
        // Four accumulators: lanes i mod 64 of every block; the chains are as long as the grid has blocks.
        Vector512<float> a0 = Vector512<float>.Zero, a1 = a0, a2 = a0, a3 = a0;
        nuint n = (nuint)width, i4 = n & ~(nuint)(4 * w - 1);
        for (int r = 0; r < rows; r++, xr = ref Unsafe.Add(ref xr, (nint)xRowStride), yr = ref Unsafe.Add(ref yr, (nint)yRowStride))
        {
            ref float xb = ref xr;
            ref float yb = ref yr;
            for (int k = 0; k < blocks; k++, xb = ref Unsafe.Add(ref xb, (nint)xStride), yb = ref Unsafe.Add(ref yb, (nint)yStride))
            {
                nuint i = 0;
                for (; i < i4; i += (nuint)(4 * w))
                {
                    a0 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref xb, i), Vector512.LoadUnsafe(ref yb, i), a0);
                    a1 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref xb, i + (nuint)w), Vector512.LoadUnsafe(ref yb, i + (nuint)w), a1);
                    a2 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref xb, i + (nuint)(2 * w)), Vector512.LoadUnsafe(ref yb, i + (nuint)(2 * w)), a2);
                    a3 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref xb, i + (nuint)(3 * w)), Vector512.LoadUnsafe(ref yb, i + (nuint)(3 * w)), a3);
                }
                for (; i < n; i += (nuint)w)
                    a0 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref xb, i), Vector512.LoadUnsafe(ref yb, i), a0);
            }
        }
        return Vector512.Sum((a0 + a1) + (a2 + a3));
    }

    /// <summary>
    /// target = <paramref name="block"/> repeated: copies it into each of the target.Length / block.Length consecutive
    /// blocks of <paramref name="target"/> (a convolution's bias, the same at every output position), one 512-bit slice
    /// of it held in a register at a time, instead of one copy call per block.
    /// </summary>
    public static void TileBlock(ReadOnlySpan<float> block, Span<float> target)
    {
        int width = block.Length;
        if (width == 0) return;
        if (target.Length % width != 0) throw new ArgumentException("the target must hold whole blocks.", nameof(target));
        int blocks = target.Length / width, w = Vector512<float>.Count;
        if (!Vector512.IsHardwareAccelerated || width % w != 0)
        {
            for (int k = 0; k < blocks; k++) block.CopyTo(target.Slice(k * width, width));
            return;
        }
        ref float br = ref MemoryMarshal.GetReference(block);
        ref float tr = ref MemoryMarshal.GetReference(target);
        for (int i = 0; i < width; i += w)
        {
            var v = Vector512.LoadUnsafe(ref br, (nuint)i);
            for (int k = 0; k < blocks; k++) v.StoreUnsafe(ref tr, (nuint)(k * width + i));
        }
    }

    /// <summary>
    /// target += each of the source.Length / target.Length consecutive blocks of <paramref name="source"/>, block by
    /// block in order: value for value the same as one <see cref="VectorMath.Add"/> per block (element-wise adds in
    /// the same order), with the running sum of one 512-bit slice held in a register at a time.
    /// </summary>
    public static void AddBlocks(ReadOnlySpan<float> source, Span<float> target)
    {
        int width = target.Length;
        if (width == 0) return;
        if (source.Length % width != 0) throw new ArgumentException("the source must hold whole blocks.", nameof(source));
        int blocks = source.Length / width, w = Vector512<float>.Count;
        if (!Vector512.IsHardwareAccelerated || width % w != 0)
        {
            for (int k = 0; k < blocks; k++) VectorMath.Add(source.Slice(k * width, width), target);
            return;
        }
        ref float sr = ref MemoryMarshal.GetReference(source);
        ref float tr = ref MemoryMarshal.GetReference(target);
        for (int i = 0; i < width; i += w)
        {
            var sum = Vector512.LoadUnsafe(ref tr, (nuint)i);
            for (int k = 0; k < blocks; k++) sum += Vector512.LoadUnsafe(ref sr, (nuint)(k * width + i));
            sum.StoreUnsafe(ref tr, (nuint)i);
        }
    }

    // The four corner blocks of a grid bound all of it (offsets are linear in r and k).
    private static void CheckGrid(int length, int offset, int rowStride, int stride, int rows, int blocks, int width)
    {
        long r = (long)(rows - 1) * rowStride, k = (long)(blocks - 1) * stride;
        long low = offset + Math.Min(0, r) + Math.Min(0, k), high = offset + Math.Max(0, r) + Math.Max(0, k);
        if (width < 0 || low < 0 || high + width > length)
            throw new ArgumentOutOfRangeException(nameof(offset), "a block lies outside its span.");
    }

    private static void CheckBlocks(int length, int offset, int stride, int blocks, int width)
    {
        long first = offset, last = offset + (long)(blocks - 1) * stride;
        if (width < 0 || Math.Min(first, last) < 0 || Math.Max(first, last) + width > length)
            throw new ArgumentOutOfRangeException(nameof(offset), "a block lies outside its span.");
    }

    // y[0..n) += x[0..n), the widest vectors first.
    private static void AddBlock(ref float x, ref float y, int n)
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
            for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
                (Vector512.LoadUnsafe(ref y, (nuint)i) + Vector512.LoadUnsafe(ref x, (nuint)i)).StoreUnsafe(ref y, (nuint)i);
        for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
            (Vector256.LoadUnsafe(ref y, (nuint)i) + Vector256.LoadUnsafe(ref x, (nuint)i)).StoreUnsafe(ref y, (nuint)i);
        for (; i <= n - Vector128<float>.Count; i += Vector128<float>.Count)
            (Vector128.LoadUnsafe(ref y, (nuint)i) + Vector128.LoadUnsafe(ref x, (nuint)i)).StoreUnsafe(ref y, (nuint)i);
        for (; i < n; i++) Unsafe.Add(ref y, i) += Unsafe.Add(ref x, i);
    }

    // y[0..n) = fma(a, x, y), the widest vectors first.
    private static void AddScaledBlock(float a, ref float x, ref float y, int n)
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var va = Vector512.Create(a);
            for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
                Vector512.FusedMultiplyAdd(va, Vector512.LoadUnsafe(ref x, (nuint)i), Vector512.LoadUnsafe(ref y, (nuint)i)).StoreUnsafe(ref y, (nuint)i);
        }
        var va256 = Vector256.Create(a);
        for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
            Vector256.FusedMultiplyAdd(va256, Vector256.LoadUnsafe(ref x, (nuint)i), Vector256.LoadUnsafe(ref y, (nuint)i)).StoreUnsafe(ref y, (nuint)i);
        var va128 = Vector128.Create(a);
        for (; i <= n - Vector128<float>.Count; i += Vector128<float>.Count)
            Vector128.FusedMultiplyAdd(va128, Vector128.LoadUnsafe(ref x, (nuint)i), Vector128.LoadUnsafe(ref y, (nuint)i)).StoreUnsafe(ref y, (nuint)i);
        for (; i < n; i++) Unsafe.Add(ref y, i) = MathF.FusedMultiplyAdd(a, Unsafe.Add(ref x, i), Unsafe.Add(ref y, i));
    }

    /// <summary>
    /// <see cref="CompactSpikes"/> without a branch per spike, for a <paramref name="fired"/> at least as long as
    /// <paramref name="spikes"/>: each group of eight neurons stores its lanes' indices, looked up by the group's spike
    /// mask, at the end of the list and advances it by the number that fired (a branch per spike mispredicts at the
    /// firing rates of a hidden layer). Entries past the returned count are overwritten.
    /// </summary>
    public static int CompactSpikesBranchFree(ReadOnlySpan<float> spikes, Span<int> fired)
    {
        int count = 0, i = 0, n = spikes.Length;
        if (fired.Length < n) throw new ArgumentException("fired must have room for every neuron.", nameof(fired));
        if (Vector256.IsHardwareAccelerated)
        {
            ref float sr = ref MemoryMarshal.GetReference(spikes);
            ref int fr = ref MemoryMarshal.GetReference(fired);
            ref int lanes = ref MemoryMarshal.GetArrayDataReference(FiredLanes);
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                uint bits = ~Vector256.Equals(Vector256.LoadUnsafe(ref sr, (nuint)i), Vector256<float>.Zero).ExtractMostSignificantBits() & 0xFF;
                // count <= i, so the eight stored indices stay inside fired.
                (Vector256.LoadUnsafe(ref lanes, bits * 8) + Vector256.Create(i)).StoreUnsafe(ref fr, (nuint)count);
                count += BitOperations.PopCount(bits);
            }
        }
        for (; i < n; i++)
            if (spikes[i] != 0f) fired[count++] = i;
        return count;
    }

    // For each 8-bit spike mask, the lanes that are set, in order (the rest zero): 256 x 8.
    private static readonly int[] FiredLanes = BuildFiredLanes();

    private static int[] BuildFiredLanes()
    {
        var table = new int[256 * 8];
        for (int mask = 0; mask < 256; mask++)
            for (int lane = 0, k = 0; lane < 8; lane++)
                if ((mask & (1 << lane)) != 0) table[mask * 8 + k++] = lane;
        return table;
    }

    /// <summary>Writes the indices of the non-zero entries of <paramref name="spikes"/>; returns how many.</summary>
    public static int CompactSpikes(ReadOnlySpan<float> spikes, Span<int> fired)
    {
        int count = 0, i = 0, n = spikes.Length;
        if (Vector256.IsHardwareAccelerated)
        {
            ref float sr = ref MemoryMarshal.GetReference(spikes);
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                // One compare per eight neurons; silent neurons (the common case) cost no branch per neuron.
                uint bits = ~Vector256.Equals(Vector256.LoadUnsafe(ref sr, (nuint)i), Vector256<float>.Zero).ExtractMostSignificantBits() & 0xFF;
                while (bits != 0)
                {
                    fired[count++] = i + BitOperations.TrailingZeroCount(bits);
                    bits &= bits - 1;
                }
            }
        }
        for (; i < n; i++)
            if (spikes[i] != 0f) fired[count++] = i;
        return count;
    }
}
