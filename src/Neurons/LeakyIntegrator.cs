using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace SpikeLfp.Neurons;

/// <summary>
/// The leaky integrator x_t = decay x_{t-1} + z_t, pure and allocation-free: the synaptic current of the
/// current-based LIF neuron (decay alpha) and the membrane of the non-spiking LI readout (decay beta).
/// </summary>
public static class LeakyIntegrator
{
    /// <summary>
    /// x_t = decay x_{t-1} + z_t, from <paramref name="previous"/> (empty: at rest, x = 0) into
    /// <paramref name="state"/> (which may be <paramref name="previous"/> itself).
    /// </summary>
    public static void Integrate(ReadOnlySpan<float> input, ReadOnlySpan<float> previous, Span<float> state, float decay)
    {
        int n = state.Length;
        if (input.Length != n || (!previous.IsEmpty && previous.Length != n))
            throw new ArgumentException("input, previous and state must have the same length.");
        if (previous.IsEmpty) { input.CopyTo(state); return; }
        ref float zr = ref MemoryMarshal.GetReference(input);
        ref float pr = ref MemoryMarshal.GetReference(previous);
        ref float xr = ref MemoryMarshal.GetReference(state);
        var vDecay = new Vector<float>(decay);
        int i = 0, w = Vector<float>.Count;
        for (; i <= n - w; i += w)
            (vDecay * Vector.LoadUnsafe(ref pr, (nuint)i) + Vector.LoadUnsafe(ref zr, (nuint)i)).StoreUnsafe(ref xr, (nuint)i);
        for (; i < n; i++) Unsafe.Add(ref xr, i) = decay * Unsafe.Add(ref pr, i) + Unsafe.Add(ref zr, i);
    }
}
