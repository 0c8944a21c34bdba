using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using SpikeLfp.Neurons;

namespace SpikeLfp.Learning.Lfp;

/// <summary>
/// Pure, allocation-free kernels of Layer-wise Feedback Propagation through a LIF layer (LFP.md, "Backward").
/// The spike function is skipped: reward on s_t is reward on u_t, so no surrogate derivative appears anywhere.
/// </summary>
public static class LfpKernels
{
    /// <summary>LFP's stabiliser: the denominator is D + eps (D &gt;= 0, a zero counts as positive).</summary>
    public const float Epsilon = Network.Synapses.Stabilizer.Epsilon;

    /// <summary>
    /// One step of the epsilon rule through the membrane, for one sample, processed in reverse time:
    /// R_t = A_t + I_{t+1}; D_t = |c_{t-1}| + |z_t - (1 - beta) c_{t-1}|; rho_t = R_t / (D_t + eps);
    /// I_t = beta c_{t-1} rho_t, where c_{t-1} is the membrane the leak carries into step t
    /// (<see cref="Lif.CarriedMembrane"/>; the previous membrane itself for reset by subtraction).
    /// Reads the internal reward from step t+1 from <paramref name="internalReward"/> and overwrites it with I_t.
    /// </summary>
    public static void MembraneStep(
        ReadOnlySpan<float> incoming, ReadOnlySpan<float> current, ReadOnlySpan<float> previousMembrane,
        Span<float> internalReward, Span<float> normalizedReward, in LifParameters p)
    {
        int n = normalizedReward.Length;
        if (incoming.Length != n || current.Length != n || internalReward.Length != n || (!previousMembrane.IsEmpty && previousMembrane.Length != n))
            throw new ArgumentException("all spans must have the layer's size.");
        float beta = p.Beta, leak = 1f - beta, theta = p.Threshold;
        bool zeroOnReset = p.Reset == ResetMode.Zero && p.DelayedReset, atRest = previousMembrane.IsEmpty;
        ref float ar = ref MemoryMarshal.GetReference(incoming);
        ref float zr = ref MemoryMarshal.GetReference(current);
        ref float ur = ref MemoryMarshal.GetReference(previousMembrane);
        ref float ir = ref MemoryMarshal.GetReference(internalReward);
        ref float rr = ref MemoryMarshal.GetReference(normalizedReward);
        int j = 0, w = Vector<float>.Count;
        var vLeak = new Vector<float>(leak);
        var vBeta = new Vector<float>(beta);
        var vTheta = new Vector<float>(theta);
        var vEps = new Vector<float>(Epsilon);
        for (; j <= n - w; j += w)
        {
            var carried = atRest ? Vector<float>.Zero : Vector.LoadUnsafe(ref ur, (nuint)j);
            if (zeroOnReset) carried = Vector.ConditionalSelect(Vector.GreaterThan(carried, vTheta), Vector<float>.Zero, carried);
            var reward = Vector.LoadUnsafe(ref ar, (nuint)j) + Vector.LoadUnsafe(ref ir, (nuint)j);
            var denominator = Vector.Abs(carried) + Vector.Abs(Vector.LoadUnsafe(ref zr, (nuint)j) - vLeak * carried);
            var rho = reward / (denominator + vEps);
            rho.StoreUnsafe(ref rr, (nuint)j);
            (vBeta * carried * rho).StoreUnsafe(ref ir, (nuint)j);
        }
        for (; j < n; j++)
        {
            float carried = atRest ? 0f : Lif.CarriedMembrane(Unsafe.Add(ref ur, j), p);
            float reward = Unsafe.Add(ref ar, j) + Unsafe.Add(ref ir, j);
            float denominator = MathF.Abs(carried) + MathF.Abs(Unsafe.Add(ref zr, j) - leak * carried);
            float rho = reward / (denominator + Epsilon);
            Unsafe.Add(ref rr, j) = rho;
            Unsafe.Add(ref ir, j) = beta * carried * rho;
        }
    }
}
