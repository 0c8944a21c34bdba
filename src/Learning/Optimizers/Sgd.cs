using System.Numerics;
using SpikeLfp.Network.Synapses;

namespace SpikeLfp.Learning.Optimizers;

/// <summary>
/// Stochastic gradient descent with momentum, as PyTorch's SGD (dampening 0, no Nesterov):
/// v = momentum v + g (v = g on the first step); p -= lr v.
/// </summary>
public sealed class Sgd(float learningRate, float momentum = 0f) : IOptimizer
{
    private float[][]? _velocity;
    private long _steps;

    /// <inheritdoc/>
    public float LearningRate { get; set; } = learningRate;
    /// <summary>Momentum factor.</summary>
    public float Momentum { get; } = momentum;
    /// <summary>
    /// Threads for large parameter arrays (null: the calling thread only). The update is element-wise, so the result
    /// does not depend on how the arrays are split.
    /// </summary>
    public ParallelOptions? Parallelism { get; init; }

    // Arrays from this size are updated in chunks of this size in parallel (a multiple of every vector width).
    private const int Chunk = 1 << 15;

    /// <inheritdoc/>
    public void Step(IReadOnlyList<float[]> parameters, IReadOnlyList<float[]> gradients) => Step(parameters, gradients, 1f);

    /// <inheritdoc/>
    public void Step(IReadOnlyList<float[]> parameters, IReadOnlyList<float[]> gradients, float gradientScale)
        => StepAndCheckFinite(parameters, gradients, gradientScale);

    /// <inheritdoc/>
    /// <remarks>Checks each value as it is written, in the same pass (and on the same threads) as the update.</remarks>
    public bool StepAndCheckFinite(IReadOnlyList<float[]> parameters, IReadOnlyList<float[]> gradients, float gradientScale)
    {
        _velocity ??= gradients.Select(g => CacheLineArrays.Floats(g.Length)).ToArray();
        bool first = _steps == 0, finite = true;
        for (int k = 0; k < parameters.Count; k++)
        {
            float[] p = parameters[k], g = gradients[k], v = _velocity[k];
            if (p.Length != g.Length || p.Length != v.Length) throw new ArgumentException($"parameter {k} has {p.Length} values, its gradient {g.Length}.");
            if (Parallelism is null || p.Length < 2 * Chunk) finite &= UpdateRange(p, g, v, gradientScale, first, 0, p.Length);
            else
            {
                float scale = gradientScale;
                bool chunksFinite = true;
                Parallel.For(0, (p.Length + Chunk - 1) / Chunk, Parallelism, c =>
                {
                    if (!UpdateRange(p, g, v, scale, first, c * Chunk, Math.Min(p.Length, (c + 1) * Chunk))) chunksFinite = false;
                });
                finite &= chunksFinite;
            }
        }
        _steps++;
        return finite;
    }

    // Returns whether the updated values are all finite.
    private bool UpdateRange(float[] p, float[] g, float[] v, float s, bool first, int from, int to)
        => Momentum == 0f ? Update(p.AsSpan(from, to - from), g.AsSpan(from, to - from), s, LearningRate)
            : Update(p.AsSpan(from, to - from), g.AsSpan(from, to - from), v.AsSpan(from, to - from), s, Momentum, LearningRate, first);

    // p -= lr (s g). A value x is finite when x - x is 0 (NaN otherwise), so the sum of x - x over the pass says
    // whether all were.
    private static bool Update(Span<float> p, ReadOnlySpan<float> g, float s, float lr)
    {
        int i = 0, w = Vector<float>.Count;
        var vs = new Vector<float>(s);
        var vlr = new Vector<float>(-lr);
        var check = Vector<float>.Zero;
        for (; i <= p.Length - w; i += w)
        {
            var updated = Vector.FusedMultiplyAdd(vlr, vs * new Vector<float>(g[i..]), new Vector<float>(p[i..]));
            updated.CopyTo(p[i..]);
            check += updated - updated;
        }
        float tail = 0f;
        for (; i < p.Length; i++)
        {
            p[i] = MathF.FusedMultiplyAdd(-lr, s * g[i], p[i]);
            tail += p[i] - p[i];
        }
        return Vector.Sum(check) + tail == 0f;
    }

    // v = m v + s g (v = s g on the first step); p -= lr v: one pass over p, g and v.
    private static bool Update(Span<float> p, ReadOnlySpan<float> g, Span<float> v, float s, float m, float lr, bool first)
    {
        int i = 0, w = Vector<float>.Count;
        var vs = new Vector<float>(s);
        var vm = new Vector<float>(first ? 0f : m);
        var vlr = new Vector<float>(-lr);
        var check = Vector<float>.Zero;
        for (; i <= p.Length - w; i += w)
        {
            var velocity = vm * new Vector<float>(v[i..]) + vs * new Vector<float>(g[i..]);
            velocity.CopyTo(v[i..]);
            var updated = Vector.FusedMultiplyAdd(vlr, velocity, new Vector<float>(p[i..]));
            updated.CopyTo(p[i..]);
            check += updated - updated;
        }
        float tail = 0f;
        for (; i < p.Length; i++)
        {
            v[i] = (first ? 0f : m) * v[i] + s * g[i];
            p[i] = MathF.FusedMultiplyAdd(-lr, v[i], p[i]);
            tail += p[i] - p[i];
        }
        return Vector.Sum(check) + tail == 0f;
    }

    /// <inheritdoc/>
    public OptimizerState SaveState() => new(OptimizerKind.Sgd, _steps,
        new Dictionary<string, float[][]> { ["velocity"] = _velocity?.Select(a => (float[])a.Clone()).ToArray() ?? [] });

    /// <inheritdoc/>
    public void LoadState(OptimizerState state)
    {
        if (state.Kind != OptimizerKind.Sgd) throw new ArgumentException($"cannot load {state.Kind.Name()} state into sgd.");
        _steps = state.Steps;
        var v = state.Buffers["velocity"];
        _velocity = v.Length == 0 ? null : v.Select(a =>
        {
            var copy = CacheLineArrays.Floats(a.Length);
            a.CopyTo(copy, 0);
            return copy;
        }).ToArray();
    }
}
