using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using SpikeLfp.Network.Synapses;

namespace SpikeLfp.Learning.Lfp.Synapses;

/// <summary>
/// LFP through dense synapses. The weights are input-major, so one input's reward is one dot product with its
/// weight row and its feedback one row add: both cost in proportion to the inputs that fired.
/// </summary>
public sealed class DenseLfp(DenseSynapses synapses) : ISynapseLfp
{
    private readonly float[] _weights = synapses.Weights;
    private readonly int _inputs = synapses.Inputs, _outputs = synapses.Outputs;

    /// <inheritdoc/>
    public ISynapses Synapses => synapses;

    /// <inheritdoc/>
    /// <remarks>Each dot product is computed exactly as <see cref="VectorMath.Dot"/> does (a vector sum of fused
    /// multiply-adds, then the tail in order), without a call and two span checks per spike.</remarks>
    public void RewardFiredInputs(ReadOnlySpan<int> fired, ReadOnlySpan<float> rho, Span<float> inputReward)
    {
        int n = _outputs, w = Vector<float>.Count, full = n - n % w;
        if (rho.Length != n || inputReward.Length < _inputs) throw new ArgumentException("rho must have one value per output and the reward one per input.");
        ref float wr = ref MemoryMarshal.GetArrayDataReference(_weights);
        ref float rr = ref MemoryMarshal.GetReference(rho);
        ref float ir = ref MemoryMarshal.GetReference(inputReward);
        foreach (int i in fired)
        {
            if ((uint)i >= (uint)_inputs) throw new ArgumentOutOfRangeException(nameof(fired), $"input {i} is not one of {_inputs}.");
            ref float row = ref Unsafe.Add(ref wr, (nint)i * n);
            var acc = Vector<float>.Zero;
            int j = 0;
            for (; j < full; j += w) acc = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref row, (nuint)j), Vector.LoadUnsafe(ref rr, (nuint)j), acc);
            float sum = Vector.Sum(acc);
            for (; j < n; j++) sum += Unsafe.Add(ref row, j) * Unsafe.Add(ref rr, j);
            Unsafe.Add(ref ir, i) += sum;
        }
    }

    /// <inheritdoc/>
    public void RewardAnalogInputs(ReadOnlySpan<float> input, ReadOnlySpan<float> rho, Span<float> inputReward)
    {
        for (int i = 0; i < input.Length; i++)
            if (input[i] != 0f) inputReward[i] += input[i] * VectorMath.Dot(_weights.AsSpan(i * _outputs, _outputs), rho);
    }

    // Partitions are blocks of input rows: row i of the feedback belongs to exactly one partition.
    private (int From, int To) Rows(int part, int parts) => ((int)((long)_inputs * part / parts), (int)((long)_inputs * (part + 1) / parts));

    /// <inheritdoc/>
    public void AccumulateSpikeFeedback(int part, int parts, ReadOnlySpan<int> fired, ReadOnlySpan<float> rho, Span<float> weightFeedback)
    {
        var (from, to) = Rows(part, parts);
        int n = _outputs, w = Vector<float>.Count;
        if (rho.Length != n || weightFeedback.Length < _inputs * n) throw new ArgumentException("rho must have one value per output and the feedback one row per input.");
        ref float rr = ref MemoryMarshal.GetReference(rho);
        ref float fr = ref MemoryMarshal.GetReference(weightFeedback);
        foreach (int i in fired)
        {
            if ((uint)(i - from) >= (uint)(to - from)) continue;
            ref float row = ref Unsafe.Add(ref fr, (nint)i * n);
            int j = 0;
            for (; j <= n - w; j += w) (Vector.LoadUnsafe(ref row, (nuint)j) + Vector.LoadUnsafe(ref rr, (nuint)j)).StoreUnsafe(ref row, (nuint)j);
            for (; j < n; j++) Unsafe.Add(ref row, j) += Unsafe.Add(ref rr, j);
        }
    }

    /// <inheritdoc/>
    public void AccumulateAnalogFeedback(int part, int parts, ReadOnlySpan<float> input, ReadOnlySpan<float> rho, Span<float> weightFeedback)
    {
        var (from, to) = Rows(part, parts);
        for (int i = from; i < to; i++)
            if (input[i] != 0f) VectorMath.AddScaled(input[i], rho, weightFeedback.Slice(i * _outputs, _outputs));
    }

    /// <inheritdoc/>
    public void AccumulateBiasFeedback(ReadOnlySpan<float> rho, Span<float> biasFeedback) => VectorMath.Add(rho, biasFeedback);
}
