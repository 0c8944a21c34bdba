using TorchSharp;
using static TorchSharp.torch;

namespace SpikeLfp.Learning.Surrogate;

/// <summary>
/// The numbers the dense LFP passes to libtorch, each made into a <see cref="Scalar"/> once and kept until disposal.
/// TorchSharp 0.107 turns a number operand (<c>t * 0.9f</c>, and the alpha = 1 of <c>a + b</c>, <c>add_</c>,
/// <c>addcmul_</c>) into a Scalar it drops as soon as its handle is read, so the garbage collector can finalize it
/// while libtorch still reads it: a use-after-free, seen once in CI as "Expected false to be true" in
/// Scalar::toDouble. Held here, no operand is finalized under a native call, and none is created per operation
/// (holding each in a <c>using</c> per call made the bench's dense baseline 1.5-2.5x slower). The alphas come from
/// <see cref="TorchArithmetic"/>, which holds them for the process; this class holds the other numbers for its owner's
/// lifetime.
/// </summary>
internal sealed class HeldScalars : IDisposable
{
    private readonly Dictionary<float, Scalar> _held = [];

    /// <summary>The Scalar for <paramref name="value"/>, made on first use.</summary>
    public Scalar this[float value]
    {
        get
        {
            if (!_held.TryGetValue(value, out var scalar)) _held[value] = scalar = value.ToScalar();
            return scalar;
        }
    }

    /// <summary>a + b.</summary>
    public Tensor Plus(Tensor a, Tensor b) => TorchArithmetic.Plus(a, b);

    /// <summary>a + b for a number b.</summary>
    public Tensor Plus(Tensor a, float b) => TorchArithmetic.Plus(a, this[b]);

    /// <summary>target += x, in place; returns target.</summary>
    public Tensor AddInPlace(Tensor target, Tensor x) => TorchArithmetic.AddInPlace(target, x);

    /// <summary>target += a (.) b, in place.</summary>
    public Tensor AddProductInPlace(Tensor target, Tensor a, Tensor b) => TorchArithmetic.AddProductInPlace(target, a, b);

    /// <summary>Frees every held Scalar.</summary>
    public void Dispose()
    {
        foreach (var scalar in _held.Values) scalar.Dispose();
        _held.Clear();
    }
}
