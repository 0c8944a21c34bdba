using ILGPU;
using SpikeLfp.Neurons;

namespace SpikeLfp.Gpu.Kernels;

/// <summary>
/// A <see cref="ReceptorLifPropagator"/> as a kernel argument (blittable: receptors as fixed fields, up to
/// <see cref="MaxReceptors"/>; unused ones have decay 0 and weight 0).
/// </summary>
internal readonly record struct DeviceReceptorLif(float MembraneDecay, float ResetAboveRest, float ThresholdAboveRest, int RefractorySteps, int Receptors,
    float Decay0, float Decay1, float Decay2, float Decay3, float ToMembrane0, float ToMembrane1, float ToMembrane2, float ToMembrane3)
{
    /// <summary>Receptor types a device population can have.</summary>
    public const int MaxReceptors = 4;

    /// <summary>The device form of <paramref name="p"/>.</summary>
    /// <exception cref="NotSupportedException">More than <see cref="MaxReceptors"/> receptors.</exception>
    public static DeviceReceptorLif From(ReceptorLifPropagator p)
    {
        if (p.Receptors > MaxReceptors) throw new NotSupportedException($"the GPU kernel supports at most {MaxReceptors} receptors, got {p.Receptors}.");
        float D(int k) => k < p.Receptors ? p.CurrentDecay[k] : 0f;
        float P(int k) => k < p.Receptors ? p.CurrentToMembrane[k] : 0f;
        return new(p.MembraneDecay, p.ResetAboveRest, p.ThresholdAboveRest, p.RefractorySteps, p.Receptors, D(0), D(1), D(2), D(3), P(0), P(1), P(2), P(3));
    }

    /// <summary>e^{-dt/tau_k} of receptor <paramref name="k"/>.</summary>
    public float Decay(int k) => k == 0 ? Decay0 : k == 1 ? Decay1 : k == 2 ? Decay2 : Decay3;

    /// <summary>P_k of receptor <paramref name="k"/>.</summary>
    public float ToMembrane(int k) => k == 0 ? ToMembrane0 : k == 1 ? ToMembrane1 : k == 2 ? ToMembrane2 : ToMembrane3;
}

/// <summary>
/// Device kernels of the population network (NetworkSimulation on the host): the neuron update, one thread per
/// neuron, and event-driven delivery, one thread per source neuron that walks its CSR row only when it fired.
/// </summary>
internal static class PopulationKernels
{
    /// <summary>
    /// One step of neuron i, ReceptorLif.Step written out with the CPU's operations in the CPU's order. Writes
    /// fired[i] (0/1) and, for a spike, appends (step, offset + i) to the spike log (slot from an atomic counter;
    /// the host orders the log). <paramref name="currents"/> is [receptor, neuron], <paramref name="size"/> neurons per receptor.
    /// </summary>
    public static void ReceptorLifStep(Index1D i, ArrayView<float> depolarization, ArrayView<int> refractory, ArrayView<float> currents,
        ArrayView<int> fired, ArrayView<int> logCount, ArrayView<int> logSteps, ArrayView<int> logNeurons, int size, int step, int offset, DeviceReceptorLif p)
    {
        float u = depolarization[i] * p.MembraneDecay;
        for (int k = 0; k < p.Receptors; k++)
        {
            long at = (long)k * size + i;
            float g = currents[at];
            u += g * p.ToMembrane(k);
            currents[at] = g * p.Decay(k);
        }
        int left = refractory[i];
        int spike = 0;
        if (left > 0) refractory[i] = left - 1;
        else if (u > p.ThresholdAboveRest)
        {
            depolarization[i] = p.ResetAboveRest;
            refractory[i] = p.RefractorySteps;
            spike = 1;
            int slot = Atomic.Add(ref logCount[0], 1);
            if (slot < logSteps.Length)
            {
                logSteps[slot] = step;
                logNeurons[slot] = offset + i;
            }
        }
        else depolarization[i] = u;
        fired[i] = spike;
    }

    /// <summary>
    /// Delivery for source neuron s: when it fired, adds <paramref name="weight"/> to the receptor current of each of
    /// its targets (atomically: several sources may share a target). Additions of one weight commute exactly, so a
    /// receptor fed by projections of one weight (the CUBA network) gets the CPU's sums bit for bit.
    /// </summary>
    public static void Deliver(Index1D s, ArrayView<int> fired, ArrayView<int> rowStart, ArrayView<int> targets, ArrayView<float> current, float weight)
    {
        if (fired[s] == 0) return;
        for (int j = rowStart[s], end = rowStart[s + 1]; j < end; j++) Atomic.Add(ref current[targets[j]], weight);
    }
}
