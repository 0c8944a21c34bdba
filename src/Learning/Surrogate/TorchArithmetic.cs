using TorchSharp;
using static TorchSharp.torch;

namespace SpikeLfp.Learning.Surrogate;

/// <summary>
/// Addition and subtraction of tensors with an explicit alpha. TorchSharp 0.107's <c>+</c> and <c>-</c> (and
/// <c>add(t)</c>, <c>sub(t)</c>) create the alpha = 1 Scalar implicitly and drop it once its handle is read, so the
/// garbage collector can finalize it while libtorch still reads it: a use-after-free that surfaced as "Unknown scalar
/// type" after minutes of training. Every per-step operation of the surrogate goes through here instead, and so do the
/// bench's dense LFP baseline's (through <see cref="HeldScalars"/>, which keeps its other number operands alive).
/// </summary>
internal static class TorchArithmetic
{
    // Live for the process; integral, as TorchSharp's own overloads pass them. ATen computes a - b as
    // add(a, b, alpha = -1) itself, so Minus gives the same bits as the operator.
    private static readonly Scalar One = 1.ToScalar();
    private static readonly Scalar MinusOne = (-1).ToScalar();

    /// <summary>a + b.</summary>
    public static Tensor Plus(Tensor a, Tensor b) => a.add(b, One);

    /// <summary>a - b.</summary>
    public static Tensor Minus(Tensor a, Tensor b) => a.add(b, MinusOne);

    /// <summary>a + b for a scalar b (the caller keeps b alive, for example with <c>using</c>).</summary>
    public static Tensor Plus(Tensor a, Scalar b) => a.add(b, One);

    /// <summary>a - b for a scalar b (the caller keeps b alive).</summary>
    public static Tensor Minus(Tensor a, Scalar b) => a.add(b, MinusOne);

    /// <summary>target += x, in place; returns target.</summary>
    public static Tensor AddInPlace(Tensor target, Tensor x) => target.add_(x, One);

    /// <summary>target += a (.) b, in place; returns target.</summary>
    public static Tensor AddProductInPlace(Tensor target, Tensor a, Tensor b) => target.addcmul_(a, b, One);

    /// <summary>b - a for a scalar b: -(a - b).</summary>
    public static Tensor Minus(Scalar b, Tensor a)
    {
        using var difference = Minus(a, b);
        return difference.neg();
    }
}
