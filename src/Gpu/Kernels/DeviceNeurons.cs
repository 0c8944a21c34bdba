using SpikeLfp.Learning.Lfp;
using SpikeLfp.Neurons;

namespace SpikeLfp.Gpu.Kernels;

/// <summary>
/// A neuron kind (<see cref="LifNeuron"/>, <see cref="CubaLifNeuron"/> or the non-spiking <see cref="LiNeuron"/>
/// readout) as a kernel argument, with the equations of one neuron that every device kernel calls: <see cref="Step"/>
/// (forward) and <see cref="RewardStep"/> (LFP). Kernel parameters must be blittable, and bool and enums are not
/// portable ones, so flags travel as ints. Built only from validated models (<see cref="From"/>). <see cref="Alpha"/>
/// is 0 for LIF; <see cref="Spiking"/> is 0 for LI.
/// </summary>
internal readonly record struct DeviceNeurons(float Beta, float Threshold, int Reset, int DelayedReset, int HasSynapticCurrent, float Alpha, int Spiking)
{
    /// <summary>The device form of <paramref name="neuron"/>.</summary>
    /// <exception cref="NotSupportedException">A neuron kind without a device kernel.</exception>
    public static DeviceNeurons From(NeuronModel neuron) => neuron switch
    {
        LifNeuron lif => Of(lif.Membrane, synaptic: false, alpha: 0f),
        CubaLifNeuron cuba => Of(cuba.Membrane, synaptic: true, cuba.Alpha),
        LiNeuron li => Of(li.Membrane, synaptic: false, alpha: 0f) with { Spiking = 0 },
        _ => throw new NotSupportedException($"the GPU backend has no kernel for neuron kind '{neuron.Kind}'."),
    };

    /// <summary>True when the backend has a device kernel for <paramref name="neuron"/>'s kind.</summary>
    public static bool Supports(NeuronModel neuron) => neuron is LifNeuron or CubaLifNeuron or LiNeuron;

    private static DeviceNeurons Of(in LifParameters p, bool synaptic, float alpha)
        => new(p.Beta, p.Threshold, (int)p.Reset, p.DelayedReset ? 1 : 0, synaptic ? 1 : 0, alpha, Spiking: 1);

    /// <summary>
    /// One forward step of one neuron from <paramref name="previous"/> (default: at rest) with weighted input z_t:
    /// LeakyIntegrator.Integrate (i_t = alpha i_{t-1} + z_t) for current-based neurons, then Lif.Step driven by i_t (or z_t),
    /// every reset mode written out with the CPU's operations in the CPU's order. An LI readout only integrates:
    /// u_t = beta u_{t-1} + z_t, no spike, no reset (LeakyIntegrator.Integrate).
    /// </summary>
    public DeviceNeuronState Step(DeviceNeuronState previous, float input)
    {
        if (Spiking == 0) return new DeviceNeuronState(Beta * previous.Membrane + input, 0f, 0f);
        float synaptic = HasSynapticCurrent != 0 ? Alpha * previous.Synaptic + input : 0f;
        float drive = HasSynapticCurrent != 0 ? synaptic : input;
        float theta = Threshold, before = previous.Membrane;
        float reset = before > theta ? 1f : 0f;
        float u = Reset == (int)ResetMode.Subtract ? Beta * before + drive - theta * reset
            : Reset == (int)ResetMode.ZeroAll ? (1f - reset) * (Beta * before + drive)
            : Beta * (1f - reset) * before + drive;
        float spike = u > theta ? 1f : 0f;
        if (DelayedReset == 0)
        {
            float d = spike - reset; // snntorch: avoid resetting twice when the previous reset is still pending
            u = Reset == (int)ResetMode.Subtract ? u - d * theta : u - d * u;
        }
        return new DeviceNeuronState(u, synaptic, spike);
    }

    /// <summary>Lif.CarriedMembrane on the device: zero when a delayed reset to zero fires at this step, else u_{t-1}.</summary>
    public float CarriedMembrane(float previousMembrane)
        => Reset != (int)ResetMode.Subtract && DelayedReset != 0 && previousMembrane > Threshold ? 0f : previousMembrane;

    /// <summary>Lif.DiscardsStep on the device: a delayed zero-all reset at this step discards all of it, input included.</summary>
    public bool DiscardsStep(float previousMembrane)
        => Reset == (int)ResetMode.ZeroAll && DelayedReset != 0 && previousMembrane > Threshold;

    /// <summary>
    /// One reverse-time LFP step of one neuron (NeuronLfp.Step; docs/lfp-temporal.md). The membrane:
    /// R_t = A_t + I_{t+1}, D_t = |c_{t-1}| + |d_t - (1 - beta) c_{t-1}|, rho_t = R_t / (D_t + eps) (0 for a step a
    /// zero-all reset discards), I_t = beta c_{t-1} rho_t, where d_t drives the membrane (z_t for LIF, i_t for CubaLIF)
    /// and <paramref name="previousMembrane"/> is u_{t-1} (0 at t = 0). Then, for current-based neurons, the synaptic
    /// current: q_t = rho_t + alpha q_{t+1} (<paramref name="synapticReward"/> holds alpha q_{t+1}).
    /// An LI readout (LfpKernels.ReadoutStep) has no spike and no reset: the signed epsilon rule of a non-spiking layer,
    /// rho_t = A_t / stabilize(u_t) with <paramref name="membrane"/> u_t, then the leak: q_t = rho_t + beta q_{t+1}, carried in
    /// <paramref name="internalReward"/> as beta q_{t+1} (where the CPU's readout step keeps it).
    /// Returns the reward per unit of z_t (rho_t or q_t) and the running rewards handed to step t-1.
    /// </summary>
    public DeviceLfpStep RewardStep(float incoming, float internalReward, float synapticReward, float drive, float previousMembrane, float membrane)
    {
        if (Spiking == 0)
        {
            float readout = incoming / Stabilizer.Stabilize(membrane) + internalReward;
            return new DeviceLfpStep(readout, Beta * readout, 0f);
        }
        float carried = CarriedMembrane(previousMembrane);
        float reward = incoming + internalReward;
        float denominator = MathF.Abs(carried) + MathF.Abs(drive - (1f - Beta) * carried);
        float rho = DiscardsStep(previousMembrane) ? 0f : reward / (denominator + LfpKernels.Epsilon);
        float nextInternal = Beta * carried * rho;
        if (HasSynapticCurrent == 0) return new DeviceLfpStep(rho, nextInternal, 0f);
        float q = rho + synapticReward;
        return new DeviceLfpStep(q, nextInternal, Alpha * q);
    }
}

/// <summary>One neuron after a step: membrane u_t, synaptic current i_t (0 for LIF) and spike s_t (0 or 1). Default: at rest.</summary>
internal readonly record struct DeviceNeuronState(float Membrane, float Synaptic, float Spike);

/// <summary>
/// One neuron's LFP step: <see cref="NormalizedReward"/> per unit of weighted input (rho_t, or q_t for CubaLIF),
/// the membrane's internal reward I_t and the synaptic current's alpha q_t, both handed to step t-1.
/// </summary>
internal readonly record struct DeviceLfpStep(float NormalizedReward, float Internal, float Synaptic);
