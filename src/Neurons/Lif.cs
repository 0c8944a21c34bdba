using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

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
            Unsafe.Add(ref mr, i) = Next(Unsafe.Add(ref pr, i), Unsafe.Add(ref cr, i), p, out float spike);
            Unsafe.Add(ref sr, i) = spike;
            count += (int)spike;
        }
        return count;
    }

    /// <summary>True where <see cref="StepAndListSpikes"/> runs in 512-bit vectors; elsewhere a step and a separate spike listing are as fast.</summary>
    public static bool ListsSpikesInOnePass => Vector512.IsHardwareAccelerated && Avx512F.IsSupported;

    /// <summary>
    /// <see cref="Step(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, Span{float}, in LifParameters)"/> that
    /// lists the neurons that fired, in increasing order, in <paramref name="fired"/> (room for one per neuron; entries
    /// past the returned count are overwritten) instead of writing 0/1 spikes: the membranes and spikes of one pass,
    /// where a step and a compaction of its spikes took two. The same operations in the same order as
    /// <see cref="Step(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, Span{float}, in LifParameters)"/>, so the
    /// same membranes. Returns the number of spikes.
    /// </summary>
    public static int StepAndListSpikes(ReadOnlySpan<float> current, ReadOnlySpan<float> previous, Span<float> membrane, Span<int> fired, in LifParameters p)
    {
        int n = membrane.Length;
        if (current.Length != n || (!previous.IsEmpty && previous.Length != n))
            throw new ArgumentException("current, previous and membrane must have the same length.");
        if (fired.Length < n) throw new ArgumentException("fired must have room for every neuron.", nameof(fired));
        float beta = p.Beta, theta = p.Threshold;
        bool subtract = p.Reset == ResetMode.Subtract, all = p.Reset == ResetMode.ZeroAll, delayed = p.DelayedReset, atRest = previous.IsEmpty;
        ref float cr = ref MemoryMarshal.GetReference(current);
        ref float pr = ref MemoryMarshal.GetReference(previous);
        ref float mr = ref MemoryMarshal.GetReference(membrane);
        ref int fr = ref MemoryMarshal.GetReference(fired);
        int count = 0, i = 0;
        if (ListsSpikesInOnePass)
        {
            var vBeta = Vector512.Create(beta);
            var vTheta = Vector512.Create(theta);
            var one = Vector512<float>.One;
            var lanes = Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
            for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                var z = Vector512.LoadUnsafe(ref cr, (nuint)i);
                Vector512<float> u, reset = Vector512<float>.Zero;
                if (atRest) u = z;
                else
                {
                    var prev = Vector512.LoadUnsafe(ref pr, (nuint)i);
                    reset = Vector512.ConditionalSelect(Vector512.GreaterThan(prev, vTheta), one, Vector512<float>.Zero);
                    u = subtract ? vBeta * prev + z - vTheta * reset
                        : all ? (one - reset) * (vBeta * prev + z)
                        : vBeta * (one - reset) * prev + z;
                }
                var firing = Vector512.GreaterThan(u, vTheta);
                if (!delayed)
                {
                    var d = Vector512.ConditionalSelect(firing, one, Vector512<float>.Zero) - reset;
                    u = subtract ? u - d * vTheta : u - d * u;
                }
                u.StoreUnsafe(ref mr, (nuint)i);
                // count <= i, so the 16 stored indices stay inside fired.
                Avx512F.Compress(Vector512<int>.Zero, firing.AsInt32(), lanes + Vector512.Create(i)).StoreUnsafe(ref fr, (nuint)count);
                count += BitOperations.PopCount(firing.ExtractMostSignificantBits());
            }
        }
        for (; i < n; i++)
        {
            float u = atRest ? FromRest(Unsafe.Add(ref cr, i), p, out float spike) : Next(Unsafe.Add(ref pr, i), Unsafe.Add(ref cr, i), p, out spike);
            Unsafe.Add(ref mr, i) = u;
            if (spike != 0f) Unsafe.Add(ref fr, count++) = i;
        }
        return count;
    }

    // One neuron of Step's scalar path: u_t from u_{t-1} and z_t, and its spike.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Next(float prev, float z, in LifParameters p, out float spike)
    {
        float beta = p.Beta, theta = p.Threshold;
        bool subtract = p.Reset == ResetMode.Subtract, all = p.Reset == ResetMode.ZeroAll;
        float reset = prev > theta ? 1f : 0f;
        float u = subtract ? beta * prev + z - theta * reset
            : all ? (1f - reset) * (beta * prev + z)
            : beta * (1f - reset) * prev + z;
        spike = u > theta ? 1f : 0f;
        if (!p.DelayedReset)
        {
            float d = spike - reset; // snntorch: avoid resetting twice when the previous reset is still pending
            u = subtract ? u - d * theta : u - d * u;
        }
        return u;
    }

    // One neuron of StepFromRest's scalar path.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float FromRest(float z, in LifParameters p, out float spike)
    {
        float u = z, theta = p.Threshold;
        spike = u > theta ? 1f : 0f;
        if (!p.DelayedReset) u = p.Reset == ResetMode.Subtract ? u - spike * theta : u - spike * u;
        return u;
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
            Unsafe.Add(ref mr, i) = FromRest(Unsafe.Add(ref cr, i), p, out float spike);
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
