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

    /// <inheritdoc/>
    public void Step(IReadOnlyList<float[]> parameters, IReadOnlyList<float[]> gradients)
    {
        _velocity ??= gradients.Select(g => new float[g.Length]).ToArray();
        bool first = _steps == 0;
        for (int k = 0; k < parameters.Count; k++)
        {
            var p = parameters[k];
            var g = gradients[k];
            if (Momentum == 0f)
            {
                VectorMath.AddScaled(-LearningRate, g, p);
                continue;
            }
            var v = _velocity[k];
            if (first) g.CopyTo(v, 0);
            else
            {
                VectorMath.Scale(Momentum, v);
                VectorMath.Add(g, v);
            }
            VectorMath.AddScaled(-LearningRate, v, p);
        }
        _steps++;
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
