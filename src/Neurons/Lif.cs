namespace SpikeLfp.Neurons;

/// <summary>
/// Pure, allocation-free step functions of the leaky integrate-and-fire neuron (LFP.md, "Forward").
/// Every backend calls these (or a device port of the same equations); state lives with the caller.
/// </summary>
public static class Lif
{
    /// <summary>
    /// Advances a population by one step: reads the synaptic current z_t and the previous membrane
    /// u_{t-1} (in <paramref name="membrane"/>), writes u_t back into <paramref name="membrane"/> and
    /// the spikes s_t = H(u_t - theta) (0 or 1) into <paramref name="spikes"/>. Returns the number of spikes.
    /// </summary>
    /// <remarks>
    /// Equations follow snntorch's Leaky exactly (fixture snntorch_leaky_forward.json):
    /// r_t = H(u_{t-1} - theta); subtract: u' = beta u_{t-1} + z_t - theta r_t; zero: u' = beta (1 - r_t) u_{t-1} + z_t;
    /// s_t = H(u' - theta). Delayed reset keeps u_t = u'; immediate reset applies d = s_t - r_t now.
    /// </remarks>
    public static int Step(ReadOnlySpan<float> current, Span<float> membrane, Span<float> spikes, in LifParameters p)
    {
        if (current.Length != membrane.Length || spikes.Length != membrane.Length)
            throw new ArgumentException("current, membrane and spikes must have the same length.");
        float beta = p.Beta, theta = p.Threshold;
        bool subtract = p.Reset == ResetMode.Subtract;
        int count = 0;
        for (int i = 0; i < membrane.Length; i++)
        {
            float previous = membrane[i];
            float reset = previous > theta ? 1f : 0f;
            float u = subtract
                ? beta * previous + current[i] - theta * reset
                : beta * (1f - reset) * previous + current[i];
            float spike = u > theta ? 1f : 0f;
            if (!p.DelayedReset)
            {
                float d = spike - reset; // snntorch: avoid resetting twice when the previous reset is still pending
                u = subtract ? u - d * theta : u - d * u;
            }
            membrane[i] = u;
            spikes[i] = spike;
            count += (int)spike;
        }
        return count;
    }

    /// <summary>
    /// The part of the previous membrane that the leak carries into step t, c_{t-1}: the membrane itself,
    /// or zero when a delayed reset-to-zero fires at step t. LFP's denominator and internal reward use it.
    /// </summary>
    public static float CarriedMembrane(float previousMembrane, in LifParameters p)
        => p.Reset == ResetMode.Zero && p.DelayedReset && previousMembrane > p.Threshold ? 0f : previousMembrane;
}
