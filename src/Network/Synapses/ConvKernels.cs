using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace SpikeLfp.Network.Synapses;

/// <summary>
/// The shape of a stride-1 convolution as the spike-window kernels of <see cref="ConvKernels"/> see it (layouts as in
/// <see cref="Conv2dSynapses"/>: input and output channel-last, weights [inC, ky, kx, outC]).
/// </summary>
public readonly record struct ConvGeometry(int InHeight, int InWidth, int InChannels, int Kernel, int Padding, int OutHeight, int OutWidth, int OutChannels)
{
    /// <summary>Input values, InHeight x InWidth x InChannels.</summary>
    public int Inputs => InHeight * InWidth * InChannels;
    /// <summary>Output values, OutHeight x OutWidth x OutChannels.</summary>
    public int Outputs => OutHeight * OutWidth * OutChannels;
    /// <summary>Weight rows (OutChannels weights each), InChannels x Kernel x Kernel.</summary>
    public int WeightRows => InChannels * Kernel * Kernel;
    /// <summary>Bits a window row covers: Kernel pixels of InChannels inputs each.</summary>
    public int WindowBits => Kernel * InChannels;
}

/// <summary>
/// Convolution kernels over fired inputs marked in bitmaps (bit i of word i / 64 set: input i fired), for a stride-1
/// convolution whose window rows fit one word (Kernel x InChannels &lt;= 64) and whose OutChannels are whole 512-bit
/// vectors. They sum the same terms as the kernels that walk one input's taps (<see cref="SynapseKernels"/>), each in
/// ascending input order, which is the tap walk's order on an ascending list of fired inputs: the results are equal
/// value for value. What changes is what stays in registers: an output position's currents while a row of its
/// receptive field is summed, a weight row's feedback while all the positions it reached are summed, instead of a load
/// and store of the target for every synapse.
/// </summary>
public static class ConvKernels
{
    /// <summary>Sets bit i of <paramref name="marks"/> for every i in <paramref name="indices"/>, each below <paramref name="count"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An index is negative or not below count.</exception>
    public static void Mark(ReadOnlySpan<int> indices, int count, Span<ulong> marks)
    {
        if ((uint)count > (uint)marks.Length * 64L) throw new ArgumentException("the bitmap is shorter than count.", nameof(marks));
        // A word's bits gather in a register while the indices stay in it (lists are ascending), and are written when
        // they leave it: an or into memory per index waited on the store of the one before.
        int current = -1;
        ulong bits = 0;
        foreach (int i in indices)
        {
            if ((uint)i >= (uint)count) throw new ArgumentOutOfRangeException(nameof(indices), $"index {i} is not one of {count}.");
            if (i >> 6 != current)
            {
                if (current >= 0) marks[current] |= bits;
                current = i >> 6;
                bits = 0;
            }
            bits |= 1UL << i;
        }
        if (current >= 0) marks[current] |= bits;
    }

    /// <summary>Sets bit map[i] of <paramref name="marks"/> for every i in <paramref name="indices"/> (the same bitmap in another layout).</summary>
    public static void MarkMapped(ReadOnlySpan<int> indices, ReadOnlySpan<int> map, Span<ulong> marks)
    {
        foreach (int i in indices)
        {
            int m = map[i];
            marks[m >> 6] |= 1UL << m;
        }
    }

    /// <summary>
    /// For each input of a convolution, its bit in the channel-major bitmap <see cref="AccumulateKernelRowFeedback"/> reads:
    /// input (y * InWidth + x) * InChannels + c has bit (c * InHeight + y) * InWidth + x.
    /// </summary>
    public static int[] ChannelMajorOrder(in ConvGeometry g)
    {
        var order = new int[g.Inputs];
        for (int i = 0; i < order.Length; i++)
        {
            int c = i % g.InChannels, pixel = i / g.InChannels;
            order[i] = c * g.InHeight * g.InWidth + pixel;
        }
        return order;
    }

    /// <summary>
    /// The weight row offsets an output position's window reads, in the order of its window bits: entry
    /// (ky * Kernel + kx) * InChannels + c is ((c * Kernel + ky) * Kernel + kx) * OutChannels, the weights that input
    /// channel c at tap (ky, kx) sends. A window row's bits, kx then c, are consecutive inputs of one input row.
    /// </summary>
    public static int[] WindowRowOffsets(in ConvGeometry g)
    {
        var offsets = new int[g.Kernel * g.Kernel * g.InChannels];
        for (int ky = 0; ky < g.Kernel; ky++)
            for (int kx = 0; kx < g.Kernel; kx++)
                for (int c = 0; c < g.InChannels; c++)
                    offsets[(ky * g.Kernel + kx) * g.InChannels + c] = ((c * g.Kernel + ky) * g.Kernel + kx) * g.OutChannels;
        return offsets;
    }

    /// <summary>Whether the spike-window kernels take this shape: window rows of at most 64 bits, whole 512-bit output vectors.</summary>
    public static bool Supports(in ConvGeometry g) =>
        Vector512.IsHardwareAccelerated && g.WindowBits <= 64 && g.OutChannels % Vector512<float>.Count == 0;

    /// <summary>
    /// Spike delivery: current[position, :] += the weight row of every marked input in the position's receptive field,
    /// in ascending input order. <paramref name="windowRows"/> is <see cref="WindowRowOffsets"/>. Given a
    /// <paramref name="restingCurrent"/> (OutChannels values, a bias), every position's sums start from it instead of
    /// from current: current = resting + W x.
    /// </summary>
    /// <remarks>
    /// Kernel row by kernel row: every position adds the inputs of one row of its window, with its currents in
    /// registers, before any position takes the next row. The weights one kernel row sends (Kernel x InChannels rows
    /// of OutChannels, 15 KB for LifCNN's second convolution) then stay in the first-level cache across all positions,
    /// where a whole kernel's (77 KB) did not. A position's sums pass through memory between rows, which changes no
    /// value: its inputs are still added in ascending order (window rows top to bottom, each left to right).
    /// </remarks>
    public static void DeliverSpikeWindows(ReadOnlySpan<ulong> inputMarks, ReadOnlySpan<float> weights, ReadOnlySpan<int> windowRows, in ConvGeometry g, Span<float> current,
        ReadOnlySpan<float> restingCurrent = default)
    {
        Check(g, inputMarks.Length, (g.Inputs + 63) / 64, weights.Length, current.Length, g.Outputs);
        CheckOffsets(windowRows, g.Kernel * g.WindowBits, weights.Length, g.OutChannels);
        bool fromRest = !restingCurrent.IsEmpty;
        if (fromRest && restingCurrent.Length != g.OutChannels) throw new ArgumentException("the resting current must have one value per output channel.", nameof(restingCurrent));
        int n = g.OutChannels, k = g.Kernel;
        ref ulong marks = ref MemoryMarshal.GetReference(inputMarks);
        ref float w = ref MemoryMarshal.GetReference(weights);
        ref int rows = ref MemoryMarshal.GetReference(windowRows);
        ref float cur = ref MemoryMarshal.GetReference(current);
        ref float rest = ref MemoryMarshal.GetReference(restingCurrent);
        // A position whose window lies wholly in the padding gets no input: only the resting current.
        if (fromRest)
            for (int oy = 0; oy < g.OutHeight; oy++)
                for (int ox = 0; ox < g.OutWidth; ox++)
                {
                    var (ky0, ky1) = InsideKernel(g.Padding, g.InHeight, k, oy);
                    var (kx0, kx1) = InsideKernel(g.Padding, g.InWidth, k, ox);
                    if (ky0 >= ky1 || kx0 >= kx1)
                        restingCurrent.CopyTo(current.Slice((oy * g.OutWidth + ox) * n, n));
                }
        for (int ky = 0; ky < k; ky++)
            for (int oy = 0; oy < g.OutHeight; oy++)
            {
                int iy = oy - g.Padding + ky;
                if ((uint)iy >= (uint)g.InHeight) continue;
                // A position's sums start from the resting current at the first kernel row inside the image, from what
                // current holds after it.
                bool startAtRest = fromRest && ky == InsideKernel(g.Padding, g.InHeight, k, oy).From;
                for (int ox = 0; ox < g.OutWidth; ox++)
                {
                    // Kernel columns whose input lies inside the image (the rest see padding).
                    var (kx0, kx1) = InsideKernel(g.Padding, g.InWidth, k, ox);
                    if (kx0 >= kx1) continue;
                    int firstBit = (iy * g.InWidth + ox - g.Padding + kx0) * g.InChannels, bits = (kx1 - kx0) * g.InChannels;
                    ref int rowOffsets = ref Unsafe.Add(ref rows, (ky * k + kx0) * g.InChannels);
                    ref float target = ref Unsafe.Add(ref cur, (oy * g.OutWidth + ox) * n);
                    ref float start = ref startAtRest ? ref rest : ref target;
                    // The next position's window row, one pixel on, when it sees the same kernel columns: summed alongside,
                    // so the two positions' add chains overlap (each still sums its own inputs in ascending order).
                    bool pair = ox + 1 < g.OutWidth && InsideKernel(g.Padding, g.InWidth, k, ox + 1) == (kx0, kx1);
                    ref float nextStart = ref startAtRest ? ref rest : ref Unsafe.Add(ref target, n);
                    ulong row = ExtractBits(ref marks, firstBit, bits), next = pair ? ExtractBits(ref marks, firstBit + g.InChannels, bits) : 0;
                    // Silent rows (much of an image's background) leave the sums as they are.
                    if ((row | next) == 0 && !startAtRest)
                    {
                        if (pair) ox++;
                        continue;
                    }
                    int j = 0;
                    for (; j + 4 * Vector512<float>.Count <= n; j += 4 * Vector512<float>.Count)
                    {
                        if (pair)
                            AddRowPairInto4(row, next, ref rowOffsets, ref Unsafe.Add(ref w, j), ref Unsafe.Add(ref start, j), ref Unsafe.Add(ref nextStart, j),
                                ref Unsafe.Add(ref target, j), n);
                        else AddRowInto4(row, ref rowOffsets, ref Unsafe.Add(ref w, j), ref Unsafe.Add(ref start, j), ref Unsafe.Add(ref target, j));
                    }
                    for (; j < n; j += Vector512<float>.Count)
                    {
                        AddRowInto1(row, ref rowOffsets, ref Unsafe.Add(ref w, j), ref Unsafe.Add(ref start, j), ref Unsafe.Add(ref target, j));
                        if (pair) AddRowInto1(next, ref rowOffsets, ref Unsafe.Add(ref w, j), ref Unsafe.Add(ref nextStart, j), ref Unsafe.Add(ref target, n + j));
                    }
                    if (pair) ox++;
                }
            }
    }

    // The kernel rows (or columns) from..to whose input lies inside the image for output row (or column) o; the rest
    // see padding.
    private static (int From, int To) InsideKernel(int padding, int inSize, int kernel, int o) => (Math.Max(0, padding - o), Math.Min(kernel, inSize + padding - o));

    // target[0..64) = start[0..64) + the weights (from w, at each set bit's row offset) of every set bit of one window
    // row, in bit order (start may be target itself).
    private static void AddRowInto4(ulong bits, ref int rowOffsets, ref float w, ref float start, ref float target)
    {
        const int L = 16; // Vector512<float>.Count, a constant for the offsets below
        Vector512<float> a0 = Vector512.LoadUnsafe(ref start), a1 = Vector512.LoadUnsafe(ref start, L),
            a2 = Vector512.LoadUnsafe(ref start, 2 * L), a3 = Vector512.LoadUnsafe(ref start, 3 * L);
        for (; bits != 0; bits &= bits - 1)
        {
            ref float row = ref Unsafe.Add(ref w, Unsafe.Add(ref rowOffsets, BitOperations.TrailingZeroCount(bits)));
            a0 += Vector512.LoadUnsafe(ref row);
            a1 += Vector512.LoadUnsafe(ref row, L);
            a2 += Vector512.LoadUnsafe(ref row, 2 * L);
            a3 += Vector512.LoadUnsafe(ref row, 3 * L);
        }
        a0.StoreUnsafe(ref target);
        a1.StoreUnsafe(ref target, L);
        a2.StoreUnsafe(ref target, 2 * L);
        a3.StoreUnsafe(ref target, 3 * L);
    }

    // AddRowInto4 for two positions side by side: the second's row is bitsB, its sums start from secondStart, its
    // currents are n floats after the first's. Their inputs are taken in turns while both have some left, so the two
    // add chains overlap.
    private static void AddRowPairInto4(ulong bitsA, ulong bitsB, ref int rowOffsets, ref float w, ref float start, ref float secondStart, ref float target, int n)
    {
        const int L = 16;
        ref float second = ref Unsafe.Add(ref target, n);
        Vector512<float> a0 = Vector512.LoadUnsafe(ref start), a1 = Vector512.LoadUnsafe(ref start, L),
            a2 = Vector512.LoadUnsafe(ref start, 2 * L), a3 = Vector512.LoadUnsafe(ref start, 3 * L);
        Vector512<float> b0 = Vector512.LoadUnsafe(ref secondStart), b1 = Vector512.LoadUnsafe(ref secondStart, L),
            b2 = Vector512.LoadUnsafe(ref secondStart, 2 * L), b3 = Vector512.LoadUnsafe(ref secondStart, 3 * L);
        for (; bitsA != 0 && bitsB != 0; bitsA &= bitsA - 1, bitsB &= bitsB - 1)
        {
            ref float rowA = ref Unsafe.Add(ref w, Unsafe.Add(ref rowOffsets, BitOperations.TrailingZeroCount(bitsA)));
            ref float rowB = ref Unsafe.Add(ref w, Unsafe.Add(ref rowOffsets, BitOperations.TrailingZeroCount(bitsB)));
            a0 += Vector512.LoadUnsafe(ref rowA);
            b0 += Vector512.LoadUnsafe(ref rowB);
            a1 += Vector512.LoadUnsafe(ref rowA, L);
            b1 += Vector512.LoadUnsafe(ref rowB, L);
            a2 += Vector512.LoadUnsafe(ref rowA, 2 * L);
            b2 += Vector512.LoadUnsafe(ref rowB, 2 * L);
            a3 += Vector512.LoadUnsafe(ref rowA, 3 * L);
            b3 += Vector512.LoadUnsafe(ref rowB, 3 * L);
        }
        a0.StoreUnsafe(ref target);
        a1.StoreUnsafe(ref target, L);
        a2.StoreUnsafe(ref target, 2 * L);
        a3.StoreUnsafe(ref target, 3 * L);
        b0.StoreUnsafe(ref second);
        b1.StoreUnsafe(ref second, L);
        b2.StoreUnsafe(ref second, 2 * L);
        b3.StoreUnsafe(ref second, 3 * L);
        // The inputs left to one of them (the sums continue from what was just stored).
        if (bitsA != 0) AddRowInto4(bitsA, ref rowOffsets, ref w, ref target, ref target);
        if (bitsB != 0) AddRowInto4(bitsB, ref rowOffsets, ref w, ref second, ref second);
    }

    private static void AddRowInto1(ulong bits, ref int rowOffsets, ref float w, ref float start, ref float target)
    {
        var a = Vector512.LoadUnsafe(ref start);
        for (; bits != 0; bits &= bits - 1)
            a += Vector512.LoadUnsafe(ref Unsafe.Add(ref w, Unsafe.Add(ref rowOffsets, BitOperations.TrailingZeroCount(bits))));
        a.StoreUnsafe(ref target);
    }

    /// <summary>Widest kernel <see cref="AccumulateKernelRowFeedback"/> takes: its K x 4 vector accumulators fill the registers.</summary>
    public const int MaxBlockKernel = 5;

    // Zero columns on each side of a padded reward row: positions a tap reaches outside the output read zeros.
    private const int RhoPad = MaxBlockKernel - 1;

    /// <summary>Whether <see cref="AccumulateKernelRowFeedback"/> takes this shape.</summary>
    public static bool SupportsKernelRowBlocks(in ConvGeometry g) =>
        Vector512.IsHardwareAccelerated && g.Kernel <= MaxBlockKernel && g.InWidth <= 64 && g.OutChannels % (4 * Vector512<float>.Count) == 0;

    /// <summary>
    /// For <see cref="AccumulateKernelRowFeedback"/>: where the padded reward of bit t = y * InWidth + x of a channel's
    /// input rows starts, relative to row 0. A kernel row's input rows are consecutive in the bitmap, so one walk over
    /// their bits with this table replaces a walk per row of InWidth bits (and its mispredicted exit).
    /// </summary>
    public static int[] KernelRowBitOffsets(in ConvGeometry g)
    {
        int n = g.OutChannels, paddedWidth = g.OutWidth + 2 * RhoPad;
        var offsets = new int[g.InHeight * g.InWidth];
        for (int y = 0, t = 0; y < g.InHeight; y++)
            for (int x = 0; x < g.InWidth; x++, t++) offsets[t] = (y * paddedWidth + x) * n;
        return offsets;
    }

    /// <summary>Length of the padded reward scratch <see cref="AccumulateKernelRowFeedback"/> needs.</summary>
    public static int PaddedRewardLength(in ConvGeometry g) => g.OutHeight * (g.OutWidth + 2 * RhoPad) * g.OutChannels;

    /// <summary>
    /// Weight feedback of one (sample, step) for the kernel rows [<paramref name="fromBlock"/>, <paramref name="toBlock"/>),
    /// kernel row (c, ky) = block c * Kernel + ky being the Kernel weight rows (c, ky, kx): feedback[c, ky, kx, :] +=
    /// rho[position, :] for every output position the input (c, ky, kx) connects there fired. A kernel row's Kernel x
    /// OutChannels feedback stays in registers while every fired input of channel c is visited once per kernel row,
    /// input rows and then columns ascending, so each weight sums its terms in ascending position order, the order of
    /// the tap walk over an ascending list of fired inputs. Taps whose position lies outside the output add the zeros of
    /// a padded copy of rho instead of branching (x + 0 = x exactly; a sum that starts at +0 never becomes -0).
    /// <paramref name="channelMarks"/> marks the fired inputs channel-major, bit (c * InHeight + y) * InWidth + x
    /// (<see cref="ChannelMajorOrder"/>); <paramref name="bitOffsets"/> is <see cref="KernelRowBitOffsets"/>;
    /// <paramref name="paddedRho"/> is scratch of <see cref="PaddedRewardLength"/> values.
    /// </summary>
    public static void AccumulateKernelRowFeedback(ReadOnlySpan<ulong> channelMarks, ReadOnlySpan<float> rho, ReadOnlySpan<int> bitOffsets, in ConvGeometry g,
        int fromBlock, int toBlock, Span<float> feedback, Span<float> paddedRho)
    {
        if (bitOffsets.Length < g.InHeight * g.InWidth) throw new ArgumentException("the bit offsets are not the table of this shape.", nameof(bitOffsets));
        if (!SupportsKernelRowBlocks(g)) throw new ArgumentException("the kernel-row feedback needs kernels up to 5, input rows up to 64 and output channels in whole 64s.", nameof(g));
        if (channelMarks.Length < (g.Inputs + 63) / 64) throw new ArgumentException("the bitmap is shorter than the convolution's input.", nameof(channelMarks));
        if (rho.Length < g.Outputs) throw new ArgumentException("fewer rewards than the convolution has outputs.", nameof(rho));
        if (feedback.Length < g.WeightRows * g.OutChannels) throw new ArgumentException("fewer feedback values than the convolution has weights.", nameof(feedback));
        if (paddedRho.Length < PaddedRewardLength(g)) throw new ArgumentException("the padded reward scratch is too short.", nameof(paddedRho));
        if ((uint)fromBlock > (uint)toBlock || toBlock > g.InChannels * g.Kernel) throw new ArgumentOutOfRangeException(nameof(toBlock));
        int n = g.OutChannels, k = g.Kernel, p = g.Padding, paddedWidth = g.OutWidth + 2 * RhoPad;
        for (int oy = 0; oy < g.OutHeight; oy++)
        {
            var row = paddedRho.Slice(oy * paddedWidth * n, paddedWidth * n);
            row[..(RhoPad * n)].Clear();
            rho.Slice(oy * g.OutWidth * n, g.OutWidth * n).CopyTo(row[(RhoPad * n)..]);
            row[((RhoPad + g.OutWidth) * n)..].Clear();
        }
        ref ulong marks = ref MemoryMarshal.GetReference(channelMarks);
        ref float padded = ref MemoryMarshal.GetReference(paddedRho);
        ref float fb = ref MemoryMarshal.GetReference(feedback);
        ref int offsets = ref MemoryMarshal.GetReference(bitOffsets);
        for (int block = fromBlock; block < toBlock; block++)
        {
            int c = block / k, ky = block % k;
            // Input rows y whose output row oy = y + p - ky exists.
            int y0 = Math.Max(0, ky - p), y1 = Math.Min(g.InHeight, g.OutHeight - p + ky);
            for (int j = 0; j < n; j += 4 * Vector512<float>.Count)
            {
                // Column RhoPad + ox of a padded row holds position ox; input x reaches ox = x + p - kx.
                var rows = new KernelRowRange(ref Unsafe.Add(ref padded, (RhoPad + p) * n + j), (y0 + p - ky) * paddedWidth * n, ref offsets,
                    ref marks, (c * g.InHeight + y0) * g.InWidth, (y1 - y0) * g.InWidth);
                AccumulateKernelRow(rows, n, k, ref Unsafe.Add(ref fb, block * k * n + j));
            }
        }
    }

    // The input rows a kernel row visits: Bits consecutive bits of the channel-major bitmap from FirstBit (whole rows),
    // and for bit t its padded reward at FirstRho + BitOffsets[t] (Rho: column x = 0 for kx = 0).
    private readonly ref struct KernelRowRange
    {
        public KernelRowRange(ref float rho, int firstRho, ref int bitOffsets, ref ulong marks, int firstBit, int bits)
        {
            Rho = ref rho;
            FirstRho = firstRho;
            BitOffsets = ref bitOffsets;
            Marks = ref marks;
            FirstBit = firstBit;
            Bits = bits;
        }

        public readonly ref float Rho;
        public readonly int FirstRho;
        public readonly ref int BitOffsets;
        public readonly ref ulong Marks;
        public readonly int FirstBit, Bits;
    }

    // feedback rows kx < k (n apart, 64 values each) += the padded reward at x + p - kx of every marked x of every row.
    private static void AccumulateKernelRow(KernelRowRange range, int n, int k, ref float feedback)
    {
        const int L = 16;
        // Accumulators for kx >= k are summed but never stored: their loads stay inside the padding.
        Vector512<float> a00, a01, a02, a03, a10, a11, a12, a13, a20, a21, a22, a23, a30, a31, a32, a33, a40, a41, a42, a43;
        a00 = a01 = a02 = a03 = a10 = a11 = a12 = a13 = a20 = a21 = a22 = a23 = a30 = a31 = a32 = a33 = a40 = a41 = a42 = a43 = Vector512<float>.Zero;
        ref float f0 = ref feedback;
        // Rows past the kernel alias its last row (only read and written when they exist), so no ref leaves the array.
        ref float f1 = ref Unsafe.Add(ref f0, Math.Min(1, k - 1) * n), f2 = ref Unsafe.Add(ref f0, Math.Min(2, k - 1) * n);
        ref float f3 = ref Unsafe.Add(ref f0, Math.Min(3, k - 1) * n), f4 = ref Unsafe.Add(ref f0, Math.Min(4, k - 1) * n);
        a00 = Vector512.LoadUnsafe(ref f0); a01 = Vector512.LoadUnsafe(ref f0, L); a02 = Vector512.LoadUnsafe(ref f0, 2 * L); a03 = Vector512.LoadUnsafe(ref f0, 3 * L);
        if (k > 1) { a10 = Vector512.LoadUnsafe(ref f1); a11 = Vector512.LoadUnsafe(ref f1, L); a12 = Vector512.LoadUnsafe(ref f1, 2 * L); a13 = Vector512.LoadUnsafe(ref f1, 3 * L); }
        if (k > 2) { a20 = Vector512.LoadUnsafe(ref f2); a21 = Vector512.LoadUnsafe(ref f2, L); a22 = Vector512.LoadUnsafe(ref f2, 2 * L); a23 = Vector512.LoadUnsafe(ref f2, 3 * L); }
        if (k > 3) { a30 = Vector512.LoadUnsafe(ref f3); a31 = Vector512.LoadUnsafe(ref f3, L); a32 = Vector512.LoadUnsafe(ref f3, 2 * L); a33 = Vector512.LoadUnsafe(ref f3, 3 * L); }
        if (k > 4) { a40 = Vector512.LoadUnsafe(ref f4); a41 = Vector512.LoadUnsafe(ref f4, L); a42 = Vector512.LoadUnsafe(ref f4, 2 * L); a43 = Vector512.LoadUnsafe(ref f4, 3 * L); }
        ref float rho = ref Unsafe.Add(ref range.Rho, range.FirstRho);
        for (int t = 0; t < range.Bits; t += 64)
        {
            ref int offsets = ref Unsafe.Add(ref range.BitOffsets, t);
            for (ulong bits = ExtractBits(ref range.Marks, range.FirstBit + t, Math.Min(64, range.Bits - t)); bits != 0; bits &= bits - 1)
            {
                ref float q0 = ref Unsafe.Add(ref rho, Unsafe.Add(ref offsets, BitOperations.TrailingZeroCount(bits)));
                a00 += Vector512.LoadUnsafe(ref q0); a01 += Vector512.LoadUnsafe(ref q0, L); a02 += Vector512.LoadUnsafe(ref q0, 2 * L); a03 += Vector512.LoadUnsafe(ref q0, 3 * L);
                ref float q1 = ref Unsafe.Subtract(ref q0, n);
                a10 += Vector512.LoadUnsafe(ref q1); a11 += Vector512.LoadUnsafe(ref q1, L); a12 += Vector512.LoadUnsafe(ref q1, 2 * L); a13 += Vector512.LoadUnsafe(ref q1, 3 * L);
                ref float q2 = ref Unsafe.Subtract(ref q1, n);
                a20 += Vector512.LoadUnsafe(ref q2); a21 += Vector512.LoadUnsafe(ref q2, L); a22 += Vector512.LoadUnsafe(ref q2, 2 * L); a23 += Vector512.LoadUnsafe(ref q2, 3 * L);
                ref float q3 = ref Unsafe.Subtract(ref q2, n);
                a30 += Vector512.LoadUnsafe(ref q3); a31 += Vector512.LoadUnsafe(ref q3, L); a32 += Vector512.LoadUnsafe(ref q3, 2 * L); a33 += Vector512.LoadUnsafe(ref q3, 3 * L);
                ref float q4 = ref Unsafe.Subtract(ref q3, n);
                a40 += Vector512.LoadUnsafe(ref q4); a41 += Vector512.LoadUnsafe(ref q4, L); a42 += Vector512.LoadUnsafe(ref q4, 2 * L); a43 += Vector512.LoadUnsafe(ref q4, 3 * L);
            }
        }
        a00.StoreUnsafe(ref f0); a01.StoreUnsafe(ref f0, L); a02.StoreUnsafe(ref f0, 2 * L); a03.StoreUnsafe(ref f0, 3 * L);
        if (k > 1) { a10.StoreUnsafe(ref f1); a11.StoreUnsafe(ref f1, L); a12.StoreUnsafe(ref f1, 2 * L); a13.StoreUnsafe(ref f1, 3 * L); }
        if (k > 2) { a20.StoreUnsafe(ref f2); a21.StoreUnsafe(ref f2, L); a22.StoreUnsafe(ref f2, 2 * L); a23.StoreUnsafe(ref f2, 3 * L); }
        if (k > 3) { a30.StoreUnsafe(ref f3); a31.StoreUnsafe(ref f3, L); a32.StoreUnsafe(ref f3, 2 * L); a33.StoreUnsafe(ref f3, 3 * L); }
        if (k > 4) { a40.StoreUnsafe(ref f4); a41.StoreUnsafe(ref f4, L); a42.StoreUnsafe(ref f4, 2 * L); a43.StoreUnsafe(ref f4, 3 * L); }
    }

    /// <summary>Widest kernel <see cref="ScatterRewardWindows"/> takes: its Kernel x 4 vector accumulators fill the registers.</summary>
    public const int MaxScatterKernel = 5;

    // Floats per window row of the window weights: one 512-bit vector of each of four, lanes kx * InChannels + c.
    private const int WindowRowLanes = 64;

    /// <summary>Whether <see cref="ScatterRewardWindows"/> takes this shape: kernels up to 5, window rows of at most 64 inputs.</summary>
    public static bool SupportsRewardScatter(in ConvGeometry g) =>
        Vector512.IsHardwareAccelerated && g.Kernel <= MaxScatterKernel && g.WindowBits <= WindowRowLanes;

    /// <summary>Length of the window weights <see cref="WindowWeights"/> writes.</summary>
    public static int WindowWeightsLength(in ConvGeometry g) => g.OutChannels * MaxScatterKernel * WindowRowLanes;

    /// <summary>
    /// The weights regrouped by output channel for <see cref="ScatterRewardWindows"/>: windowWeights[(oc * 5 + ky) * 64 + kx *
    /// InChannels + c] = W[c, ky, kx, oc], the weights from one kernel row of a window to output channel oc as one contiguous
    /// row of a padded input image; the lanes and rows past the kernel are zero.
    /// </summary>
    public static void WindowWeights(ReadOnlySpan<float> weights, in ConvGeometry g, Span<float> windowWeights)
    {
        if (!SupportsRewardScatter(g)) throw new ArgumentException("the reward scatter needs kernels up to 5 and window rows of at most 64 inputs.", nameof(g));
        if (weights.Length < g.WeightRows * g.OutChannels) throw new ArgumentException("fewer weights than the convolution has.", nameof(weights));
        var target = windowWeights[..WindowWeightsLength(g)];
        target.Clear();
        int n = g.OutChannels, k = g.Kernel;
        for (int c = 0; c < g.InChannels; c++)
            for (int ky = 0; ky < k; ky++)
                for (int kx = 0; kx < k; kx++)
                {
                    var row = weights.Slice(((c * k + ky) * k + kx) * n, n);
                    int lane = ky * WindowRowLanes + kx * g.InChannels + c;
                    for (int oc = 0; oc < n; oc++) target[oc * MaxScatterKernel * WindowRowLanes + lane] = row[oc];
                }
    }

    /// <summary>
    /// Length of the padded input image <see cref="ScatterRewardWindows"/> adds into: (InHeight + 2 Padding) x (InWidth +
    /// 2 Padding) x InChannels, channel-last, and one window row of slack after it.
    /// </summary>
    public static int PaddedInputLength(in ConvGeometry g) => (g.InHeight + 2 * g.Padding) * (g.InWidth + 2 * g.Padding) * g.InChannels + WindowRowLanes;

    /// <summary>
    /// The reward a convolution hands down to every input at once, W^T rho (LFP.md: A^in_t = x_t (.) (W^T rho_t), the
    /// product with the 0/1 input taken by the caller), from the rewards that are not zero: each non-zero rho[position, oc] adds rho times output channel oc's
    /// window weights (<see cref="WindowWeights"/>) to the position's receptive field in <paramref name="paddedInputReward"/>
    /// (input (y, x, c) at ((y + Padding) * (InWidth + 2 Padding) + x + Padding) * InChannels + c; see
    /// <see cref="PaddedInputLength"/>), the field's Kernel x 64 values held in registers while the position's rewards are
    /// summed. A reward of zero adds nothing, so the work follows the rewarded neurons, not the fired inputs.
    /// Each input's reward is summed by blocks of 16 output channels, in each block position by position (columns, then rows
    /// within a column), output channels ascending within a position: another order than the per-input dot products of
    /// <see cref="DotTapBlocks"/>, so equal to them up to rounding. Positions of one column follow each other, so a field's
    /// rows are reloaded at the addresses just stored (whole vectors: the stores forward to the loads).
    /// </summary>
    public static void ScatterRewardWindows(ReadOnlySpan<float> rho, ReadOnlySpan<float> windowWeights, in ConvGeometry g, Span<float> paddedInputReward)
    {
        if (!SupportsRewardScatter(g)) throw new ArgumentException("the reward scatter needs kernels up to 5 and window rows of at most 64 inputs.", nameof(g));
        if (rho.Length < g.Outputs) throw new ArgumentException("fewer rewards than the convolution has outputs.", nameof(rho));
        if (windowWeights.Length < WindowWeightsLength(g)) throw new ArgumentException("the window weights are too short.", nameof(windowWeights));
        if (paddedInputReward.Length < PaddedInputLength(g)) throw new ArgumentException("the padded input reward is too short.", nameof(paddedInputReward));
        int n = g.OutChannels, k = g.Kernel, rowFloats = (g.InWidth + 2 * g.Padding) * g.InChannels;
        ref float r0 = ref MemoryMarshal.GetReference(rho);
        ref float ww = ref MemoryMarshal.GetReference(windowWeights);
        ref float target0 = ref MemoryMarshal.GetReference(paddedInputReward);
        // Sixteen output channels at a time: their window weights (20 KB) stay in the first-level cache across all positions.
        for (int j = 0; j < n; j += Vector512<float>.Count)
            for (int ox = 0; ox < g.OutWidth; ox++)
                for (int oy = 0; oy < g.OutHeight; oy++)
                {
                    // The field's first row: padded input row oy, column ox; its kernel row ky is ky padded rows further on.
                    ref float field = ref Unsafe.Add(ref target0, oy * rowFloats + ox * g.InChannels);
                    ScatterPosition(ref Unsafe.Add(ref r0, (oy * g.OutWidth + ox) * n), j, n, ref ww, k, g.WindowBits, ref field, rowFloats);
                }
    }

    // field rows ky < k (rowFloats apart, 64 values each) += rho[oc] * window weights of oc, for every non-zero rho[oc] of one
    // position with oc in [j, j + 16).
    private static void ScatterPosition(ref float rho, int j, int n, ref float windowWeights, int k, int windowBits, ref float field, int rowFloats)
    {
        const int L = 16, Row = WindowRowLanes, Channel = MaxScatterKernel * WindowRowLanes;
        var chunk = j + L <= n ? Vector512.LoadUnsafe(ref rho, (nuint)j) : PartialChunk(ref rho, j, n);
        ulong rewarded = (~Vector512.Equals(chunk, Vector512<float>.Zero)).ExtractMostSignificantBits();
        if (rewarded == 0) return;
        Vector512<float> a00, a01, a02, a03, a10, a11, a12, a13, a20, a21, a22, a23, a30, a31, a32, a33, a40, a41, a42, a43;
        a00 = a01 = a02 = a03 = a10 = a11 = a12 = a13 = a20 = a21 = a22 = a23 = a30 = a31 = a32 = a33 = a40 = a41 = a42 = a43 = Vector512<float>.Zero;
        for (ulong bits = rewarded; bits != 0; bits &= bits - 1)
        {
            int oc = j + BitOperations.TrailingZeroCount(bits);
            var r = Vector512.Create(Unsafe.Add(ref rho, oc));
            ref float w = ref Unsafe.Add(ref windowWeights, oc * Channel);
            a00 = Vector512.FusedMultiplyAdd(r, Vector512.LoadUnsafe(ref w), a00); a01 = Vector512.FusedMultiplyAdd(r, Vector512.LoadUnsafe(ref w, L), a01);
            a02 = Vector512.FusedMultiplyAdd(r, Vector512.LoadUnsafe(ref w, 2 * L), a02); a03 = Vector512.FusedMultiplyAdd(r, Vector512.LoadUnsafe(ref w, 3 * L), a03);
            a10 = Vector512.FusedMultiplyAdd(r, Vector512.LoadUnsafe(ref w, Row), a10); a11 = Vector512.FusedMultiplyAdd(r, Vector512.LoadUnsafe(ref w, Row + L), a11);
            a12 = Vector512.FusedMultiplyAdd(r, Vector512.LoadUnsafe(ref w, Row + 2 * L), a12); a13 = Vector512.FusedMultiplyAdd(r, Vector512.LoadUnsafe(ref w, Row + 3 * L), a13);
            a20 = Vector512.FusedMultiplyAdd(r, Vector512.LoadUnsafe(ref w, 2 * Row), a20); a21 = Vector512.FusedMultiplyAdd(r, Vector512.LoadUnsafe(ref w, 2 * Row + L), a21);
            a22 = Vector512.FusedMultiplyAdd(r, Vector512.LoadUnsafe(ref w, 2 * Row + 2 * L), a22); a23 = Vector512.FusedMultiplyAdd(r, Vector512.LoadUnsafe(ref w, 2 * Row + 3 * L), a23);
            a30 = Vector512.FusedMultiplyAdd(r, Vector512.LoadUnsafe(ref w, 3 * Row), a30); a31 = Vector512.FusedMultiplyAdd(r, Vector512.LoadUnsafe(ref w, 3 * Row + L), a31);
            a32 = Vector512.FusedMultiplyAdd(r, Vector512.LoadUnsafe(ref w, 3 * Row + 2 * L), a32); a33 = Vector512.FusedMultiplyAdd(r, Vector512.LoadUnsafe(ref w, 3 * Row + 3 * L), a33);
            a40 = Vector512.FusedMultiplyAdd(r, Vector512.LoadUnsafe(ref w, 4 * Row), a40); a41 = Vector512.FusedMultiplyAdd(r, Vector512.LoadUnsafe(ref w, 4 * Row + L), a41);
            a42 = Vector512.FusedMultiplyAdd(r, Vector512.LoadUnsafe(ref w, 4 * Row + 2 * L), a42); a43 = Vector512.FusedMultiplyAdd(r, Vector512.LoadUnsafe(ref w, 4 * Row + 3 * L), a43);
        }
        // Lanes past the window row belong to the next pixels and meet zero weights, so they hold +0 (x * 0 added to +0
        // is +0) unless a reward is infinite or NaN, which times zero is NaN: only then are they masked to +0.
        if (!Vector512.EqualsAll(chunk - chunk, Vector512<float>.Zero))
        {
            var lanes = Vector512<int>.Indices;
            var m0 = Vector512.LessThan(lanes, Vector512.Create(windowBits)).AsSingle();
            var m1 = Vector512.LessThan(lanes, Vector512.Create(windowBits - L)).AsSingle();
            var m2 = Vector512.LessThan(lanes, Vector512.Create(windowBits - 2 * L)).AsSingle();
            var m3 = Vector512.LessThan(lanes, Vector512.Create(windowBits - 3 * L)).AsSingle();
            a00 &= m0; a01 &= m1; a02 &= m2; a03 &= m3; a10 &= m0; a11 &= m1; a12 &= m2; a13 &= m3;
            a20 &= m0; a21 &= m1; a22 &= m2; a23 &= m3; a30 &= m0; a31 &= m1; a32 &= m2; a33 &= m3;
            a40 &= m0; a41 &= m1; a42 &= m2; a43 &= m3;
        }
        AddRow(ref field, a00, a01, a02, a03);
        if (k > 1) AddRow(ref Unsafe.Add(ref field, rowFloats), a10, a11, a12, a13);
        if (k > 2) AddRow(ref Unsafe.Add(ref field, 2 * rowFloats), a20, a21, a22, a23);
        if (k > 3) AddRow(ref Unsafe.Add(ref field, 3 * rowFloats), a30, a31, a32, a33);
        if (k > 4) AddRow(ref Unsafe.Add(ref field, 4 * rowFloats), a40, a41, a42, a43);
    }

    // The last, partial chunk of a reward vector whose length is not a whole number of vectors; zeros past its end.
    private static Vector512<float> PartialChunk(ref float rho, int from, int n)
    {
        Span<float> chunk = stackalloc float[Vector512<float>.Count];
        chunk.Clear();
        for (int i = from; i < n; i++) chunk[i - from] = Unsafe.Add(ref rho, i);
        return Vector512.Create<float>(chunk);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddRow(ref float row, Vector512<float> a0, Vector512<float> a1, Vector512<float> a2, Vector512<float> a3)
    {
        const int L = 16;
        (Vector512.LoadUnsafe(ref row) + a0).StoreUnsafe(ref row);
        (Vector512.LoadUnsafe(ref row, L) + a1).StoreUnsafe(ref row, L);
        (Vector512.LoadUnsafe(ref row, 2 * L) + a2).StoreUnsafe(ref row, 2 * L);
        (Vector512.LoadUnsafe(ref row, 3 * L) + a3).StoreUnsafe(ref row, 3 * L);
    }

    /// <summary>Most inputs <see cref="DotTapBlocks"/> takes in one call.</summary>
    public const int MaxTapBlockGroup = 4;

    /// <summary>
    /// The reward hand-down of up to <see cref="MaxTapBlockGroup"/> inputs of one pixel (stride 1): for input j,
    /// sums[j] = sum over the rows x blocks taps of its tap block of the dot product of its weight row and the reward
    /// of the position the tap reaches. The inputs of one pixel reach the same positions, so each reward vector is
    /// loaded once for all of them, and their independent sums keep both FMA ports busy where one input's four chains
    /// wait on the FMA latency. Tap (r, b) of input j reads weights[weightOffsets[j] + r * weightRowStride + b * width ..]
    /// and rho[rhoOffset + r * rhoRowStride - b * width ..], width values each. Each sum is
    /// <see cref="SynapseKernels.DotGridByLanes"/>'s sum over the same grid, bit for bit: the same four lane
    /// accumulators, the same FMAs in the same order, the same final reduction.
    /// </summary>
    public static void DotTapBlocks(ReadOnlySpan<float> weights, ReadOnlySpan<int> weightOffsets, int weightRowStride,
        ReadOnlySpan<float> rho, int rhoOffset, int rhoRowStride, int rows, int blocks, int width, Span<float> sums)
    {
        int m = weightOffsets.Length;
        if (m == 0) return;
        if (!Vector512.IsHardwareAccelerated || width <= 0 || width % (4 * Vector512<float>.Count) != 0)
            throw new ArgumentException("the tap-block dots need 512-bit vectors and widths in whole 64s.", nameof(width));
        if (m > MaxTapBlockGroup) throw new ArgumentException($"at most {MaxTapBlockGroup} inputs per call.", nameof(weightOffsets));
        if (sums.Length < m) throw new ArgumentException("fewer sums than inputs.", nameof(sums));
        if (rows <= 0 || blocks <= 0)
        {
            sums[..m].Clear();
            return;
        }
        // Every tap's vector lies inside its array (the first and last row and block bound them; strides may be negative).
        CheckTapGrid(rho.Length, rhoOffset, rhoRowStride, -width, rows, blocks, width, nameof(rho));
        foreach (int offset in weightOffsets) CheckTapGrid(weights.Length, offset, weightRowStride, width, rows, blocks, width, nameof(weights));
        ref float w = ref MemoryMarshal.GetReference(weights);
        ref float r0 = ref Unsafe.Add(ref MemoryMarshal.GetReference(rho), rhoOffset);
        var grid = new TapGrid(weightRowStride, rhoRowStride, rows, blocks, width);
        int j = 0;
        for (; j + 4 <= m; j += 4)
            DotTapBlocks4(grid, ref r0, ref Unsafe.Add(ref w, weightOffsets[j]), ref Unsafe.Add(ref w, weightOffsets[j + 1]),
                ref Unsafe.Add(ref w, weightOffsets[j + 2]), ref Unsafe.Add(ref w, weightOffsets[j + 3]), sums[j..]);
        // The rest one at a time: each input's sum is the same in either kernel (same lanes, same tree).
        for (; j < m; j++) sums[j] = DotTapBlocks1(grid, ref r0, ref Unsafe.Add(ref w, weightOffsets[j]));
    }

    // The strides and extent of a tap block: weight rows step by WeightRowStride per kernel row and Width per tap,
    // rewards by RhoRowStride per kernel row and -Width per tap.
    private readonly record struct TapGrid(int WeightRowStride, int RhoRowStride, int Rows, int Blocks, int Width);

    private static void CheckTapGrid(int length, int offset, int rowStride, int blockStride, int rows, int blocks, int width, string name)
    {
        long lastRow = (long)(rows - 1) * rowStride, lastBlock = (long)(blocks - 1) * blockStride;
        long low = offset + Math.Min(0, lastRow) + Math.Min(0, lastBlock), high = offset + Math.Max(0, lastRow) + Math.Max(0, lastBlock) + width;
        if (low < 0 || high > length) throw new ArgumentOutOfRangeException(name, "a tap of the block lies outside the array.");
    }

    // Lanes i mod 64 of one input's products, as DotGridByLanes accumulates them.
    private static float DotTapBlocks1(TapGrid g, ref float rho, ref float w0)
    {
        const int L = 16;
        Vector512<float> a0 = Vector512<float>.Zero, a1 = a0, a2 = a0, a3 = a0;
        for (int r = 0; r < g.Rows; r++)
        {
            ref float q = ref Unsafe.Add(ref rho, r * g.RhoRowStride);
            ref float x0 = ref Unsafe.Add(ref w0, r * g.WeightRowStride);
            for (int b = 0; b < g.Blocks; b++, q = ref Unsafe.Subtract(ref q, g.Width), x0 = ref Unsafe.Add(ref x0, g.Width))
                for (int i = 0; i < g.Width; i += 4 * L)
                {
                    a0 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref x0, (nuint)i), Vector512.LoadUnsafe(ref q, (nuint)i), a0);
                    a1 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref x0, (nuint)(i + L)), Vector512.LoadUnsafe(ref q, (nuint)(i + L)), a1);
                    a2 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref x0, (nuint)(i + 2 * L)), Vector512.LoadUnsafe(ref q, (nuint)(i + 2 * L)), a2);
                    a3 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref x0, (nuint)(i + 3 * L)), Vector512.LoadUnsafe(ref q, (nuint)(i + 3 * L)), a3);
                }
        }
        return Vector512.Sum((a0 + a1) + (a2 + a3));
    }

    private static void DotTapBlocks4(TapGrid g, ref float rho, ref float w0, ref float w1, ref float w2, ref float w3, Span<float> sums)
    {
        const int L = 16;
        Vector512<float> a0 = Vector512<float>.Zero, a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
        Vector512<float> c0 = a0, c1 = a0, c2 = a0, c3 = a0, d0 = a0, d1 = a0, d2 = a0, d3 = a0;
        for (int r = 0; r < g.Rows; r++)
        {
            ref float q = ref Unsafe.Add(ref rho, r * g.RhoRowStride);
            int row = r * g.WeightRowStride;
            ref float x0 = ref Unsafe.Add(ref w0, row);
            ref float x1 = ref Unsafe.Add(ref w1, row);
            ref float x2 = ref Unsafe.Add(ref w2, row);
            ref float x3 = ref Unsafe.Add(ref w3, row);
            for (int b = 0; b < g.Blocks; b++, q = ref Unsafe.Subtract(ref q, g.Width), x0 = ref Unsafe.Add(ref x0, g.Width),
                x1 = ref Unsafe.Add(ref x1, g.Width), x2 = ref Unsafe.Add(ref x2, g.Width), x3 = ref Unsafe.Add(ref x3, g.Width))
                for (int i = 0; i < g.Width; i += 4 * L)
                {
                    var q0 = Vector512.LoadUnsafe(ref q, (nuint)i);
                    var q1 = Vector512.LoadUnsafe(ref q, (nuint)(i + L));
                    var q2 = Vector512.LoadUnsafe(ref q, (nuint)(i + 2 * L));
                    var q3 = Vector512.LoadUnsafe(ref q, (nuint)(i + 3 * L));
                    a0 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref x0, (nuint)i), q0, a0);
                    a1 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref x0, (nuint)(i + L)), q1, a1);
                    a2 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref x0, (nuint)(i + 2 * L)), q2, a2);
                    a3 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref x0, (nuint)(i + 3 * L)), q3, a3);
                    b0 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref x1, (nuint)i), q0, b0);
                    b1 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref x1, (nuint)(i + L)), q1, b1);
                    b2 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref x1, (nuint)(i + 2 * L)), q2, b2);
                    b3 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref x1, (nuint)(i + 3 * L)), q3, b3);
                    c0 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref x2, (nuint)i), q0, c0);
                    c1 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref x2, (nuint)(i + L)), q1, c1);
                    c2 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref x2, (nuint)(i + 2 * L)), q2, c2);
                    c3 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref x2, (nuint)(i + 3 * L)), q3, c3);
                    d0 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref x3, (nuint)i), q0, d0);
                    d1 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref x3, (nuint)(i + L)), q1, d1);
                    d2 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref x3, (nuint)(i + 2 * L)), q2, d2);
                    d3 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref x3, (nuint)(i + 3 * L)), q3, d3);
                }
        }
        sums[0] = Vector512.Sum((a0 + a1) + (a2 + a3));
        sums[1] = Vector512.Sum((b0 + b1) + (b2 + b3));
        sums[2] = Vector512.Sum((c0 + c1) + (c2 + c3));
        sums[3] = Vector512.Sum((d0 + d1) + (d2 + d3));
    }

    // Bits [start, start + count) of a bitmap, count in [1, 64], as the low bits of a word; the caller keeps them inside it.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong ExtractBits(ref ulong marks, int start, int count)
    {
        int word = start >> 6, shift = start & 63;
        ulong value = Unsafe.Add(ref marks, word) >> shift;
        if (shift + count > 64) value |= Unsafe.Add(ref marks, word + 1) << (64 - shift);
        return count == 64 ? value : value & ((1UL << count) - 1);
    }

    private static void Check(in ConvGeometry g, int marks, int marksNeeded, int weights, int outputs, int outputsNeeded)
    {
        if (!Supports(g)) throw new ArgumentException("the spike-window kernels need window rows of at most 64 bits and whole 512-bit output vectors.", nameof(g));
        if (marks < marksNeeded) throw new ArgumentException("the bitmap is shorter than the convolution's input.");
        if (weights < g.WeightRows * g.OutChannels) throw new ArgumentException("fewer weights than the convolution has.");
        if (outputs < outputsNeeded) throw new ArgumentException("fewer outputs than the convolution has.");
    }

    private static void CheckOffsets(ReadOnlySpan<int> offsets, int count, int weights, int width)
    {
        if (offsets.Length != count) throw new ArgumentException($"expected {count} window row offsets, got {offsets.Length}.");
        // Checked on every call, so whole vectors at a time.
        if (!VectorMath.AllWithin(offsets, 0, weights - width)) throw new ArgumentOutOfRangeException(nameof(offsets), "a window row offset lies outside the weights.");
    }
}
