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
        using var zero = 0.ToScalar();
        using var heaviside = v.gt(zero).to_type(v.dtype);
        using var detached = v.detach();
        using var derivative = Derivative(detached, surrogate);
        using var delta = TorchArithmetic.Minus(v, detached);
        using var straightThrough = delta * derivative;
        return TorchArithmetic.Plus(heaviside, straightThrough);
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
                using var slope = (Math.PI / 2 * surrogate.Alpha).ToScalar();
                using var two = 2.ToScalar();
                using var one = 1.0.ToScalar();
                using var height = (surrogate.Alpha / 2).ToScalar();
                using var scaled = v * slope;
                using var squared = scaled.pow(two);
                using var denominator = TorchArithmetic.Plus(squared, one);
                return height / denominator;
            }
            case SurrogateKind.FastSigmoid:
            {
                // snntorch FastSigmoid.backward: 1 / (slope * |v| + 1)^2.
                using var magnitude = v.abs();
                using var slope = surrogate.Slope.ToScalar();
                using var two = 2.ToScalar();
                using var one = 1.0.ToScalar();
                using var scaled = magnitude * slope;
                using var shifted = TorchArithmetic.Plus(scaled, one);
                using var squared = shifted.pow(two);
                return one / squared;
            }
            case SurrogateKind.Triangle:
            {
                using var magnitude = v.abs();
                using var one = 1.0.ToScalar();
                using var zero = 0.0.ToScalar();
                using var falling = TorchArithmetic.Minus(one, magnitude);
                return falling.clamp_min(zero);
            }
            case SurrogateKind.Step:
                return zeros_like(v);
            default:
                throw new ArgumentOutOfRangeException(nameof(surrogate), surrogate.Kind, "Unknown surrogate kind.");
        }
    }
}
