using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace SpikeLfp.Network.Synapses;

/// <summary>
/// Dense kernels for analog-input layers (the only place where dense math dominates). Every output
/// element is accumulated in the same order (bias, then inputs in index order, one fused multiply-add
/// each) whichever tile computes it, so results do not depend on blocking or thread count.
/// </summary>
internal static unsafe class DenseMath
{
    private const int RowsPerTile = 4;
    private const int VectorsPerTile = 4;

    /// <summary>
    /// output[b, :] = bias + x[b, :] W for <paramref name="rows"/> samples, W input-major [inputs, outputs].
    /// Register-blocked: a 4-sample x 4-vector tile of outputs stays in registers over the whole input loop,
    /// and column tiles are shared out between threads so each thread streams its slice of W from cache. Where
    /// 512-bit vectors run natively, tiles of 4 such vectors come first, then tiles of <see cref="Vector{T}"/>, then
    /// single columns: one multiply-add per input and output element either way, so the same bits.
    /// </summary>
    public static void AffineRows(ReadOnlySpan<float> x, int rows, int inputs, DenseSynapses synapses, Span<float> output, ParallelOptions parallel)
    {
        int outputs = synapses.Outputs;
        if (synapses.Inputs != inputs) throw new ArgumentException($"the synapses take {synapses.Inputs} inputs, not {inputs}.");
        if (x.Length < rows * inputs || output.Length < rows * outputs)
            throw new ArgumentException("x or output is smaller than rows x size.");
        int narrow = Vector<float>.Count * VectorsPerTile, wide = Vector512<float>.Count * VectorsPerTile;
        int wideTiles = Vector512.IsHardwareAccelerated && wide > narrow ? outputs / wide : 0;
        int narrowFrom = wideTiles * wide, narrowTiles = (outputs - narrowFrom) / narrow, restFrom = narrowFrom + narrowTiles * narrow;
        fixed (float* xp = x, op = output, wp = synapses.Weights, bp = synapses.Bias)
        {
            nint xa = (nint)xp, oa = (nint)op, wa = (nint)wp, ba = (nint)bp;
            Parallel.For(0, wideTiles + narrowTiles + 1, parallel, tile =>
            {
                float* xs = (float*)xa, outp = (float*)oa, ws = (float*)wa, bias = (float*)ba;
                var (j0, j1) = tile < wideTiles ? (tile * wide, tile * wide + wide)
                    : tile < wideTiles + narrowTiles ? (narrowFrom + (tile - wideTiles) * narrow, narrowFrom + (tile - wideTiles + 1) * narrow)
                    : (restFrom, outputs);
                if (j0 >= j1) return;
                int r = 0;
                for (; r + RowsPerTile <= rows; r += RowsPerTile)
                {
                    float* xr = xs + r * inputs, c = outp + r * outputs + j0;
                    if (j1 - j0 == wide) Tile4x4Wide(xr, inputs, ws + j0, outputs, bias + j0, c);
                    else if (j1 - j0 == narrow) Tile4x4(xr, inputs, ws + j0, outputs, bias + j0, c);
                    else for (int q = 0; q < RowsPerTile; q++) RowSlice(xs + (r + q) * inputs, inputs, ws, outputs, bias, outp + (r + q) * outputs, j0, j1);
                }
                for (; r < rows; r++) RowSlice(xs + r * inputs, inputs, ws, outputs, bias, outp + r * outputs, j0, j1);
            });
        }
    }

    // Tile4x4 in 512-bit vectors.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile4x4Wide(float* x, int inputs, float* w, int stride, float* bias, float* c)
    {
        const int n = 16;
        Vector512<float> b0 = Vector512.Load(bias), b1 = Vector512.Load(bias + n), b2 = Vector512.Load(bias + 2 * n), b3 = Vector512.Load(bias + 3 * n);
        Vector512<float> c00 = b0, c01 = b1, c02 = b2, c03 = b3, c10 = b0, c11 = b1, c12 = b2, c13 = b3;
        Vector512<float> c20 = b0, c21 = b1, c22 = b2, c23 = b3, c30 = b0, c31 = b1, c32 = b2, c33 = b3;
        float* x1 = x + inputs, x2 = x1 + inputs, x3 = x2 + inputs;
        for (int k = 0; k < inputs; k++)
        {
            float* row = w + (nint)k * stride;
            var w0 = Vector512.Load(row); var w1 = Vector512.Load(row + n); var w2 = Vector512.Load(row + 2 * n); var w3 = Vector512.Load(row + 3 * n);
            var a = Vector512.Create(x[k]);
            c00 = Vector512.FusedMultiplyAdd(a, w0, c00); c01 = Vector512.FusedMultiplyAdd(a, w1, c01); c02 = Vector512.FusedMultiplyAdd(a, w2, c02); c03 = Vector512.FusedMultiplyAdd(a, w3, c03);
            a = Vector512.Create(x1[k]);
            c10 = Vector512.FusedMultiplyAdd(a, w0, c10); c11 = Vector512.FusedMultiplyAdd(a, w1, c11); c12 = Vector512.FusedMultiplyAdd(a, w2, c12); c13 = Vector512.FusedMultiplyAdd(a, w3, c13);
            a = Vector512.Create(x2[k]);
            c20 = Vector512.FusedMultiplyAdd(a, w0, c20); c21 = Vector512.FusedMultiplyAdd(a, w1, c21); c22 = Vector512.FusedMultiplyAdd(a, w2, c22); c23 = Vector512.FusedMultiplyAdd(a, w3, c23);
            a = Vector512.Create(x3[k]);
            c30 = Vector512.FusedMultiplyAdd(a, w0, c30); c31 = Vector512.FusedMultiplyAdd(a, w1, c31); c32 = Vector512.FusedMultiplyAdd(a, w2, c32); c33 = Vector512.FusedMultiplyAdd(a, w3, c33);
        }
        c00.Store(c); c01.Store(c + n); c02.Store(c + 2 * n); c03.Store(c + 3 * n);
        c += stride; c10.Store(c); c11.Store(c + n); c12.Store(c + 2 * n); c13.Store(c + 3 * n);
        c += stride; c20.Store(c); c21.Store(c + n); c22.Store(c + 2 * n); c23.Store(c + 3 * n);
        c += stride; c30.Store(c); c31.Store(c + n); c32.Store(c + 2 * n); c33.Store(c + 3 * n);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile4x4(float* x, int inputs, float* w, int stride, float* bias, float* c)
    {
        int n = Vector<float>.Count;
        Vector<float> b0 = Vector.Load(bias), b1 = Vector.Load(bias + n), b2 = Vector.Load(bias + 2 * n), b3 = Vector.Load(bias + 3 * n);
        Vector<float> c00 = b0, c01 = b1, c02 = b2, c03 = b3, c10 = b0, c11 = b1, c12 = b2, c13 = b3;
        Vector<float> c20 = b0, c21 = b1, c22 = b2, c23 = b3, c30 = b0, c31 = b1, c32 = b2, c33 = b3;
        float* x1 = x + inputs, x2 = x1 + inputs, x3 = x2 + inputs;
        for (int k = 0; k < inputs; k++)
        {
            float* row = w + (nint)k * stride;
            var w0 = Vector.Load(row); var w1 = Vector.Load(row + n); var w2 = Vector.Load(row + 2 * n); var w3 = Vector.Load(row + 3 * n);
            var a = new Vector<float>(x[k]);
            c00 = Vector.FusedMultiplyAdd(a, w0, c00); c01 = Vector.FusedMultiplyAdd(a, w1, c01); c02 = Vector.FusedMultiplyAdd(a, w2, c02); c03 = Vector.FusedMultiplyAdd(a, w3, c03);
            a = new Vector<float>(x1[k]);
            c10 = Vector.FusedMultiplyAdd(a, w0, c10); c11 = Vector.FusedMultiplyAdd(a, w1, c11); c12 = Vector.FusedMultiplyAdd(a, w2, c12); c13 = Vector.FusedMultiplyAdd(a, w3, c13);
            a = new Vector<float>(x2[k]);
            c20 = Vector.FusedMultiplyAdd(a, w0, c20); c21 = Vector.FusedMultiplyAdd(a, w1, c21); c22 = Vector.FusedMultiplyAdd(a, w2, c22); c23 = Vector.FusedMultiplyAdd(a, w3, c23);
            a = new Vector<float>(x3[k]);
            c30 = Vector.FusedMultiplyAdd(a, w0, c30); c31 = Vector.FusedMultiplyAdd(a, w1, c31); c32 = Vector.FusedMultiplyAdd(a, w2, c32); c33 = Vector.FusedMultiplyAdd(a, w3, c33);
        }
        c00.Store(c); c01.Store(c + n); c02.Store(c + 2 * n); c03.Store(c + 3 * n);
        c += stride; c10.Store(c); c11.Store(c + n); c12.Store(c + 2 * n); c13.Store(c + 3 * n);
        c += stride; c20.Store(c); c21.Store(c + n); c22.Store(c + 2 * n); c23.Store(c + 3 * n);
        c += stride; c30.Store(c); c31.Store(c + n); c32.Store(c + 2 * n); c33.Store(c + 3 * n);
    }

    // One sample, outputs j0..j1: same accumulation order as the tile (bias, then inputs in order).
    private static void RowSlice(float* x, int inputs, float* w, int stride, float* bias, float* c, int j0, int j1)
    {
        for (int j = j0; j < j1; j++) c[j] = bias[j];
        for (int k = 0; k < inputs; k++)
        {
            float a = x[k];
            float* row = w + (nint)k * stride;
            for (int j = j0; j < j1; j++) c[j] = MathF.FusedMultiplyAdd(a, row[j], c[j]);
        }
    }
}
