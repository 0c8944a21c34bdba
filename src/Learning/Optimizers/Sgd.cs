using System.Numerics;

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

    /// <inheritdoc/>
    public void Step(IReadOnlyList<float[]> parameters, IReadOnlyList<float[]> gradients) => Step(parameters, gradients, 1f);

    /// <inheritdoc/>
    public void Step(IReadOnlyList<float[]> parameters, IReadOnlyList<float[]> gradients, float gradientScale)
    {
        _velocity ??= gradients.Select(g => new float[g.Length]).ToArray();
        bool first = _steps == 0;
        for (int k = 0; k < parameters.Count; k++)
        {
            if (Momentum == 0f) Update(parameters[k], gradients[k], gradientScale, LearningRate);
            else Update(parameters[k], gradients[k], _velocity[k], gradientScale, Momentum, LearningRate, first);
        }
        _steps++;
    }

    // p -= lr (s g)
    private static void Update(float[] p, float[] g, float s, float lr)
    {
        int i = 0, w = Vector<float>.Count;
        var vs = new Vector<float>(s);
        var vlr = new Vector<float>(-lr);
        for (; i <= p.Length - w; i += w)
            Vector.FusedMultiplyAdd(vlr, vs * new Vector<float>(g.AsSpan(i)), new Vector<float>(p.AsSpan(i))).CopyTo(p.AsSpan(i));
        for (; i < p.Length; i++) p[i] = MathF.FusedMultiplyAdd(-lr, s * g[i], p[i]);
    }

    // v = m v + s g (v = s g on the first step); p -= lr v: one pass over p, g and v.
    private static void Update(float[] p, float[] g, float[] v, float s, float m, float lr, bool first)
    {
        int i = 0, w = Vector<float>.Count;
        var vs = new Vector<float>(s);
        var vm = new Vector<float>(first ? 0f : m);
        var vlr = new Vector<float>(-lr);
        for (; i <= p.Length - w; i += w)
        {
            var velocity = vm * new Vector<float>(v.AsSpan(i)) + vs * new Vector<float>(g.AsSpan(i));
            velocity.CopyTo(v.AsSpan(i));
            Vector.FusedMultiplyAdd(vlr, velocity, new Vector<float>(p.AsSpan(i))).CopyTo(p.AsSpan(i));
        }
        for (; i < p.Length; i++)
        {
            v[i] = (first ? 0f : m) * v[i] + s * g[i];
            p[i] = MathF.FusedMultiplyAdd(-lr, v[i], p[i]);
        }
    }

    /// <inheritdoc/>
    public OptimizerState SaveState() => new("sgd", _steps,
        new Dictionary<string, float[][]> { ["velocity"] = _velocity?.Select(a => (float[])a.Clone()).ToArray() ?? [] });

    /// <inheritdoc/>
    public void LoadState(OptimizerState state)
    {
        if (state.Kind != "sgd") throw new ArgumentException($"cannot load {state.Kind} state into sgd.");
        _steps = state.Steps;
        var v = state.Buffers["velocity"];
        _velocity = v.Length == 0 ? null : v.Select(a => (float[])a.Clone()).ToArray();
    }
}
