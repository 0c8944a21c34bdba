using SpikeLfp.Network.Simulation;
using SpikeLfp.Neurons;

namespace SpikeLfp.Learning.Lfp;

/// <summary>
/// LFP's epsilon rule through each neuron kind: the one place in Learning that knows the kinds
/// (docs/lfp-temporal.md derives each rule).
/// </summary>
public static class NeuronLfp
{
    /// <summary>
    /// One reverse-time step for one sample of a layer: from the reward <paramref name="incoming"/> arriving at the
    /// spikes s_t and the running internal rewards, writes the reward per unit of weighted input z_t to
    /// <paramref name="normalizedReward"/> (rho_t for LIF, q_t for CubaLIF), which the synapses distribute to their
    /// inputs and parameters. <paramref name="internalReward"/> carries the membrane's I, <paramref name="synapticReward"/>
    /// the synaptic current's alpha q (current-based kinds only).
    /// </summary>
    public static void Step(NeuronModel neuron, LayerTrace trace, int sample, int step, ReadOnlySpan<float> incoming,
        Span<float> internalReward, Span<float> synapticReward, Span<float> normalizedReward)
    {
        var previous = step > 0 ? trace.MembraneAt(sample, step - 1) : Span<float>.Empty;
        switch (neuron)
        {
            case LifNeuron lif:
                LfpKernels.MembraneStep(incoming, trace.CurrentAt(sample, step), previous, internalReward, normalizedReward, lif.Membrane);
                break;
            case CubaLifNeuron cuba:
                // The membrane is driven by the synaptic current; its reward then flows through the current to z_t.
                LfpKernels.MembraneStep(incoming, trace.SynapticAt(sample, step), previous, internalReward, normalizedReward, cuba.Membrane);
                LfpKernels.SynapticCurrentStep(normalizedReward, synapticReward, cuba.Alpha);
                break;
            case LiNeuron li:
                LfpKernels.ReadoutStep(incoming, trace.MembraneAt(sample, step), internalReward, normalizedReward, li.Membrane.Beta);
                break;
            default:
                throw new NotSupportedException($"LFP has no rule for neuron kind '{neuron.Kind}'.");
        }
    }

    /// <summary>
    /// <see cref="Step"/> for a layer with a constant input, when only the sum of rho over steps is needed: adds this
    /// step's rho to <paramref name="normalizedRewardSum"/> in the same pass. Returns false (and does nothing) for kinds
    /// whose rho needs a further step (a synaptic current) or that are not LIF.
    /// </summary>
    public static bool TryStepIntoSum(NeuronModel neuron, LayerTrace trace, int sample, int step, ReadOnlySpan<float> incoming,
        Span<float> internalReward, Span<float> normalizedRewardSum)
    {
        if (neuron is not LifNeuron lif) return false;
        var previous = step > 0 ? trace.MembraneAt(sample, step - 1) : Span<float>.Empty;
        LfpKernels.MembraneStepIntoSum(incoming, trace.CurrentAt(sample, step), previous, internalReward, normalizedRewardSum, lif.Membrane);
        return true;
    }
}
