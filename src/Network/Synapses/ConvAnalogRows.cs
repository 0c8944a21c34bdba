using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace SpikeLfp.Network.Synapses;

/// <summary>
/// Analog delivery of a stride-1 convolution by output rows: current[oy, ox, oc] += sum over taps (ky, kx, c) of
/// input[oy + ky - P, ox + kx - P, c] * W[c, ky, kx, oc], for the whole row oy at once.
/// <para>
/// Walking input by input adds one OutChannels-wide block per tap and input: 12 floats for the LifCNN's first layer,
/// shorter than a vector and a call each. Here the input is expanded once (<see cref="ConvInputCorrelation.Expand"/>:
/// each value repeated OutChannels times) and each weight row tiled along an output row, so one tap is one multiply-add
/// over OutWidth x OutChannels contiguous floats, with the row's currents held in registers over all taps.
/// </para>
/// Every current sums the same terms in the same order as the input walk: taps in (ky, kx, c) order are inputs in
/// ascending index order, and a term whose input is zero (or padding) is skipped, not added as a product with zero.
/// </summary>
public static class ConvAnalogRows
{
    /// <summary>Whether the shape's scratch fits (the scratch of <see cref="ConvInputCorrelation"/>, whose expansion this reads).</summary>
    public static bool Supports(in ConvGeometry g) => ConvInputCorrelation.Supports(g);

    /// <summary>Floats of the tiled weights: each weight row repeated along an output row.</summary>
    public static int TiledWeightsLength(in ConvGeometry g) => g.WeightRows * RowLength(g);

    private static int RowLength(in ConvGeometry g) => g.OutWidth * g.OutChannels;

    /// <summary>tiled[row][x * OutChannels + oc] = weights[row * OutChannels + oc] for every output column x.</summary>
    public static void TileWeights(ReadOnlySpan<float> weights, in ConvGeometry g, Span<float> tiled)
    {
        int o = g.OutChannels, length = RowLength(g);
        if (weights.Length < g.WeightRows * o || tiled.Length < TiledWeightsLength(g)) throw new ArgumentException("buffers shorter than the geometry needs.");
        for (int row = 0; row < g.WeightRows; row++)
        {
            var source = weights.Slice(row * o, o);
            var target = tiled.Slice(row * length, length);
            for (int x = 0; x < g.OutWidth; x++) source.CopyTo(target.Slice(x * o, o));
        }
    }

    /// <summary>
    /// current += the convolution of the expanded input (<see cref="ConvInputCorrelation.Expand"/>, with its row marks)
    /// with the tiled weights (<see cref="TileWeights"/>), output row by output row.
    /// </summary>
    public static void Deliver(ReadOnlySpan<float> expanded, ReadOnlySpan<bool> rowHasInput, ReadOnlySpan<float> tiled, in ConvGeometry g, Span<float> current)
    {
        int length = RowLength(g);
        if (expanded.Length < ConvInputCorrelation.ExpandedLength(g) || rowHasInput.Length < g.InHeight * g.InChannels
            || tiled.Length < TiledWeightsLength(g) || current.Length < g.Outputs)
            throw new ArgumentException("buffers shorter than the geometry needs.");
        var rows = new Rows(ref MemoryMarshal.GetReference(expanded), rowHasInput, ref MemoryMarshal.GetReference(tiled), g);
        ref float cur = ref MemoryMarshal.GetReference(current);
        const int L = 16;
        for (int oy = 0; oy < g.OutHeight; oy++)
        {
            ref float row = ref Unsafe.Add(ref cur, oy * length);
            int j = 0;
            if (Vector512.IsHardwareAccelerated)
            {
                for (; j <= length - 4 * L; j += 4 * L) SumRowInto4(rows, oy, j, ref Unsafe.Add(ref row, j));
                for (; j <= length - L; j += L) SumRowInto1(rows, oy, j, ref Unsafe.Add(ref row, j));
            }
            for (; j < length; j++) SumRowIntoScalar(rows, oy, j, ref Unsafe.Add(ref row, j));
        }
    }

    // What one output row reads: the expanded input rows and their marks, the tiled weights, the shape.
    private readonly ref struct Rows(ref float expanded, ReadOnlySpan<bool> hasInput, ref float tiled, in ConvGeometry g)
    {
        public readonly ref float Expanded = ref expanded;
        public readonly ReadOnlySpan<bool> HasInput = hasInput;
        public readonly ref float Tiled = ref tiled;
        public readonly ConvGeometry G = g;
        public readonly int Length = g.OutWidth * g.OutChannels, Padded = (g.InWidth + 2 * g.Padding) * g.OutChannels;

        // Kernel rows whose input row lies inside the image for output row oy.
        public (int From, int To) KernelRows(int oy) => (Math.Max(0, G.Padding - oy), Math.Min(G.Kernel, G.InHeight + G.Padding - oy));

        // The expanded values a tap multiplies at column offset j, or a null ref when its input row has no value.
        public ref float Input(int oy, int ky, int kx, int c, int j)
        {
            int iy = oy + ky - G.Padding;
            if (!HasInput[iy * G.InChannels + c]) return ref Unsafe.NullRef<float>();
            return ref Unsafe.Add(ref Expanded, (iy * G.InChannels + c) * Padded + kx * G.OutChannels + j);
        }

        public ref float Weights(int ky, int kx, int c, int j) => ref Unsafe.Add(ref Tiled, ((c * G.Kernel + ky) * G.Kernel + kx) * Length + j);
    }

    // acc + x * w where x is not zero, acc where it is: the input walk skips zero inputs (a product with zero could turn
    // a -0 sum into +0).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> AddWhereInput(Vector512<float> x, Vector512<float> w, Vector512<float> acc) =>
        Vector512.ConditionalSelect(Vector512.Equals(x, Vector512<float>.Zero), acc, Vector512.FusedMultiplyAdd(x, w, acc));

    private static void SumRowInto4(Rows rows, int oy, int j, ref float target)
    {
        const int L = 16;
        Vector512<float> a0 = Vector512.LoadUnsafe(ref target), a1 = Vector512.LoadUnsafe(ref target, L),
            a2 = Vector512.LoadUnsafe(ref target, 2 * L), a3 = Vector512.LoadUnsafe(ref target, 3 * L);
        var (ky0, ky1) = rows.KernelRows(oy);
        for (int ky = ky0; ky < ky1; ky++)
            for (int kx = 0; kx < rows.G.Kernel; kx++)
                for (int c = 0; c < rows.G.InChannels; c++)
                {
                    ref float x = ref rows.Input(oy, ky, kx, c, j);
                    if (Unsafe.IsNullRef(ref x)) continue;
                    ref float w = ref rows.Weights(ky, kx, c, j);
                    a0 = AddWhereInput(Vector512.LoadUnsafe(ref x), Vector512.LoadUnsafe(ref w), a0);
                    a1 = AddWhereInput(Vector512.LoadUnsafe(ref x, L), Vector512.LoadUnsafe(ref w, L), a1);
                    a2 = AddWhereInput(Vector512.LoadUnsafe(ref x, 2 * L), Vector512.LoadUnsafe(ref w, 2 * L), a2);
                    a3 = AddWhereInput(Vector512.LoadUnsafe(ref x, 3 * L), Vector512.LoadUnsafe(ref w, 3 * L), a3);
                }
        a0.StoreUnsafe(ref target);
        a1.StoreUnsafe(ref target, L);
        a2.StoreUnsafe(ref target, 2 * L);
        a3.StoreUnsafe(ref target, 3 * L);
    }

    private static void SumRowInto1(Rows rows, int oy, int j, ref float target)
    {
        var a = Vector512.LoadUnsafe(ref target);
        var (ky0, ky1) = rows.KernelRows(oy);
        for (int ky = ky0; ky < ky1; ky++)
            for (int kx = 0; kx < rows.G.Kernel; kx++)
                for (int c = 0; c < rows.G.InChannels; c++)
                {
                    ref float x = ref rows.Input(oy, ky, kx, c, j);
                    if (!Unsafe.IsNullRef(ref x)) a = AddWhereInput(Vector512.LoadUnsafe(ref x), Vector512.LoadUnsafe(ref rows.Weights(ky, kx, c, j)), a);
                }
        a.StoreUnsafe(ref target);
    }

    private static void SumRowIntoScalar(Rows rows, int oy, int j, ref float target)
    {
        float a = target;
        var (ky0, ky1) = rows.KernelRows(oy);
        for (int ky = ky0; ky < ky1; ky++)
            for (int kx = 0; kx < rows.G.Kernel; kx++)
                for (int c = 0; c < rows.G.InChannels; c++)
                {
                    ref float x = ref rows.Input(oy, ky, kx, c, j);
                    if (!Unsafe.IsNullRef(ref x) && x != 0f) a = MathF.FusedMultiplyAdd(x, rows.Weights(ky, kx, c, j), a);
                }
        target = a;
    }
}
