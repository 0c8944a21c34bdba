using SpikeLfp.Network.Synapses;

namespace SpikeLfp.Learning.Lfp.Synapses;

/// <summary>
/// LFP's weight feedback of a dense layer with an analog input, as two passes over whole matrices: the outer
/// product x^T rho accumulated over only the neurons that received reward, then the transpose into the weights'
/// input-major layout with LFP's |W| factor applied on the way.
/// </summary>
public static unsafe class DenseFeedbackMath
{
    /// <summary>
    /// Sparse outer-product accumulation in output-major order: transposed[j, :] = sum over samples b with
    /// r = rho[b, j] != 0 of r x[b, :]. Cost grows with the neurons that received reward. Each row is built in
    /// cache, its samples added in order, and rows are shared out between threads.
    /// </summary>
    public static void AccumulateSparseOuterTransposed(ReadOnlySpan<float> x, ReadOnlySpan<float> rho, int rows, int inputs, int outputs, Span<float> transposed, ParallelOptions parallel)
    {
        if (x.Length < rows * inputs || rho.Length < rows * outputs || transposed.Length < inputs * outputs)
            throw new ArgumentException("x, rho or the target is smaller than its shape.");
        fixed (float* xp = x, rp = rho, tp = transposed)
        {
            nint xa = (nint)xp, ra = (nint)rp, ta = (nint)tp;
            int blocks = Math.Min(outputs, Math.Max(1, parallel.MaxDegreeOfParallelism) * 8);
            Parallel.For(0, blocks, parallel, block =>
            {
                int j0 = (int)((long)outputs * block / blocks), j1 = (int)((long)outputs * (block + 1) / blocks);
                float* xs = (float*)xa, rs = (float*)ra;
                for (int j = j0; j < j1; j++)
                {
                    var row = new Span<float>((float*)ta + (nint)j * inputs, inputs);
                    row.Clear();
                    for (int b = 0; b < rows; b++)
                    {
                        float r = rs[(nint)b * outputs + j];
                        if (r != 0f) VectorMath.AddScaled(r, new ReadOnlySpan<float>(xs + (nint)b * inputs, inputs), row);
                    }
                }
            });
        }
    }

    /// <summary>
    /// target[i, j] = transposed[j, i] |w[i, j]| for an input-major target: turns output-major feedback into the
    /// weights' layout and applies LFP's |W| factor in one pass. Eight neurons at a time: eight strided reads
    /// (each cache line is reused by the following inputs) become one contiguous vector store.
    /// </summary>
    public static void TransposeScaledByMagnitude(ReadOnlySpan<float> transposed, ReadOnlySpan<float> weights, int inputs, int outputs, Span<float> target, ParallelOptions parallel)
    {
        if (transposed.Length < inputs * outputs || weights.Length < inputs * outputs || target.Length < inputs * outputs)
            throw new ArgumentException("an array is smaller than inputs x outputs.");
        const int group = 8;
        fixed (float* tp = transposed, wp = weights, gp = target)
        {
            nint ta = (nint)tp, wa = (nint)wp, ga = (nint)gp;
            int groups = (outputs + group - 1) / group;
            Parallel.For(0, Math.Max(1, parallel.MaxDegreeOfParallelism) * 4, parallel, part =>
            {
                int parts = Math.Max(1, parallel.MaxDegreeOfParallelism) * 4;
                float* t = (float*)ta, w = (float*)wa, g = (float*)ga;
                for (int jg = part; jg < groups; jg += parts)
                {
                    int j0 = jg * group;
                    if (j0 + group <= outputs)
                    {
                        float* c0 = t + (nint)j0 * inputs;
                        for (int i = 0; i < inputs; i++)
                        {
                            var column = System.Runtime.Intrinsics.Vector256.Create(
                                c0[i], c0[inputs + i], c0[2 * inputs + i], c0[3 * inputs + i],
                                c0[4 * inputs + i], c0[5 * inputs + i], c0[6 * inputs + i], c0[7 * inputs + i]);
                            nint at = (nint)i * outputs + j0;
                            var magnitude = System.Runtime.Intrinsics.Vector256.Abs(System.Runtime.Intrinsics.Vector256.Load(w + at));
                            System.Runtime.Intrinsics.Vector256.Store(column * magnitude, g + at);
                        }
                    }
                    else
                        for (int i = 0; i < inputs; i++)
                            for (int j = j0; j < outputs; j++)
                                g[(nint)i * outputs + j] = t[(nint)j * inputs + i] * MathF.Abs(w[(nint)i * outputs + j]);
                }
            });
        }
    }
}
