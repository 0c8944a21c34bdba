using ILGPU;

namespace SpikeLfp.Gpu.Kernels;

/// <summary>
/// The optimizer step on the device, grad = -feedback (LFP.md, "One training step"): global-norm clipping as
/// GradientClipping.ClipGlobalNorm, then SGD with momentum or Adam as the host optimizers compute them.
/// </summary>
internal static class OptimizerKernels
{
    /// <summary>Chunk of a gradient summed by one thread of <see cref="SquaredSums"/>.</summary>
    public const int Chunk = 4096;

    /// <summary>partials[offset + c] = sum of g^2 over chunk c of <paramref name="feedback"/>, in double (thread = chunk).</summary>
    public static void SquaredSums(Index1D c, ArrayView<float> feedback, ArrayView<double> partials, int length, int offset)
    {
        int start = c.X * Chunk, end = start + Chunk < length ? start + Chunk : length;
        double sum = 0;
        for (int k = start; k < end; k++) { double g = feedback[k]; sum += g * g; }
        partials[offset + c.X] = sum;
    }

    /// <summary>
    /// One thread: the global norm from the partial sums (in order) and the clipping coefficient
    /// max_norm / (norm + 1e-6) when below 1 (1 otherwise, and when <paramref name="maxNorm"/> is 0 or the norm not finite).
    /// Writes norm to state[0] and the coefficient to state[1].
    /// </summary>
    public static void ClipCoefficient(Index1D index, ArrayView<double> partials, ArrayView<double> state, int count, double maxNorm)
    {
        double sum = 0;
        for (int k = 0; k < count; k++) sum += partials[k];
        double norm = Math.Sqrt(sum);
        double coefficient = maxNorm > 0 && !double.IsNaN(norm) && !double.IsInfinity(norm) ? maxNorm / (norm + Learning.Optimizers.GradientClipping.NormEpsilon) : 1.0;
        state[0] = norm;
        state[1] = coefficient < 1 ? coefficient : 1.0;
    }

    /// <summary>
    /// SGD with momentum (PyTorch, dampening 0): g = -feedback * clip; v = first ? g : momentum v + g; p -= lr v
    /// (p += -lr v with a fused multiply-add, as VectorMath.AddScaled).
    /// </summary>
    public static void Sgd<TMath>(Index1D i, ArrayView<float> parameters, ArrayView<float> feedback, ArrayView<float> velocity,
        ArrayView<double> state, float learningRate, float momentum, int first) where TMath : struct, IMultiplyAdd
    {
        float g = Gradient(feedback[i], state);
        float v = momentum == 0f ? g : first != 0 ? g : momentum * velocity[i] + g;
        velocity[i] = v;
        parameters[i] = default(TMath).Apply(-learningRate, v, parameters[i]);
    }

    /// <summary>Adam (PyTorch): m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2; p -= (lr / c1) m / (sqrt(v) / sqrt(c2) + eps).</summary>
    public static void Adam(Index1D i, ArrayView<float> parameters, ArrayView<float> feedback, ArrayView<float> m, ArrayView<float> v,
        ArrayView<double> state, float stepSize, float sqrtC2, float beta1, float beta2, float epsilon)
    {
        float g = Gradient(feedback[i], state);
        float mi = beta1 * m[i] + (1f - beta1) * g;
        float vi = beta2 * v[i] + (1f - beta2) * g * g;
        m[i] = mi;
        v[i] = vi;
        parameters[i] -= stepSize * mi / (MathF.Sqrt(vi) / sqrtC2 + epsilon);
    }

    // grad = -feedback, then scaled by the clipping coefficient in float, as GradientClipping does.
    private static float Gradient(float feedback, ArrayView<double> state)
    {
        float g = -feedback;
        double c = state[1];
        return c < 1 ? g * (float)c : g;
    }
}
