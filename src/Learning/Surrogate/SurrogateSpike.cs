using TorchSharp;
using static TorchSharp.torch;

namespace SpikeLfp.Learning.Surrogate;

/// <summary>The spike nonlinearity with a surrogate backward pass, built from stock autograd ops.</summary>
public static class SurrogateSpike
{
    /// <summary>
    /// s = H(v) forward (1 where v &gt; 0, strictly) and ds/dv = sg(v) backward, with v = u - thr.
    /// Straight-through construction: s = H(v).detach() + (v - v.detach()) * sg(v).detach().
    /// The second term is exactly 0 in the forward pass (x - x = 0 in IEEE arithmetic, sg finite), and
    /// its derivative with respect to v is exactly sg(v), so the gradient equals snntorch's
    /// <c>grad_output * sg(v)</c> without a custom autograd function (no managed callbacks inside
    /// libtorch's backward).
    /// </summary>
    /// <param name="v">Membrane minus threshold.</param>
    /// <param name="surrogate">Which derivative the backward pass uses.</param>
    public static Tensor Apply(Tensor v, SurrogateSpec surrogate)
    {
        ArgumentNullException.ThrowIfNull(v);
        ArgumentNullException.ThrowIfNull(surrogate);
        using var heaviside = v.gt(0).to_type(v.dtype);
        using var detached = v.detach();
        using var derivative = Derivative(detached, surrogate);
        using var delta = v - detached;
        using var straightThrough = delta * derivative;
        return heaviside + straightThrough;
    }

    /// <summary>The surrogate derivative sg(v) evaluated elementwise (no autograd graph).</summary>
    /// <param name="v">Membrane minus threshold.</param>
    /// <param name="surrogate">Which derivative.</param>
    public static Tensor Derivative(Tensor v, SurrogateSpec surrogate)
    {
        ArgumentNullException.ThrowIfNull(v);
        ArgumentNullException.ThrowIfNull(surrogate);
        using var _ = no_grad();
        switch (surrogate.Kind)
        {
            case SurrogateKind.Atan:
            {
                // Same operation order as snntorch ATan.backward: alpha/2 / (1 + (pi/2 * alpha * v)^2).
                using var scaled = v * (Math.PI / 2 * surrogate.Alpha);
                using var squared = scaled.pow(2);
                using var denominator = squared + 1.0;
                return (surrogate.Alpha / 2).ToScalar() / denominator;
            }
            case SurrogateKind.FastSigmoid:
            {
                // snntorch FastSigmoid.backward: 1 / (slope * |v| + 1)^2.
                using var magnitude = v.abs();
                using var scaled = magnitude * surrogate.Slope;
                using var shifted = scaled + 1.0;
                using var squared = shifted.pow(2);
                return 1.0.ToScalar() / squared;
            }
            case SurrogateKind.Triangle:
            {
                using var magnitude = v.abs();
                using var falling = 1.0 - magnitude;
                return falling.clamp_min(0.0);
            }
            case SurrogateKind.Step:
                return zeros_like(v);
            default:
                throw new ArgumentOutOfRangeException(nameof(surrogate), surrogate.Kind, "Unknown surrogate kind.");
        }
    }
}
