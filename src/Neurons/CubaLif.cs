using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace SpikeLfp.Neurons;

/// <summary>
/// The synaptic-current half of the current-based LIF neuron (its membrane half is <see cref="Lif.Step(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, Span{float}, in LifParameters)"/>).
/// Pure and allocation-free.
/// </summary>
public static class CubaLif
{
    /// <summary>
    /// i_t = alpha i_{t-1} + z_t, from <paramref name="previous"/> (empty: at rest, i = 0) into
    /// <paramref name="synaptic"/> (which may be <paramref name="previous"/> itself).
    /// </summary>
    public static void Integrate(ReadOnlySpan<float> input, ReadOnlySpan<float> previous, Span<float> synaptic, float alpha)
    {
        int n = synaptic.Length;
        if (input.Length != n || (!previous.IsEmpty && previous.Length != n))
            throw new ArgumentException("input, previous and synaptic must have the same length.");
        if (previous.IsEmpty) { input.CopyTo(synaptic); return; }
        ref float zr = ref MemoryMarshal.GetReference(input);
        ref float pr = ref MemoryMarshal.GetReference(previous);
        ref float ir = ref MemoryMarshal.GetReference(synaptic);
        var vAlpha = new Vector<float>(alpha);
        int i = 0, w = Vector<float>.Count;
        for (; i <= n - w; i += w)
            (vAlpha * Vector.LoadUnsafe(ref pr, (nuint)i) + Vector.LoadUnsafe(ref zr, (nuint)i)).StoreUnsafe(ref ir, (nuint)i);
        for (; i < n; i++) Unsafe.Add(ref ir, i) = alpha * Unsafe.Add(ref pr, i) + Unsafe.Add(ref zr, i);
    }
}
