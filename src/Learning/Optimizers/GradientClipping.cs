using SpikeLfp.Network.Synapses;

namespace SpikeLfp.Learning.Optimizers;

/// <summary>Global L2-norm clipping, as torch.nn.utils.clip_grad_norm_.</summary>
public static class GradientClipping
{
    /// <summary>Added to the norm in max_norm / (norm + eps), as clip_grad_norm_ does (also used by the device kernel).</summary>
    public const double NormEpsilon = 1e-6;

    /// <summary>
    /// Scales all gradients by max_norm / (norm + 1e-6) when their joint L2 norm exceeds
    /// <paramref name="maxNorm"/>; returns the norm before clipping. A NaN or infinite norm is returned as is.
    /// </summary>
    public static double ClipGlobalNorm(IReadOnlyList<float[]> gradients, double maxNorm)
    {
        double sum = 0;
        foreach (var g in gradients) sum += VectorMath.SumOfSquares(g);
        double norm = Math.Sqrt(sum);
        if (!double.IsFinite(norm)) return norm;
        double coefficient = maxNorm / (norm + NormEpsilon);
        if (coefficient < 1)
        {
            foreach (var g in gradients) VectorMath.Scale((float)coefficient, g);
        }
        return norm;
    }

    /// <summary>
    /// The factor clip_grad_norm_ would scale the gradients by (1 when their joint L2 norm is within
    /// <paramref name="maxNorm"/>), without touching them; <paramref name="norm"/> receives the norm (NaN or
    /// infinity when a gradient is not finite). With <paramref name="parallel"/>, large gradients are summed on several
    /// threads, to the same result.
    /// </summary>
    public static float Coefficient(IReadOnlyList<float[]> gradients, double maxNorm, out double norm, ParallelOptions? parallel = null)
    {
        double sum = 0;
        foreach (var g in gradients) sum += parallel is null ? VectorMath.SumOfSquares(g) : VectorMath.SumOfSquares(g, parallel);
        norm = Math.Sqrt(sum);
        if (!double.IsFinite(norm) || maxNorm <= 0) return 1f;
        double coefficient = maxNorm / (norm + NormEpsilon);
        return coefficient < 1 ? (float)coefficient : 1f;
    }
}
