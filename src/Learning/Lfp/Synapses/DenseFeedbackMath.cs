using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using SpikeLfp.Network.Encoding;

namespace SpikeLfp.Learning.Lfp.Synapses;

/// <summary>
/// LFP's weight feedback of a dense layer with an analog input, F = |W| (.) (x^T rho), as a sparse product over
/// only the (row, neuron) pairs that received reward: each neuron's rewarded rows are listed first, then the
/// products are accumulated in registers, block by block of inputs, transposed into the weights' input-major layout
/// and written with the |W| factor in one sequential pass per block. Each block's columns of x are first copied into a
/// cache-line-aligned tile, so the vector loads of the sums never straddle two cache lines.
/// </summary>
internal static unsafe class DenseFeedbackMath
{
    private const int Width = 8;                      // one Vector256<float>
    private const int InputsPerBlock = 8 * Width;     // eight accumulators per neuron
    private const int NeuronsPerGroup = Width;        // one 8 x 8 transpose per group and vector of inputs

    /// <summary>
    /// target[i, j] = |w[i, j]| sum over rows b (in order) with r = rho[b, j] != 0 of r x[b, i], one fused
    /// multiply-add per term, starting from zero: the same operations in the same order as adding r x[b, :] to a
    /// zeroed row for each rewarded (b, j), so the result does not depend on blocking or thread count. Cost grows
    /// with the rewarded pairs. <paramref name="rowIndex"/> and <paramref name="rowValue"/> (outputs x rows each)
    /// and <paramref name="rowCount"/> (outputs) are scratch for the per-neuron lists, <paramref name="blockScratch"/>
    /// (<see cref="BlockScratchLength"/>) for the blocks of sums before they are scaled and the tiles of x.
    /// </summary>
    public static void AccumulateSparseOuterScaled(ReadOnlySpan<float> x, ReadOnlySpan<float> rho, int rows, int inputs, int outputs,
        ReadOnlySpan<float> weights, Span<float> target, Span<int> rowIndex, Span<float> rowValue, Span<int> rowCount, Span<float> blockScratch,
        ParallelOptions parallel)
    {
        if (x.Length < rows * inputs || rho.Length < rows * outputs || weights.Length < inputs * outputs || target.Length < inputs * outputs)
            throw new ArgumentException("x, rho, the weights or the target is smaller than its shape.");
        if (rowIndex.Length < rows * outputs || rowValue.Length < rows * outputs || rowCount.Length < outputs)
            throw new ArgumentException("the row lists are smaller than rows x outputs.");
        if (blockScratch.Length < BlockScratchLength(rows, outputs, parallel))
            throw new ArgumentException("the block scratch is smaller than BlockScratchLength.", nameof(blockScratch));
        int threads = Workers(parallel);
        fixed (float* xp = x, rp = rho, wp = weights, tp = target, vp = rowValue, sp = blockScratch)
        fixed (int* ip = rowIndex, cp = rowCount)
        {
            var s = new Scratch((nint)xp, (nint)rp, (nint)wp, (nint)tp, (nint)ip, (nint)vp, (nint)cp, rows, inputs, outputs);
            // Lists of rewarded rows per neuron, each worker over a range of whole blocks of 16 neurons (one cache line
            // of rho per row), row after row.
            int listBlocks = (outputs + 15) / 16, listParts = Math.Min(listBlocks, threads);
            Parallel.For(0, listParts, parallel, part =>
                ListRewardedRows(s, listBlocks * part / listParts * 16, Math.Min(outputs, listBlocks * (part + 1) / listParts * 16)));
            // Each worker takes the next block of inputs and sums it in its own part of the scratch: the block's sums,
            // then its tile of x, both starting on a cache line (each part is a multiple of 64 floats long).
            int inputBlocks = (inputs + InputsPerBlock - 1) / InputsPerBlock, next = -1;
            nint scratch = ((nint)sp + CacheLine - 1) & ~(nint)(CacheLine - 1);
            nint perWorker = (nint)InputsPerBlock * (outputs + rows);
            Parallel.For(0, threads, parallel, worker =>
            {
                float* sums = (float*)scratch + worker * perWorker, tile = sums + (nint)InputsPerBlock * outputs;
                for (int block; (block = Interlocked.Increment(ref next)) < inputBlocks;)
                {
                    // A last block narrower than a whole one is summed as the whole block ending at the last input
                    // (the vector path, not the scalar one) and only its own inputs are written.
                    int from = block * InputsPerBlock, to = Math.Min(inputs, from + InputsPerBlock);
                    AccumulateInputBlock(s, Math.Max(0, Math.Min(from, inputs - InputsPerBlock)), from, to, sums, tile);
                }
            });
        }
    }

    /// <summary>Layers with up to this many outputs take <see cref="AccumulateSpikeOuterToFewOutputsScaled"/>.</summary>
    public const int FewOutputs = 32;

    /// <summary>
    /// LFP's weight feedback of a dense layer with few outputs (a readout) and a spiking input, F = |W| (.) (s^T rho):
    /// target[i, j] = |w[i, j]| sum over rows r = (sample, step), in order, in which input i fired, of rho[r, j], added
    /// from zero one row at a time as row-by-row adds into a cleared target do, so the same bits for any thread count.
    /// Up to 16 outputs (with 512-bit vectors), threads take ranges of inputs: the spike lists of the simulation are in
    /// ascending order, so a thread's spikes are one stretch of each list, found by counting the spikes below its
    /// range; each adds its stretch, all outputs in one vector add per spike (lists found out of order are summed
    /// the other way). Otherwise threads take groups of 8 outputs (one thread alone: of 16), each summing its group of
    /// every spike. <paramref name="scratch"/> (<see cref="FewOutputsScratchLength"/>) holds the sums before scaling.
    /// </summary>
    public static void AccumulateSpikeOuterToFewOutputsScaled(SpikeTrain spikes, int batch, int steps, ReadOnlySpan<float> rho, int inputs, int outputs,
        ReadOnlySpan<float> weights, Span<float> target, Span<float> scratch, ParallelOptions parallel)
    {
        if (outputs > FewOutputs || spikes.Neurons != inputs || batch > spikes.Batch || steps != spikes.Steps)
            throw new ArgumentException("expected a spike train of the layer's inputs and at most FewOutputs outputs.");
        if (rho.Length < batch * steps * outputs || weights.Length < inputs * outputs || target.Length < inputs * outputs)
            throw new ArgumentException("rho, the weights or the target is smaller than its shape.");
        if (scratch.Length < FewOutputsScratchLength(inputs, outputs)) throw new ArgumentException("the scratch is smaller than FewOutputsScratchLength.", nameof(scratch));
        fixed (float* rp = rho, wp = weights, tp = target, sp = scratch)
        {
            var s = new Scratch(0, (nint)rp, (nint)wp, (nint)tp, 0, 0, 0, batch * steps, inputs, outputs);
            nint sums = (nint)sp;
            if (outputs <= 2 * Width && Vector512.IsHardwareAccelerated)
            {
                int parts = Math.Min(Workers(parallel), Math.Max(1, inputs / 64));
                bool outOfOrder = false;
                Parallel.For(0, parts, parallel, part =>
                {
                    int from = (int)((long)inputs * part / parts), to = (int)((long)inputs * (part + 1) / parts);
                    if (!SumInputRange(s, spikes, (float*)sums, from, to)) outOfOrder = true;
                });
                if (!outOfOrder) return;
            }
            // One worker takes all outputs in groups of 16 (one pass over the spikes for up to 16 outputs).
            int width = Vector512.IsHardwareAccelerated && Workers(parallel) == 1 ? 2 * Width : Width, groups = (outputs + width - 1) / width;
            Parallel.For(0, groups, parallel, g => SumOutputGroup(s, spikes, (float*)sums, g * width, Math.Min(width, outputs - g * width), width));
        }
    }

    // Inputs from..to of AccumulateSpikeOuterToFewOutputsScaled (at most 16 outputs): in each list, the spikes from the
    // count below `from` to the count below `to`, which in an ascending list are exactly this range's spikes, and
    // whose stretches tile the list whatever its order. Returns false (the target not written) when one of them is
    // outside the range, i.e. the list was not ascending, or names no input.
    private static bool SumInputRange(in Scratch s, SpikeTrain spikes, float* scratch, int from, int to)
    {
        const int width = 2 * Width;
        int outputs = s.Outputs, steps = spikes.Steps;
        float* sums = scratch + (nint)from * width, rho = (float*)s.Rho;
        new Span<float>(sums, (to - from) * width).Clear();
        float* part = stackalloc float[width];
        for (int c = 0; c < width; c++) part[c] = 0f;
        bool first = from == 0, last = to == s.Inputs;
        for (int r = 0; r < s.Rows; r++)
        {
            var fired = spikes.Fired(r / steps, r % steps);
            int start = first ? 0 : CountBelow(fired, from), end = last ? fired.Length : CountBelow(fired, to);
            if (start == end) continue;
            for (int c = 0; c < outputs; c++) part[c] = rho[(nint)r * outputs + c];
            var v = Vector512.Load(part);
            foreach (int i in fired[start..end])
            {
                if ((uint)(i - from) >= (uint)(to - from)) return false;
                float* sum = sums + (nint)(i - from) * width;
                Vector512.Store(Vector512.Load(sum) + v, sum);
            }
        }
        float* w = (float*)s.Weights, t = (float*)s.Target;
        for (int i = from; i < to; i++)
            for (int c = 0; c < outputs; c++)
            {
                nint at = (nint)i * outputs + c;
                t[at] = sums[(nint)(i - from) * width + c] * MathF.Abs(w[at]);
            }
        return true;
    }

    // How many of the indices are below bound.
    private static int CountBelow(ReadOnlySpan<int> indices, int bound)
    {
        int count = 0, e = 0;
        var b = Vector512.Create(bound);
        fixed (int* p = indices)
        {
            for (; e + 16 <= indices.Length; e += 16)
                count += System.Numerics.BitOperations.PopCount(Vector512.LessThan(Vector512.Load(p + e), b).ExtractMostSignificantBits());
            for (; e < indices.Length; e++) count += p[e] < bound ? 1 : 0;
        }
        return count;
    }

    // Outputs j0..j0 + count of AccumulateSpikeOuterToFewOutputsScaled, in sums of width (8 or 16) per input.
    private static void SumOutputGroup(in Scratch s, SpikeTrain spikes, float* scratch, int j0, int count, int width)
    {
        int inputs = s.Inputs, outputs = s.Outputs, steps = spikes.Steps;
        float* sums = scratch + (nint)j0 * inputs, rho = (float*)s.Rho, w = (float*)s.Weights, t = (float*)s.Target;
        new Span<float>(sums, inputs * width).Clear();
        float* part = stackalloc float[2 * Width];
        for (int c = 0; c < 2 * Width; c++) part[c] = 0f;
        for (int r = 0; r < s.Rows; r++)
        {
            for (int c = 0; c < count; c++) part[c] = rho[(nint)r * outputs + j0 + c];
            var fired = spikes.Fired(r / steps, r % steps);
            foreach (int i in fired)
                if ((uint)i >= (uint)inputs) throw new ArgumentOutOfRangeException(nameof(spikes), $"input {i} is not one of {inputs}.");
            if (width == Width)
            {
                var v = Vector256.Load(part);
                foreach (int i in fired) Vector256.Store(Vector256.Load(sums + (nint)i * Width) + v, sums + (nint)i * Width);
            }
            else
            {
                var v = Vector512.Load(part);
                foreach (int i in fired) Vector512.Store(Vector512.Load(sums + (nint)i * 2 * Width) + v, sums + (nint)i * 2 * Width);
            }
        }
        for (int i = 0; i < inputs; i++)
            for (int c = 0; c < count; c++)
            {
                nint at = (nint)i * outputs + j0 + c;
                t[at] = sums[(nint)i * width + c] * MathF.Abs(w[at]);
            }
    }

    /// <summary>The length of the scratch <see cref="AccumulateSpikeOuterToFewOutputsScaled"/> needs: a sum per input and output, outputs rounded up to 16.</summary>
    public static int FewOutputsScratchLength(int inputs, int outputs) => (outputs + 2 * Width - 1) / (2 * Width) * 2 * Width * inputs;

    /// <summary>
    /// The length of the block scratch <see cref="AccumulateSparseOuterScaled"/> needs: per worker, a block of inputs by
    /// <paramref name="outputs"/> and by <paramref name="rows"/>, and room to start on a cache line.
    /// </summary>
    public static int BlockScratchLength(int rows, int outputs, ParallelOptions parallel)
        => checked(Workers(parallel) * InputsPerBlock * (outputs + rows) + CacheLine / sizeof(float));

    private const int CacheLine = 64;

    private static int Workers(ParallelOptions parallel) => Math.Max(1, parallel.MaxDegreeOfParallelism);

    private readonly record struct Scratch(nint X, nint Rho, nint Weights, nint Target, nint RowIndex, nint RowValue, nint RowCount, int Rows, int Inputs, int Outputs);

    // Neurons j0..j1, row after row: a compare of 16 neurons' rho finds the rewarded ones (about a third) and only those
    // are written; the neurons after the last whole 16 write every slot and keep it when r is not zero (no branch per
    // pair; the slot is at most b, so inside the neuron's list). The lists are 2 x 4 bytes x rows x outputs, mostly
    // out of cache: writing every slot touched all of them, where the rewarded ones touch about a third. The same lists
    // either way (r != 0 keeps NaN and drops -0, as the compare does).
    private static void ListRewardedRows(in Scratch s, int j0, int j1)
    {
        float* rho = (float*)s.Rho, value = (float*)s.RowValue;
        int* index = (int*)s.RowIndex, count = (int*)s.RowCount;
        int rows = s.Rows, wholeEnd = Vector512.IsHardwareAccelerated ? j0 + (j1 - j0) / 16 * 16 : j0;
        for (int j = j0; j < j1; j++) count[j] = 0;
        for (int b = 0; b < rows; b++)
        {
            float* row = rho + (nint)b * s.Outputs;
            for (int j = j0; j < wholeEnd; j += 16)
            {
                uint rewarded = ~(uint)Vector512.Equals(Vector512.Load(row + j), Vector512<float>.Zero).ExtractMostSignificantBits() & 0xFFFF;
                for (; rewarded != 0; rewarded &= rewarded - 1)
                {
                    int neuron = j + System.Numerics.BitOperations.TrailingZeroCount(rewarded);
                    nint at = (nint)neuron * rows + count[neuron]++;
                    index[at] = b;
                    value[at] = row[neuron];
                }
            }
            for (int j = wholeEnd; j < j1; j++)
            {
                float r = row[j];
                nint at = (nint)j * rows + count[j];
                index[at] = b;
                value[at] = r;
                count[j] += r != 0f ? 1 : 0;
            }
        }
    }

    // Inputs i0..i1 (at most 64) of every neuron, of which writeFrom..i1 are written: per group of 8 neurons, each
    // neuron's sum over its rewarded rows stays in registers; the 8 x 64 block is then transposed through a small tile
    // into the block's sums, laid out as the target's rows i0..i1. The target is then written in one sequential pass
    // with the |W| factor: rows of it written 32 bytes at a time, 64 rows apart, left the memory waiting on every store
    // when it was not cached.
    private static void AccumulateInputBlock(in Scratch s, int i0, int writeFrom, int i1, float* sums, float* xTile)
    {
        float* tile = stackalloc float[NeuronsPerGroup * InputsPerBlock];
        int width = i1 - i0, outputs = s.Outputs, stride = s.Inputs;
        float* x = (float*)s.X + i0;
        if (width == InputsPerBlock)
        {
            // The block's columns of every row, back to back in the aligned tile: x's rows start anywhere in a cache
            // line, so a 64-byte load from them straddles two lines (on Zen 5 the whole product then took 1.5x as long).
            for (int b = 0; b < s.Rows; b++)
                new ReadOnlySpan<float>(x + (nint)b * s.Inputs, InputsPerBlock).CopyTo(new Span<float>(xTile + (nint)b * InputsPerBlock, InputsPerBlock));
            x = xTile;
            stride = InputsPerBlock;
        }
        for (int j0 = 0; j0 < outputs; j0 += NeuronsPerGroup)
        {
            int group = Math.Min(NeuronsPerGroup, outputs - j0);
            int g = 0;
            if (width == InputsPerBlock && Vector512.IsHardwareAccelerated)
                for (; g + 2 <= group; g += 2) SumRewardedRowsOfPair(s, j0 + g, x, stride, tile + g * InputsPerBlock);
            for (; g < group; g++) SumRewardedRows(s, j0 + g, x, stride, width, tile + g * InputsPerBlock);
            if (group == NeuronsPerGroup && width == InputsPerBlock && Avx.IsSupported)
                for (int i = 0; i < width; i += Width) StoreTransposed(tile + i, sums + (nint)i * outputs + j0, outputs);
            else
                for (int i = 0; i < width; i++)
                    for (int q = 0; q < group; q++) sums[(nint)i * outputs + j0 + q] = tile[q * InputsPerBlock + i];
        }
        nint from = (nint)writeFrom * outputs;
        ScaleByMagnitude(sums + (nint)(writeFrom - i0) * outputs, (float*)s.Weights + from, (float*)s.Target + from, (nint)(i1 - writeFrom) * outputs);
    }

    // target[k] = sums[k] |w[k]|.
    private static void ScaleByMagnitude(float* sums, float* w, float* target, nint n)
    {
        nint k = 0;
        for (; k + Width <= n; k += Width) Vector256.Store(Vector256.Load(sums + k) * Vector256.Abs(Vector256.Load(w + k)), target + k);
        for (; k < n; k++) target[k] = sums[k] * MathF.Abs(w[k]);
    }

    // An 8 x 8 block of the tile (8 neurons, 8 inputs) transposed in registers: row k of the result is input k's
    // sums for the 8 neurons, stored at target[k * stride].
    private static void StoreTransposed(float* tile, float* target, int stride)
    {
        var r0 = Avx.LoadVector256(tile); var r1 = Avx.LoadVector256(tile + InputsPerBlock);
        var r2 = Avx.LoadVector256(tile + 2 * InputsPerBlock); var r3 = Avx.LoadVector256(tile + 3 * InputsPerBlock);
        var r4 = Avx.LoadVector256(tile + 4 * InputsPerBlock); var r5 = Avx.LoadVector256(tile + 5 * InputsPerBlock);
        var r6 = Avx.LoadVector256(tile + 6 * InputsPerBlock); var r7 = Avx.LoadVector256(tile + 7 * InputsPerBlock);
        Vector256<float> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1), t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
        Vector256<float> t4 = Avx.UnpackLow(r4, r5), t5 = Avx.UnpackHigh(r4, r5), t6 = Avx.UnpackLow(r6, r7), t7 = Avx.UnpackHigh(r6, r7);
        Vector256<float> u0 = Avx.Shuffle(t0, t2, 0x44), u1 = Avx.Shuffle(t0, t2, 0xEE), u2 = Avx.Shuffle(t1, t3, 0x44), u3 = Avx.Shuffle(t1, t3, 0xEE);
        Vector256<float> u4 = Avx.Shuffle(t4, t6, 0x44), u5 = Avx.Shuffle(t4, t6, 0xEE), u6 = Avx.Shuffle(t5, t7, 0x44), u7 = Avx.Shuffle(t5, t7, 0xEE);
        Vector256.Store(Avx.Permute2x128(u0, u4, 0x20), target);
        Vector256.Store(Avx.Permute2x128(u1, u5, 0x20), target + stride);
        Vector256.Store(Avx.Permute2x128(u2, u6, 0x20), target + 2 * stride);
        Vector256.Store(Avx.Permute2x128(u3, u7, 0x20), target + 3 * stride);
        Vector256.Store(Avx.Permute2x128(u0, u4, 0x31), target + 4 * stride);
        Vector256.Store(Avx.Permute2x128(u1, u5, 0x31), target + 5 * stride);
        Vector256.Store(Avx.Permute2x128(u2, u6, 0x31), target + 6 * stride);
        Vector256.Store(Avx.Permute2x128(u3, u7, 0x31), target + 7 * stride);
    }

    // SumRewardedRows of neurons j and j + 1 over a whole block of 64 inputs in 512-bit vectors, their rows taken side by
    // side: eight independent chains of multiply-adds instead of one neuron's eight 256-bit ones, whose latency bounded
    // the loop. Each neuron's sums still see its rows in order, so the same values.
    private static void SumRewardedRowsOfPair(in Scratch s, int j, float* x, int stride, float* sums)
    {
        const int n = 16;
        int rows = s.Rows;
        int* index = (int*)s.RowIndex + (nint)j * rows, nextIndex = index + rows;
        float* value = (float*)s.RowValue + (nint)j * rows, nextValue = value + rows;
        int count = ((int*)s.RowCount)[j], nextCount = ((int*)s.RowCount)[j + 1], both = Math.Min(count, nextCount);
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default, b0 = default, b1 = default, b2 = default, b3 = default;
        int e = 0;
        for (; e < both; e++)
        {
            float* xa = x + (nint)index[e] * stride, xb = x + (nint)nextIndex[e] * stride;
            var ra = Vector512.Create(value[e]);
            var rb = Vector512.Create(nextValue[e]);
            a0 = Vector512.FusedMultiplyAdd(ra, Vector512.Load(xa), a0);
            b0 = Vector512.FusedMultiplyAdd(rb, Vector512.Load(xb), b0);
            a1 = Vector512.FusedMultiplyAdd(ra, Vector512.Load(xa + n), a1);
            b1 = Vector512.FusedMultiplyAdd(rb, Vector512.Load(xb + n), b1);
            a2 = Vector512.FusedMultiplyAdd(ra, Vector512.Load(xa + 2 * n), a2);
            b2 = Vector512.FusedMultiplyAdd(rb, Vector512.Load(xb + 2 * n), b2);
            a3 = Vector512.FusedMultiplyAdd(ra, Vector512.Load(xa + 3 * n), a3);
            b3 = Vector512.FusedMultiplyAdd(rb, Vector512.Load(xb + 3 * n), b3);
        }
        for (int f = e; f < count; f++)
        {
            float* xa = x + (nint)index[f] * stride;
            var ra = Vector512.Create(value[f]);
            a0 = Vector512.FusedMultiplyAdd(ra, Vector512.Load(xa), a0);
            a1 = Vector512.FusedMultiplyAdd(ra, Vector512.Load(xa + n), a1);
            a2 = Vector512.FusedMultiplyAdd(ra, Vector512.Load(xa + 2 * n), a2);
            a3 = Vector512.FusedMultiplyAdd(ra, Vector512.Load(xa + 3 * n), a3);
        }
        for (int f = e; f < nextCount; f++)
        {
            float* xb = x + (nint)nextIndex[f] * stride;
            var rb = Vector512.Create(nextValue[f]);
            b0 = Vector512.FusedMultiplyAdd(rb, Vector512.Load(xb), b0);
            b1 = Vector512.FusedMultiplyAdd(rb, Vector512.Load(xb + n), b1);
            b2 = Vector512.FusedMultiplyAdd(rb, Vector512.Load(xb + 2 * n), b2);
            b3 = Vector512.FusedMultiplyAdd(rb, Vector512.Load(xb + 3 * n), b3);
        }
        a0.Store(sums); a1.Store(sums + n); a2.Store(sums + 2 * n); a3.Store(sums + 3 * n);
        float* next = sums + InputsPerBlock;
        b0.Store(next); b1.Store(next + n); b2.Store(next + 2 * n); b3.Store(next + 3 * n);
    }

    // sums[0..width) = sum over neuron j's rewarded rows b of r x[b, ..] (row b at x + b stride): fused multiply-adds in
    // row order.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void SumRewardedRows(in Scratch s, int j, float* x, int stride, int width, float* sums)
    {
        int* index = (int*)s.RowIndex + (nint)j * s.Rows;
        float* value = (float*)s.RowValue + (nint)j * s.Rows;
        int count = ((int*)s.RowCount)[j];
        if (width == InputsPerBlock)
        {
            Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
            for (int e = 0; e < count; e++)
            {
                float* xb = x + (nint)index[e] * stride;
                var r = Vector256.Create(value[e]);
                a0 = Vector256.FusedMultiplyAdd(r, Vector256.Load(xb), a0);
                a1 = Vector256.FusedMultiplyAdd(r, Vector256.Load(xb + Width), a1);
                a2 = Vector256.FusedMultiplyAdd(r, Vector256.Load(xb + 2 * Width), a2);
                a3 = Vector256.FusedMultiplyAdd(r, Vector256.Load(xb + 3 * Width), a3);
                a4 = Vector256.FusedMultiplyAdd(r, Vector256.Load(xb + 4 * Width), a4);
                a5 = Vector256.FusedMultiplyAdd(r, Vector256.Load(xb + 5 * Width), a5);
                a6 = Vector256.FusedMultiplyAdd(r, Vector256.Load(xb + 6 * Width), a6);
                a7 = Vector256.FusedMultiplyAdd(r, Vector256.Load(xb + 7 * Width), a7);
            }
            a0.Store(sums); a1.Store(sums + Width); a2.Store(sums + 2 * Width); a3.Store(sums + 3 * Width);
            a4.Store(sums + 4 * Width); a5.Store(sums + 5 * Width); a6.Store(sums + 6 * Width); a7.Store(sums + 7 * Width);
            return;
        }
        for (int i = 0; i < width; i++) sums[i] = 0f;
        for (int e = 0; e < count; e++)
        {
            float* xb = x + (nint)index[e] * stride;
            float r = value[e];
            for (int i = 0; i < width; i++) sums[i] = MathF.FusedMultiplyAdd(r, xb[i], sums[i]);
        }
    }
}
