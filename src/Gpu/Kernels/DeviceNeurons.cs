using SpikeLfp.Neurons;

namespace SpikeLfp.Gpu.Kernels;

/// <summary>
/// <see cref="LifParameters"/> as a kernel argument: kernel parameters must be blittable, and bool is not, so the
/// flags travel as ints. Built only from validated <see cref="LifParameters"/>.
/// </summary>
public readonly record struct DeviceNeurons(float Beta, float Threshold, int SubtractReset, int DelayedReset)
{
    /// <summary>The device form of <paramref name="p"/>.</summary>
    public static DeviceNeurons From(in LifParameters p) => new(p.Beta, p.Threshold, p.Reset == ResetMode.Subtract ? 1 : 0, p.DelayedReset ? 1 : 0);

    /// <summary>Lif.CarriedMembrane on the device: zero when a delayed reset-to-zero fires at this step, else u_{t-1}.</summary>
    public float CarriedMembrane(float previousMembrane)
        => SubtractReset == 0 && DelayedReset != 0 && previousMembrane > Threshold ? 0f : previousMembrane;
}
