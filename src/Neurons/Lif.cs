using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace SpikeLfp.Neurons;

/// <summary>
/// Pure, allocation-free step functions of the leaky integrate-and-fire neuron (LFP.md, "Forward").
/// Every backend calls these (or a device port of the same equations); state lives with the caller.
/// </summary>
public static class Lif
{
    /// <summary>
    /// Advances a population by one step in place: reads the current z_t and the previous membrane u_{t-1}
    /// from <paramref name="membrane"/>, writes u_t back and the spikes (0 or 1). Returns the number of spikes.
    /// </summary>
    public static int Step(ReadOnlySpan<float> current, Span<float> membrane, Span<float> spikes, in LifParameters p)
        => Step(current, membrane, membrane, spikes, p);

    /// <summary>
    /// Advances a population by one step: u_t from z_t (<paramref name="current"/>) and u_{t-1}
    /// (<paramref name="previous"/>; empty means the resting state 0), written to <paramref name="membrane"/>
    /// (which may be <paramref name="previous"/> itself), spikes s_t = H(u_t - theta) to <paramref name="spikes"/>.
    /// Returns the number of spikes.
    /// </summary>
    /// <remarks>
    /// Equations follow snntorch's Leaky exactly (fixture snntorch_leaky_forward.json):
    /// r_t = H(u_{t-1} - theta); subtract: u' = beta u_{t-1} + z_t - theta r_t; zero: u' = beta (1 - r_t) u_{t-1} + z_t;
    /// zero-all (snntorch's Synaptic and recurrent neurons): u' = (1 - r_t) (beta u_{t-1} + z_t);
    /// s_t = H(u' - theta). Delayed reset keeps u_t = u'; immediate reset applies d = s_t - r_t now.
    /// The SIMD body and the scalar tail perform the same operations in the same order, so results do not
    /// depend on the vector width.
    /// </remarks>
    public static int Step(ReadOnlySpan<float> current, ReadOnlySpan<float> previous, Span<float> membrane, Span<float> spikes, in LifParameters p)
    {
        int n = membrane.Length;
        if (current.Length != n || spikes.Length != n || (!previous.IsEmpty && previous.Length != n))
            throw new ArgumentException("current, previous, membrane and spikes must have the same length.");
        if (previous.IsEmpty) return StepFromRest(current, membrane, spikes, p);

        float beta = p.Beta, theta = p.Threshold;
        bool subtract = p.Reset == ResetMode.Subtract, all = p.Reset == ResetMode.ZeroAll, delayed = p.DelayedReset;
        ref float cr = ref MemoryMarshal.GetReference(current);
        ref float pr = ref MemoryMarshal.GetReference(previous);
        ref float mr = ref MemoryMarshal.GetReference(membrane);
        ref float sr = ref MemoryMarshal.GetReference(spikes);
        var vBeta = new Vector<float>(beta);
        var vTheta = new Vector<float>(theta);
        var one = Vector<float>.One;
        var counts = Vector<float>.Zero;   // spikes per lane: whole numbers far below 2^24, so exact
        int count = 0, i = 0, w = Vector<float>.Count;
        for (; i <= n - w; i += w)
        {
            var prev = Vector.LoadUnsafe(ref pr, (nuint)i);
            var z = Vector.LoadUnsafe(ref cr, (nuint)i);
            var reset = Vector.ConditionalSelect(Vector.GreaterThan(prev, vTheta), one, Vector<float>.Zero);
            var u = subtract ? vBeta * prev + z - vTheta * reset
                : all ? (one - reset) * (vBeta * prev + z)
                : vBeta * (one - reset) * prev + z;
            var spike = Vector.ConditionalSelect(Vector.GreaterThan(u, vTheta), one, Vector<float>.Zero);
            if (!delayed)
            {
                var d = spike - reset;
                u = subtract ? u - d * vTheta : u - d * u;
            }
            u.StoreUnsafe(ref mr, (nuint)i);
            spike.StoreUnsafe(ref sr, (nuint)i);
            counts += spike;
        }
        count += (int)Vector.Sum(counts);
        for (; i < n; i++)
        {
            float prev = Unsafe.Add(ref pr, i);
            float reset = prev > theta ? 1f : 0f;
            float z = Unsafe.Add(ref cr, i);
            float u = subtract ? beta * prev + z - theta * reset
                : all ? (1f - reset) * (beta * prev + z)
                : beta * (1f - reset) * prev + z;
            float spike = u > theta ? 1f : 0f;
            if (!delayed)
            {
                float d = spike - reset; // snntorch: avoid resetting twice when the previous reset is still pending
                u = subtract ? u - d * theta : u - d * u;
            }
            Unsafe.Add(ref mr, i) = u;
            Unsafe.Add(ref sr, i) = spike;
            count += (int)spike;
        }
        return count;
    }

    // At rest (u_{-1} = 0, no reset pending) the general equations reduce exactly to u' = z_t.
    private static int StepFromRest(ReadOnlySpan<float> current, Span<float> membrane, Span<float> spikes, in LifParameters p)
    {
        float theta = p.Threshold;
        bool subtract = p.Reset == ResetMode.Subtract, delayed = p.DelayedReset;
        ref float cr = ref MemoryMarshal.GetReference(current);
        ref float mr = ref MemoryMarshal.GetReference(membrane);
        ref float sr = ref MemoryMarshal.GetReference(spikes);
        var vTheta = new Vector<float>(theta);
        var counts = Vector<float>.Zero;
        int count = 0, i = 0, n = membrane.Length, w = Vector<float>.Count;
        for (; i <= n - w; i += w)
        {
            var u = Vector.LoadUnsafe(ref cr, (nuint)i);
            var spike = Vector.ConditionalSelect(Vector.GreaterThan(u, vTheta), Vector<float>.One, Vector<float>.Zero);
            if (!delayed) u = subtract ? u - spike * vTheta : u - spike * u;
            u.StoreUnsafe(ref mr, (nuint)i);
            spike.StoreUnsafe(ref sr, (nuint)i);
            counts += spike;
        }
        count += (int)Vector.Sum(counts);
        for (; i < n; i++)
        {
            float u = Unsafe.Add(ref cr, i);
            float spike = u > theta ? 1f : 0f;
            if (!delayed) u = subtract ? u - spike * theta : u - spike * u;
            Unsafe.Add(ref mr, i) = u;
            Unsafe.Add(ref sr, i) = spike;
            count += (int)spike;
        }
        return count;
    }

    /// <summary>
    /// The part of the previous membrane that the leak carries into step t, c_{t-1}: the membrane itself,
    /// or zero when a delayed reset-to-zero fires at step t. LFP's denominator and internal reward use it.
    /// </summary>
    public static float CarriedMembrane(float previousMembrane, in LifParameters p)
        => p.Reset != ResetMode.Subtract && p.DelayedReset && previousMembrane > p.Threshold ? 0f : previousMembrane;

    /// <summary>
    /// True when a delayed reset at step t discards the whole step, input included (<see cref="ResetMode.ZeroAll"/>):
    /// then nothing that arrived at step t reaches the membrane, and LFP hands it no reward.
    /// </summary>
    public static bool DiscardsStep(float previousMembrane, in LifParameters p)
        => p.Reset == ResetMode.ZeroAll && p.DelayedReset && previousMembrane > p.Threshold;
}
