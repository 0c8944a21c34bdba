using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using SpikeLfp.Neurons;

namespace SpikeLfp.Learning.Lfp;

/// <summary>
/// Pure, allocation-free kernels of Layer-wise Feedback Propagation through a LIF layer (LFP.md, "Backward").
/// The spike function is skipped: reward on s_t is reward on u_t, so no surrogate derivative appears anywhere.
/// </summary>
internal static class LfpKernels
{
    /// <summary>LFP's stabiliser: the denominator is D + eps (D &gt;= 0, a zero counts as positive).</summary>
    public const float Epsilon = Stabilizer.Epsilon;

    /// <summary>
    /// One step of the epsilon rule through the membrane, for one sample, processed in reverse time:
    /// R_t = A_t + I_{t+1}; D_t = |c_{t-1}| + |z_t - (1 - beta) c_{t-1}|; rho_t = R_t / (D_t + eps);
    /// I_t = beta c_{t-1} rho_t, where c_{t-1} is the membrane the leak carries into step t
    /// (<see cref="Lif.CarriedMembrane"/>; the previous membrane itself for reset by subtraction).
    /// Reads the internal reward from step t+1 from <paramref name="internalReward"/> and overwrites it with I_t.
    /// <paramref name="current"/> is what drives the membrane: z_t for LIF, the synaptic current i_t for CubaLIF.
    /// Under <see cref="ResetMode.ZeroAll"/> a step that a delayed reset discards passes no reward (rho_t = I_t = 0):
    /// nothing that arrived in it reaches the membrane (docs/lfp-temporal.md).
    /// </summary>
    public static void MembraneStep(
        ReadOnlySpan<float> incoming, ReadOnlySpan<float> current, ReadOnlySpan<float> previousMembrane,
        Span<float> internalReward, Span<float> normalizedReward, in LifParameters p)
        => MembraneStepCore(incoming, current, previousMembrane, internalReward, normalizedReward, p, intoSum: false);

    /// <summary>
    /// <see cref="MembraneStep"/> for a layer whose input is constant over time, which needs only the sum of rho_t
    /// over steps: adds rho_t to <paramref name="normalizedRewardSum"/> (the same add as a separate pass would do)
    /// instead of writing it.
    /// </summary>
    public static void MembraneStepIntoSum(
        ReadOnlySpan<float> incoming, ReadOnlySpan<float> current, ReadOnlySpan<float> previousMembrane,
        Span<float> internalReward, Span<float> normalizedRewardSum, in LifParameters p)
        => MembraneStepCore(incoming, current, previousMembrane, internalReward, normalizedRewardSum, p, intoSum: true);

    private static void MembraneStepCore(
        ReadOnlySpan<float> incoming, ReadOnlySpan<float> current, ReadOnlySpan<float> previousMembrane,
        Span<float> internalReward, Span<float> normalizedReward, in LifParameters p, bool intoSum)
    {
        int n = normalizedReward.Length;
        if (incoming.Length != n || current.Length != n || internalReward.Length != n || (!previousMembrane.IsEmpty && previousMembrane.Length != n))
            throw new ArgumentException("all spans must have the layer's size.");
        float beta = p.Beta, leak = 1f - beta, theta = p.Threshold;
        bool zeroOnReset = p.Reset != ResetMode.Subtract && p.DelayedReset, discards = p.Reset == ResetMode.ZeroAll && p.DelayedReset;
        bool atRest = previousMembrane.IsEmpty;
        ref float ar = ref MemoryMarshal.GetReference(incoming);
        ref float zr = ref MemoryMarshal.GetReference(current);
        ref float ur = ref MemoryMarshal.GetReference(previousMembrane);
        ref float ir = ref MemoryMarshal.GetReference(internalReward);
        ref float rr = ref MemoryMarshal.GetReference(normalizedReward);
        int j = 0, w = Vector<float>.Count;
        // Element-wise, so the widest vectors first give the same values.
        if (Vector512.IsHardwareAccelerated) j = MembraneStep512(ref ar, ref zr, ref ur, ref ir, ref rr, n, p, atRest, intoSum);
        var vLeak = new Vector<float>(leak);
        var vBeta = new Vector<float>(beta);
        var vTheta = new Vector<float>(theta);
        var vEps = new Vector<float>(Epsilon);
        for (; j <= n - w; j += w)
        {
            var previous = atRest ? Vector<float>.Zero : Vector.LoadUnsafe(ref ur, (nuint)j);
            var resetting = Vector.GreaterThan(previous, vTheta);
            var carried = zeroOnReset ? Vector.ConditionalSelect(resetting, Vector<float>.Zero, previous) : previous;
            var reward = Vector.LoadUnsafe(ref ar, (nuint)j) + Vector.LoadUnsafe(ref ir, (nuint)j);
            var denominator = Vector.Abs(carried) + Vector.Abs(Vector.LoadUnsafe(ref zr, (nuint)j) - vLeak * carried);
            var rho = reward / (denominator + vEps);
            if (discards) rho = Vector.ConditionalSelect(resetting, Vector<float>.Zero, rho);
            (intoSum ? Vector.LoadUnsafe(ref rr, (nuint)j) + rho : rho).StoreUnsafe(ref rr, (nuint)j);
            (vBeta * carried * rho).StoreUnsafe(ref ir, (nuint)j);
        }
        for (; j < n; j++)
        {
            float previous = atRest ? 0f : Unsafe.Add(ref ur, j);
            float carried = atRest ? 0f : Lif.CarriedMembrane(previous, p);
            float reward = Unsafe.Add(ref ar, j) + Unsafe.Add(ref ir, j);
            float denominator = MathF.Abs(carried) + MathF.Abs(Unsafe.Add(ref zr, j) - leak * carried);
            float rho = !atRest && Lif.DiscardsStep(previous, p) ? 0f : reward / (denominator + Epsilon);
            Unsafe.Add(ref rr, j) = intoSum ? Unsafe.Add(ref rr, j) + rho : rho;
            Unsafe.Add(ref ir, j) = beta * carried * rho;
        }
    }

    // MembraneStepCore's vector loop in 512-bit vectors; returns how many neurons it did.
    private static int MembraneStep512(ref float ar, ref float zr, ref float ur, ref float ir, ref float rr, int n, in LifParameters p, bool atRest, bool intoSum)
    {
        bool zeroOnReset = p.Reset != ResetMode.Subtract && p.DelayedReset, discards = p.Reset == ResetMode.ZeroAll && p.DelayedReset;
        var vLeak = Vector512.Create(1f - p.Beta);
        var vBeta = Vector512.Create(p.Beta);
        var vTheta = Vector512.Create(p.Threshold);
        var vEps = Vector512.Create(Epsilon);
        int j = 0, w = Vector512<float>.Count;
        for (; j <= n - w; j += w)
        {
            var previous = atRest ? Vector512<float>.Zero : Vector512.LoadUnsafe(ref ur, (nuint)j);
            var resetting = Vector512.GreaterThan(previous, vTheta);
            var carried = zeroOnReset ? Vector512.ConditionalSelect(resetting, Vector512<float>.Zero, previous) : previous;
            var reward = Vector512.LoadUnsafe(ref ar, (nuint)j) + Vector512.LoadUnsafe(ref ir, (nuint)j);
            var denominator = Vector512.Abs(carried) + Vector512.Abs(Vector512.LoadUnsafe(ref zr, (nuint)j) - vLeak * carried);
            var rho = reward / (denominator + vEps);
            if (discards) rho = Vector512.ConditionalSelect(resetting, Vector512<float>.Zero, rho);
            (intoSum ? Vector512.LoadUnsafe(ref rr, (nuint)j) + rho : rho).StoreUnsafe(ref rr, (nuint)j);
            (vBeta * carried * rho).StoreUnsafe(ref ir, (nuint)j);
        }
        return j;
    }

    /// <summary>
    /// One step of LFP through the synaptic current of a current-based neuron, in reverse time
    /// (docs/lfp-temporal.md): the current i_t = alpha i_{t-1} + z_t is a plain sum, so each term's share of the
    /// reward i_t rho_t that reaches it is exactly term x q_t with q_t = rho_t + alpha q_{t+1}, the reward per unit of
    /// current. Overwrites <paramref name="normalizedReward"/> (rho_t on entry, from <see cref="MembraneStep"/>)
    /// with q_t, which the synapses then use as they use rho_t for LIF; <paramref name="carriedReward"/> holds
    /// alpha q_{t+1} on entry and alpha q_t on return. With alpha = 0, q_t = rho_t exactly.
    /// </summary>
    public static void SynapticCurrentStep(Span<float> normalizedReward, Span<float> carriedReward, float alpha)
    {
        int n = normalizedReward.Length;
        if (carriedReward.Length != n) throw new ArgumentException("both spans must have the layer's size.");
        ref float qr = ref MemoryMarshal.GetReference(normalizedReward);
        ref float cr = ref MemoryMarshal.GetReference(carriedReward);
        var vAlpha = new Vector<float>(alpha);
        int j = 0, w = Vector<float>.Count;
        for (; j <= n - w; j += w)
        {
            var q = Vector.LoadUnsafe(ref qr, (nuint)j) + Vector.LoadUnsafe(ref cr, (nuint)j);
            q.StoreUnsafe(ref qr, (nuint)j);
            (vAlpha * q).StoreUnsafe(ref cr, (nuint)j);
        }
        for (; j < n; j++)
        {
            float q = Unsafe.Add(ref qr, j) + Unsafe.Add(ref cr, j);
            Unsafe.Add(ref qr, j) = q;
            Unsafe.Add(ref cr, j) = alpha * q;
        }
    }

    /// <summary>
    /// One reverse-time step of LFP through a non-spiking leaky integrator (LI readout; docs/lfp-temporal.md):
    /// u_t = beta u_{t-1} + z_t is a signed sum with no threshold, so the reward A_t on u_t is divided by the signed,
    /// stabilised membrane, rho_t = A_t / (u_t + eps sign(u_t)), the epsilon rule of a non-spiking layer (LFP.md,
    /// "Rewards"), and reaches earlier steps through the leak as the synaptic current's does: q_t = rho_t + beta q_{t+1}.
    /// <paramref name="carriedReward"/> holds beta q_{t+1} on entry and beta q_t on return; q_t is written to
    /// <paramref name="normalizedReward"/>.
    /// </summary>
    public static void ReadoutStep(ReadOnlySpan<float> incoming, ReadOnlySpan<float> membrane, Span<float> carriedReward, Span<float> normalizedReward, float beta)
    {
        int n = normalizedReward.Length;
        if (incoming.Length != n || membrane.Length != n || carriedReward.Length != n)
            throw new ArgumentException("all spans must have the layer's size.");
        for (int j = 0; j < n; j++) normalizedReward[j] = incoming[j] / Stabilizer.Stabilize(membrane[j]);
        SynapticCurrentStep(normalizedReward, carriedReward, beta);
    }
}
