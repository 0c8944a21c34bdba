using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace SpikeLfp.Neurons;

/// <summary>
/// The pure, allocation-free step of the LIF neuron with exponential current receptors
/// (<see cref="ReceptorLifParameters"/>): exact propagation of v and every g_k over one step, v held while refractory,
/// threshold and reset. State lives with the caller (<see cref="ReceptorLifPopulation"/>, or a test).
/// The hot methods of the population simulation are compiled fully optimized at once: a 1 s CUBA run calls them only
/// 10,000 times, and the JIT's unoptimized first tier cost three times the optimized run's CPU time (N = 4,000).
/// </summary>
public static class ReceptorLif
{
    /// <summary>
    /// Advances neurons by one step in place. <paramref name="depolarization"/> holds w = v - E_l (mV), <paramref name="refractory"/>
    /// the steps each neuron still holds v (0: integrating), <paramref name="currents"/> the receptor currents g_k of
    /// neuron i at [k * <paramref name="receptorStride"/> + i] (so a range of a bigger population is a slice). The
    /// indices (0-based within this range, ascending) of the neurons that fire are written to <paramref name="spiked"/>;
    /// returns how many.
    /// </summary>
    /// <remarks>
    /// Per neuron: u = w e^{-dt/tau_m} + P_0 g_0 + P_1 g_1 + ... with the currents of the step's start,
    /// then g_k *= e^{-dt/tau_k}. A refractory neuron keeps w and counts down; otherwise w = u, and u &gt; V_t - E_l fires:
    /// w = V_r - E_l, refractory = <see cref="ReceptorLifPropagator.RefractorySteps"/>. The SIMD body and the scalar tail do
    /// the same operations in the same order (no fused multiply-add), so results do not depend on the vector width.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int Step(Span<float> depolarization, Span<int> refractory, Span<float> currents, int receptorStride,
        ReceptorLifPropagator p, Span<int> spiked)
    {
        int n = depolarization.Length, receptors = p.Receptors;
        if (refractory.Length != n || spiked.Length < n)
            throw new ArgumentException("refractory must match the membrane, and spiked must have room for every neuron.");
        if (receptorStride < n || currents.Length < (receptors - 1) * receptorStride + n)
            throw new ArgumentException($"currents must hold {receptors} receptors of {n} neurons at stride {receptorStride}.");
        ref float vr = ref MemoryMarshal.GetReference(depolarization);
        ref int rr = ref MemoryMarshal.GetReference(refractory);
        ref float gr = ref MemoryMarshal.GetReference(currents);
        float[] decay = p.CurrentDecay, toMembrane = p.CurrentToMembrane;
        float a = p.MembraneDecay, reset = p.ResetAboveRest, threshold = p.ThresholdAboveRest;
        int refractorySteps = p.RefractorySteps, count = 0, i = 0, w = Vector<float>.Count;

        var vA = new Vector<float>(a);
        var vReset = new Vector<float>(reset);
        var vThreshold = new Vector<float>(threshold);
        var vRefractory = new Vector<int>(refractorySteps);
        for (; i <= n - w; i += w)
        {
            var v = Vector.LoadUnsafe(ref vr, (nuint)i);
            var u = v * vA;
            for (int k = 0; k < receptors; k++)
            {
                ref float gk = ref Unsafe.Add(ref gr, k * receptorStride + i);
                var g = Vector.LoadUnsafe(ref gk);
                u += g * new Vector<float>(toMembrane[k]);
                (g * new Vector<float>(decay[k])).StoreUnsafe(ref gk);
            }
            var left = Vector.LoadUnsafe(ref rr, (nuint)i);
            var held = Vector.GreaterThan(left, Vector<int>.Zero);
            var fired = Vector.AndNot(Vector.GreaterThan(u, vThreshold), held);
            v = Vector.ConditionalSelect(held, v, u);
            left = Vector.ConditionalSelect(held, left - Vector<int>.One, Vector<int>.Zero);
            if (fired != Vector<int>.Zero)
            {
                v = Vector.ConditionalSelect(fired, vReset, v);
                left = Vector.ConditionalSelect(fired, vRefractory, left);
                for (int j = 0; j < w; j++)
                    if (fired[j] != 0) spiked[count++] = i + j;
            }
            v.StoreUnsafe(ref vr, (nuint)i);
            left.StoreUnsafe(ref rr, (nuint)i);
        }
        for (; i < n; i++)
        {
            float v = Unsafe.Add(ref vr, i);
            float u = v * a;
            for (int k = 0; k < receptors; k++)
            {
                ref float g = ref Unsafe.Add(ref gr, k * receptorStride + i);
                u += g * toMembrane[k];
                g *= decay[k];
            }
            ref int left = ref Unsafe.Add(ref rr, i);
            if (left > 0) { left--; continue; }
            if (u > threshold)
            {
                u = reset;
                left = refractorySteps;
                spiked[count++] = i;
            }
            Unsafe.Add(ref vr, i) = u;
        }
        return count;
    }
}
