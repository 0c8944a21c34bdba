using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace SpikeLfp.Network.Synapses;

/// <summary>Dense kernels for analog-input layers.</summary>
public static class DenseMath
{
    /// <summary>
    /// output[b, :] = bias + x[b, :] W for <paramref name="rows"/> samples (W input-major), parallel over
    /// blocks of samples. Each block of four samples shares every load of a weight row, which is what makes
    /// this memory-bound product fast; zero inputs are skipped.
    /// </summary>
    public static void AffineRows(ReadOnlySpan<float> x, int rows, int inputs, DenseSynapses synapses, Span<float> output, ParallelOptions parallel)
    {
        int outputs = synapses.Outputs;
        if (x.Length < rows * inputs || output.Length < rows * outputs)
            throw new ArgumentException("x or output is smaller than rows x size.");
        var xs = x[..(rows * inputs)].ToArray(); // lambdas cannot capture spans; one copy per batch, not per step
        var weights = synapses.Weights;
        var bias = synapses.Bias;
        var result = new float[rows * outputs];
        int blocks = (rows + 3) / 4;
        Parallel.For(0, blocks, parallel, block =>
        {
            int r0 = block * 4, count = Math.Min(4, rows - r0);
            for (int r = 0; r < count; r++) bias.CopyTo(result.AsSpan((r0 + r) * outputs, outputs));
            if (count == 4) AffineBlockOf4(xs, r0, inputs, weights, outputs, result);
            else
                for (int r = r0; r < r0 + count; r++)
                    SynapseKernels.DeliverAnalog(xs.AsSpan(r * inputs, inputs), weights, outputs, result.AsSpan(r * outputs, outputs));
        });
        result.CopyTo(output);
    }

    private static void AffineBlockOf4(float[] x, int r0, int inputs, float[] weights, int outputs, float[] result)
    {
        ref float c0 = ref result[r0 * outputs];
        ref float c1 = ref Unsafe.Add(ref c0, outputs);
        ref float c2 = ref Unsafe.Add(ref c1, outputs);
        ref float c3 = ref Unsafe.Add(ref c2, outputs);
        int w = Vector<float>.Count;
        for (int i = 0; i < inputs; i++)
        {
            float a0 = x[r0 * inputs + i], a1 = x[(r0 + 1) * inputs + i], a2 = x[(r0 + 2) * inputs + i], a3 = x[(r0 + 3) * inputs + i];
            if (a0 == 0f && a1 == 0f && a2 == 0f && a3 == 0f) continue;
            ref float row = ref weights[i * outputs];
            var v0 = new Vector<float>(a0); var v1 = new Vector<float>(a1);
            var v2 = new Vector<float>(a2); var v3 = new Vector<float>(a3);
            int j = 0;
            for (; j <= outputs - w; j += w)
            {
                var wv = Vector.LoadUnsafe(ref row, (nuint)j);
                Vector.FusedMultiplyAdd(v0, wv, Vector.LoadUnsafe(ref c0, (nuint)j)).StoreUnsafe(ref c0, (nuint)j);
                Vector.FusedMultiplyAdd(v1, wv, Vector.LoadUnsafe(ref c1, (nuint)j)).StoreUnsafe(ref c1, (nuint)j);
                Vector.FusedMultiplyAdd(v2, wv, Vector.LoadUnsafe(ref c2, (nuint)j)).StoreUnsafe(ref c2, (nuint)j);
                Vector.FusedMultiplyAdd(v3, wv, Vector.LoadUnsafe(ref c3, (nuint)j)).StoreUnsafe(ref c3, (nuint)j);
            }
            for (; j < outputs; j++)
            {
                float wj = Unsafe.Add(ref row, j);
                Unsafe.Add(ref c0, j) = MathF.FusedMultiplyAdd(a0, wj, Unsafe.Add(ref c0, j));
                Unsafe.Add(ref c1, j) = MathF.FusedMultiplyAdd(a1, wj, Unsafe.Add(ref c1, j));
                Unsafe.Add(ref c2, j) = MathF.FusedMultiplyAdd(a2, wj, Unsafe.Add(ref c2, j));
                Unsafe.Add(ref c3, j) = MathF.FusedMultiplyAdd(a3, wj, Unsafe.Add(ref c3, j));
            }
        }
    }
}
