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
    // Where 512-bit vectors run natively: 8 samples by up to 48 outputs (24 accumulators), so each weight vector loaded
    // serves 8 multiply-adds and each broadcast input 3.
    private const int WideRows = 8;
    private const int WidePanel = 48;

    /// <summary>
    /// output[b, :] = bias + x[b, :] W for <paramref name="rows"/> samples, W input-major [inputs, outputs].
    /// Register-blocked: a tile of samples x outputs stays in registers over the whole input loop, and panels of
    /// output columns are shared out between threads, so each thread keeps its slice of W in its own cache while every
    /// block of samples passes over it. Each output is the bias, then one fused multiply-add per input in index order,
    /// whichever tile computes it: the same bits for any blocking, vector width and thread count.
    /// </summary>
    public static void AffineRows(ReadOnlySpan<float> x, int rows, int inputs, DenseSynapses synapses, Span<float> output, ParallelOptions parallel)
    {
        int outputs = synapses.Outputs;
        if (synapses.Inputs != inputs) throw new ArgumentException($"the synapses take {synapses.Inputs} inputs, not {inputs}.");
        if (x.Length < rows * inputs || output.Length < rows * outputs)
            throw new ArgumentException("x or output is smaller than rows x size.");
        fixed (float* xp = x, op = output, wp = synapses.Weights, bp = synapses.Bias)
        {
            var m = new Operands(xp, op, wp, bp, rows, inputs, outputs);
            if (Vector512.IsHardwareAccelerated) Parallel.For(0, (outputs + WidePanel - 1) / WidePanel, parallel, panel => WidePanelRows(m, panel));
            else
            {
                int narrow = Vector<float>.Count * VectorsPerTile, tiles = outputs / narrow;
                Parallel.For(0, tiles + 1, parallel, tile => NarrowTileRows(m, tile * narrow, Math.Min(outputs, tile * narrow + narrow)));
            }
        }
    }

    private readonly struct Operands(float* x, float* output, float* weights, float* bias, int rows, int inputs, int outputs)
    {
        public readonly nint X = (nint)x, Output = (nint)output, Weights = (nint)weights, Bias = (nint)bias;
        public readonly int Rows = rows, Inputs = inputs, Outputs = outputs;
    }

    // Outputs of one panel (48 columns; the last one what is left) for every sample: blocks of 8 samples, a last partial
    // block recomputed as the 8 samples that end the batch (the same values written again), fewer than 8 samples a row at a time.
    private static void WidePanelRows(in Operands m, int panel)
    {
        float* x = (float*)m.X, output = (float*)m.Output, w = (float*)m.Weights, bias = (float*)m.Bias;
        int inputs = m.Inputs, outputs = m.Outputs, rows = m.Rows, j0 = panel * WidePanel, j1 = Math.Min(outputs, j0 + WidePanel);
        if (rows < WideRows)
        {
            for (int r = 0; r < rows; r++) RowSlice(x + (nint)r * inputs, inputs, w, outputs, bias, output + (nint)r * outputs, j0, j1);
            return;
        }
        for (int r0 = 0; r0 < rows; r0 += WideRows)
        {
            int r = Math.Min(r0, rows - WideRows);
            float* xr = x + (nint)r * inputs, c = output + (nint)r * outputs;
            int j = j0;
            if (j1 - j == WidePanel) { Tile8x48(xr, inputs, w + j, outputs, bias + j, c + j); j += WidePanel; }
            if (j1 - j >= 32) { Tile8x32(xr, inputs, w + j, outputs, bias + j, c + j); j += 32; }
            if (j1 - j >= 16) { Tile8x16(xr, inputs, w + j, outputs, bias + j, c + j); j += 16; }
            if (j1 - j >= 8) { Tile8x8(xr, inputs, w + j, outputs, bias + j, c + j); j += 8; }
            if (j < j1)
                for (int q = 0; q < WideRows; q++) RowSlice(xr + (nint)q * inputs, inputs, w, outputs, bias, c + (nint)q * outputs, j, j1);
        }
    }

    // Outputs j0..j1 for every sample in tiles of 4 samples x 4 Vector<float> (where 512-bit vectors do not run natively).
    private static void NarrowTileRows(in Operands m, int j0, int j1)
    {
        float* xs = (float*)m.X, outp = (float*)m.Output, ws = (float*)m.Weights, bias = (float*)m.Bias;
        int inputs = m.Inputs, outputs = m.Outputs, rows = m.Rows;
        if (j0 >= j1) return;
        int r = 0;
        for (; r + RowsPerTile <= rows; r += RowsPerTile)
        {
            float* xr = xs + (nint)r * inputs, c = outp + (nint)r * outputs + j0;
            if (j1 - j0 == Vector<float>.Count * VectorsPerTile) Tile4x4(xr, inputs, ws + j0, outputs, bias + j0, c);
            else for (int q = 0; q < RowsPerTile; q++) RowSlice(xs + (nint)(r + q) * inputs, inputs, ws, outputs, bias, outp + (nint)(r + q) * outputs, j0, j1);
        }
        for (; r < rows; r++) RowSlice(xs + (nint)r * inputs, inputs, ws, outputs, bias, outp + (nint)r * outputs, j0, j1);
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

    // 8 samples x 48 outputs in 24 registers over the whole input loop: 3 weight loads and 8 broadcasts feed 24 multiply-adds.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile8x48(float* x, int inputs, float* w, int stride, float* bias, float* c)
    {
        const int n = 16;
        Vector512<float> b0 = Vector512.Load(bias), b1 = Vector512.Load(bias + n), b2 = Vector512.Load(bias + 2 * n);
        Vector512<float> c00 = b0, c01 = b1, c02 = b2, c10 = b0, c11 = b1, c12 = b2, c20 = b0, c21 = b1, c22 = b2, c30 = b0, c31 = b1, c32 = b2;
        Vector512<float> c40 = b0, c41 = b1, c42 = b2, c50 = b0, c51 = b1, c52 = b2, c60 = b0, c61 = b1, c62 = b2, c70 = b0, c71 = b1, c72 = b2;
        float* x1 = x + inputs, x2 = x1 + inputs, x3 = x2 + inputs, x4 = x3 + inputs, x5 = x4 + inputs, x6 = x5 + inputs, x7 = x6 + inputs;
        float* row = w;
        for (int k = 0; k < inputs; k++, row += stride)
        {
            var w0 = Vector512.Load(row); var w1 = Vector512.Load(row + n); var w2 = Vector512.Load(row + 2 * n);
            var a = Vector512.Create(x[k]); c00 = Vector512.FusedMultiplyAdd(a, w0, c00); c01 = Vector512.FusedMultiplyAdd(a, w1, c01); c02 = Vector512.FusedMultiplyAdd(a, w2, c02);
            a = Vector512.Create(x1[k]); c10 = Vector512.FusedMultiplyAdd(a, w0, c10); c11 = Vector512.FusedMultiplyAdd(a, w1, c11); c12 = Vector512.FusedMultiplyAdd(a, w2, c12);
            a = Vector512.Create(x2[k]); c20 = Vector512.FusedMultiplyAdd(a, w0, c20); c21 = Vector512.FusedMultiplyAdd(a, w1, c21); c22 = Vector512.FusedMultiplyAdd(a, w2, c22);
            a = Vector512.Create(x3[k]); c30 = Vector512.FusedMultiplyAdd(a, w0, c30); c31 = Vector512.FusedMultiplyAdd(a, w1, c31); c32 = Vector512.FusedMultiplyAdd(a, w2, c32);
            a = Vector512.Create(x4[k]); c40 = Vector512.FusedMultiplyAdd(a, w0, c40); c41 = Vector512.FusedMultiplyAdd(a, w1, c41); c42 = Vector512.FusedMultiplyAdd(a, w2, c42);
            a = Vector512.Create(x5[k]); c50 = Vector512.FusedMultiplyAdd(a, w0, c50); c51 = Vector512.FusedMultiplyAdd(a, w1, c51); c52 = Vector512.FusedMultiplyAdd(a, w2, c52);
            a = Vector512.Create(x6[k]); c60 = Vector512.FusedMultiplyAdd(a, w0, c60); c61 = Vector512.FusedMultiplyAdd(a, w1, c61); c62 = Vector512.FusedMultiplyAdd(a, w2, c62);
            a = Vector512.Create(x7[k]); c70 = Vector512.FusedMultiplyAdd(a, w0, c70); c71 = Vector512.FusedMultiplyAdd(a, w1, c71); c72 = Vector512.FusedMultiplyAdd(a, w2, c72);
        }
        c00.Store(c); c01.Store(c + n); c02.Store(c + 2 * n); c += stride;
        c10.Store(c); c11.Store(c + n); c12.Store(c + 2 * n); c += stride;
        c20.Store(c); c21.Store(c + n); c22.Store(c + 2 * n); c += stride;
        c30.Store(c); c31.Store(c + n); c32.Store(c + 2 * n); c += stride;
        c40.Store(c); c41.Store(c + n); c42.Store(c + 2 * n); c += stride;
        c50.Store(c); c51.Store(c + n); c52.Store(c + 2 * n); c += stride;
        c60.Store(c); c61.Store(c + n); c62.Store(c + 2 * n); c += stride;
        c70.Store(c); c71.Store(c + n); c72.Store(c + 2 * n);
    }

    // Tile8x48 for the 32 outputs of a panel's remainder.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile8x32(float* x, int inputs, float* w, int stride, float* bias, float* c)
    {
        const int n = 16;
        Vector512<float> b0 = Vector512.Load(bias), b1 = Vector512.Load(bias + n);
        Vector512<float> c00 = b0, c01 = b1, c10 = b0, c11 = b1, c20 = b0, c21 = b1, c30 = b0, c31 = b1;
        Vector512<float> c40 = b0, c41 = b1, c50 = b0, c51 = b1, c60 = b0, c61 = b1, c70 = b0, c71 = b1;
        float* x1 = x + inputs, x2 = x1 + inputs, x3 = x2 + inputs, x4 = x3 + inputs, x5 = x4 + inputs, x6 = x5 + inputs, x7 = x6 + inputs;
        float* row = w;
        for (int k = 0; k < inputs; k++, row += stride)
        {
            var w0 = Vector512.Load(row); var w1 = Vector512.Load(row + n);
            var a = Vector512.Create(x[k]); c00 = Vector512.FusedMultiplyAdd(a, w0, c00); c01 = Vector512.FusedMultiplyAdd(a, w1, c01);
            a = Vector512.Create(x1[k]); c10 = Vector512.FusedMultiplyAdd(a, w0, c10); c11 = Vector512.FusedMultiplyAdd(a, w1, c11);
            a = Vector512.Create(x2[k]); c20 = Vector512.FusedMultiplyAdd(a, w0, c20); c21 = Vector512.FusedMultiplyAdd(a, w1, c21);
            a = Vector512.Create(x3[k]); c30 = Vector512.FusedMultiplyAdd(a, w0, c30); c31 = Vector512.FusedMultiplyAdd(a, w1, c31);
            a = Vector512.Create(x4[k]); c40 = Vector512.FusedMultiplyAdd(a, w0, c40); c41 = Vector512.FusedMultiplyAdd(a, w1, c41);
            a = Vector512.Create(x5[k]); c50 = Vector512.FusedMultiplyAdd(a, w0, c50); c51 = Vector512.FusedMultiplyAdd(a, w1, c51);
            a = Vector512.Create(x6[k]); c60 = Vector512.FusedMultiplyAdd(a, w0, c60); c61 = Vector512.FusedMultiplyAdd(a, w1, c61);
            a = Vector512.Create(x7[k]); c70 = Vector512.FusedMultiplyAdd(a, w0, c70); c71 = Vector512.FusedMultiplyAdd(a, w1, c71);
        }
        c00.Store(c); c01.Store(c + n); c += stride;
        c10.Store(c); c11.Store(c + n); c += stride;
        c20.Store(c); c21.Store(c + n); c += stride;
        c30.Store(c); c31.Store(c + n); c += stride;
        c40.Store(c); c41.Store(c + n); c += stride;
        c50.Store(c); c51.Store(c + n); c += stride;
        c60.Store(c); c61.Store(c + n); c += stride;
        c70.Store(c); c71.Store(c + n);
    }

    // Tile8x48 for 16 outputs.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile8x16(float* x, int inputs, float* w, int stride, float* bias, float* c)
    {
        var b = Vector512.Load(bias);
        Vector512<float> c0 = b, c1 = b, c2 = b, c3 = b, c4 = b, c5 = b, c6 = b, c7 = b;
        float* x1 = x + inputs, x2 = x1 + inputs, x3 = x2 + inputs, x4 = x3 + inputs, x5 = x4 + inputs, x6 = x5 + inputs, x7 = x6 + inputs;
        float* row = w;
        for (int k = 0; k < inputs; k++, row += stride)
        {
            var w0 = Vector512.Load(row);
            c0 = Vector512.FusedMultiplyAdd(Vector512.Create(x[k]), w0, c0); c1 = Vector512.FusedMultiplyAdd(Vector512.Create(x1[k]), w0, c1);
            c2 = Vector512.FusedMultiplyAdd(Vector512.Create(x2[k]), w0, c2); c3 = Vector512.FusedMultiplyAdd(Vector512.Create(x3[k]), w0, c3);
            c4 = Vector512.FusedMultiplyAdd(Vector512.Create(x4[k]), w0, c4); c5 = Vector512.FusedMultiplyAdd(Vector512.Create(x5[k]), w0, c5);
            c6 = Vector512.FusedMultiplyAdd(Vector512.Create(x6[k]), w0, c6); c7 = Vector512.FusedMultiplyAdd(Vector512.Create(x7[k]), w0, c7);
        }
        c0.Store(c); c1.Store(c + stride); c2.Store(c + 2 * stride); c3.Store(c + 3 * stride);
        c4.Store(c + 4 * stride); c5.Store(c + 5 * stride); c6.Store(c + 6 * stride); c7.Store(c + 7 * stride);
    }

    // Tile8x48 for 8 outputs, in 256-bit vectors.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile8x8(float* x, int inputs, float* w, int stride, float* bias, float* c)
    {
        var b = Vector256.Load(bias);
        Vector256<float> c0 = b, c1 = b, c2 = b, c3 = b, c4 = b, c5 = b, c6 = b, c7 = b;
        float* x1 = x + inputs, x2 = x1 + inputs, x3 = x2 + inputs, x4 = x3 + inputs, x5 = x4 + inputs, x6 = x5 + inputs, x7 = x6 + inputs;
        float* row = w;
        for (int k = 0; k < inputs; k++, row += stride)
        {
            var w0 = Vector256.Load(row);
            c0 = Vector256.FusedMultiplyAdd(Vector256.Create(x[k]), w0, c0); c1 = Vector256.FusedMultiplyAdd(Vector256.Create(x1[k]), w0, c1);
            c2 = Vector256.FusedMultiplyAdd(Vector256.Create(x2[k]), w0, c2); c3 = Vector256.FusedMultiplyAdd(Vector256.Create(x3[k]), w0, c3);
            c4 = Vector256.FusedMultiplyAdd(Vector256.Create(x4[k]), w0, c4); c5 = Vector256.FusedMultiplyAdd(Vector256.Create(x5[k]), w0, c5);
            c6 = Vector256.FusedMultiplyAdd(Vector256.Create(x6[k]), w0, c6); c7 = Vector256.FusedMultiplyAdd(Vector256.Create(x7[k]), w0, c7);
        }
        c0.Store(c); c1.Store(c + stride); c2.Store(c + 2 * stride); c3.Store(c + 3 * stride);
        c4.Store(c + 4 * stride); c5.Store(c + 5 * stride); c6.Store(c + 6 * stride); c7.Store(c + 7 * stride);
    }

    // One sample, outputs j0..j1: same accumulation order as the tiles (bias, then inputs in order); 16 outputs at a time
    // in a 512-bit register where those run natively.
    private static void RowSlice(float* x, int inputs, float* w, int stride, float* bias, float* c, int j0, int j1)
    {
        int j = j0;
        if (Vector512.IsHardwareAccelerated)
            for (; j + 16 <= j1; j += 16)
            {
                var sum = Vector512.Load(bias + j);
                float* row = w + j;
                for (int k = 0; k < inputs; k++, row += stride) sum = Vector512.FusedMultiplyAdd(Vector512.Create(x[k]), Vector512.Load(row), sum);
                sum.Store(c + j);
            }
        for (int q = j; q < j1; q++) c[q] = bias[q];
        for (int k = 0; k < inputs; k++)
        {
            float a = x[k];
            float* row = w + (nint)k * stride;
            for (int q = j; q < j1; q++) c[q] = MathF.FusedMultiplyAdd(a, row[q], c[q]);
        }
    }
}
