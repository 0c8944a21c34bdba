using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace SpikeLfp.Network.Synapses;

/// <summary>
/// The correlation of an analog input image with per-position output values, F[c, ky, kx, oc] = sum over output
/// positions (y, x) of input[y + ky - P, x + kx - P, c] * rho[y, x, oc], for a stride-1 convolution (channel-last
/// layouts, weight rows (c, ky, kx) of OutChannels). It is a convolution's weight feedback (LFP) or weight gradient.
/// <para>
/// Walking input by input costs one short OutChannels-wide add per tap and input (12 floats for the LifCNN's first
/// layer). Here each input row is written out once with every value repeated OutChannels times, so that for one output
/// row y and one tap (c, ky, kx) the products of all positions of the row are one contiguous multiply-add of
/// OutWidth x OutChannels floats: partial[c, ky, kx][x * OutChannels + oc] += expanded[y + ky - P, c][(x + kx) * OutChannels + oc]
/// * rho[y][x * OutChannels + oc]. The partial sums of many rows (samples) are folded over x once at the end.
/// </para>
/// </summary>
public static class ConvInputCorrelation
{
    // Scratch limits (floats) that keep the partial sums and one sample's expanded input in L2.
    private const int MaxScratch = 1 << 16;

    /// <summary>Whether the shape's scratch fits (<see cref="PartialSumsLength"/>, <see cref="ExpandedLength"/>).</summary>
    public static bool Supports(in ConvGeometry g) => (long)g.WeightRows * RowLength(g) <= MaxScratch && (long)g.InHeight * g.InChannels * PaddedRowLength(g) <= MaxScratch;

    /// <summary>Floats of the partial sums: one output row's products per weight row.</summary>
    public static int PartialSumsLength(in ConvGeometry g) => g.WeightRows * RowLength(g);

    /// <summary>Floats of one expanded input: every (input row, channel) as a padded row, each value repeated OutChannels times.</summary>
    public static int ExpandedLength(in ConvGeometry g) => g.InHeight * g.InChannels * PaddedRowLength(g);

    private static int RowLength(in ConvGeometry g) => g.OutWidth * g.OutChannels;
    private static int PaddedRowLength(in ConvGeometry g) => (g.InWidth + 2 * g.Padding) * g.OutChannels;

    /// <summary>
    /// Writes <paramref name="input"/> (InHeight x InWidth x InChannels, channel-last) out as expanded rows (the padding
    /// zero) and marks in <paramref name="rowHasInput"/> the (input row, channel) pairs with a value that is not zero.
    /// </summary>
    public static void Expand(ReadOnlySpan<float> input, in ConvGeometry g, Span<float> expanded, Span<bool> rowHasInput)
    {
        int o = g.OutChannels, padded = PaddedRowLength(g);
        expanded[..ExpandedLength(g)].Clear();
        for (int iy = 0; iy < g.InHeight; iy++)
            for (int c = 0; c < g.InChannels; c++)
            {
                var row = expanded.Slice((iy * g.InChannels + c) * padded, padded);
                bool any = false;
                for (int ix = 0; ix < g.InWidth; ix++)
                {
                    float x = input[(iy * g.InWidth + ix) * g.InChannels + c];
                    if (x == 0f) continue;
                    row.Slice((ix + g.Padding) * o, o).Fill(x);
                    any = true;
                }
                rowHasInput[iy * g.InChannels + c] = any;
            }
    }

    /// <summary>
    /// Adds one sample's products to <paramref name="partialSums"/>: its expanded input (<see cref="Expand"/>) against its
    /// <paramref name="rho"/> (OutHeight x OutWidth x OutChannels). Output rows whose rho is all zero are skipped.
    /// </summary>
    public static void AccumulateSample(ReadOnlySpan<float> expanded, ReadOnlySpan<bool> rowHasInput, ReadOnlySpan<float> rho, in ConvGeometry g, Span<float> partialSums)
    {
        int length = RowLength(g), padded = PaddedRowLength(g), k = g.Kernel, o = g.OutChannels;
        if (partialSums.Length < PartialSumsLength(g) || expanded.Length < ExpandedLength(g) || rho.Length < g.Outputs)
            throw new ArgumentException("buffers shorter than the geometry needs.");
        ref float e0 = ref MemoryMarshal.GetReference(expanded);
        ref float p0 = ref MemoryMarshal.GetReference(partialSums);
        for (int y = 0; y < g.OutHeight; y++)
        {
            var r = rho.Slice(y * length, length);
            if (!r.ContainsAnyExcept(0f)) continue;
            ref float r0 = ref MemoryMarshal.GetReference(r);
            for (int c = 0; c < g.InChannels; c++)
                for (int ky = 0; ky < k; ky++)
                {
                    int iy = y + ky - g.Padding;
                    if ((uint)iy >= (uint)g.InHeight || !rowHasInput[iy * g.InChannels + c]) continue;
                    ref float e = ref Unsafe.Add(ref e0, (iy * g.InChannels + c) * padded);
                    for (int kx = 0; kx < k; kx++)
                        MultiplyAdd(ref Unsafe.Add(ref e, kx * o), ref r0, ref Unsafe.Add(ref p0, ((c * k + ky) * k + kx) * length), length);
                }
        }
    }

    // sums[j] += a[j] * b[j], j < n.
    private static void MultiplyAdd(ref float a, ref float b, ref float sums, int n)
    {
        int j = 0;
        if (Vector512.IsHardwareAccelerated)
            for (; j <= n - Vector512<float>.Count; j += Vector512<float>.Count)
                Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref a, (nuint)j), Vector512.LoadUnsafe(ref b, (nuint)j), Vector512.LoadUnsafe(ref sums, (nuint)j))
                    .StoreUnsafe(ref sums, (nuint)j);
        for (; j <= n - Vector256<float>.Count; j += Vector256<float>.Count)
            Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref a, (nuint)j), Vector256.LoadUnsafe(ref b, (nuint)j), Vector256.LoadUnsafe(ref sums, (nuint)j))
                .StoreUnsafe(ref sums, (nuint)j);
        for (; j < n; j++) Unsafe.Add(ref sums, j) = MathF.FusedMultiplyAdd(Unsafe.Add(ref a, j), Unsafe.Add(ref b, j), Unsafe.Add(ref sums, j));
    }

    /// <summary>weightFeedback[row, oc] += the partial sums of the weight row summed over output columns x, in ascending x.</summary>
    public static void FoldInto(ReadOnlySpan<float> partialSums, in ConvGeometry g, Span<float> weightFeedback)
    {
        int length = RowLength(g), o = g.OutChannels;
        for (int row = 0; row < g.WeightRows; row++)
        {
            var target = weightFeedback.Slice(row * o, o);
            var sums = partialSums.Slice(row * length, length);
            for (int x = 0; x < g.OutWidth; x++) VectorMath.Add(sums.Slice(x * o, o), target);
        }
    }
}
