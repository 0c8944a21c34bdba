namespace SpikeLfp.Learning.Optimizers;

/// <summary>
/// Adam as PyTorch implements it: m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2;
/// p -= lr (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps).
/// </summary>
public sealed class Adam(float learningRate, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f) : IOptimizer
{
    private float[][]? _m, _v;
    private long _steps;

    /// <inheritdoc/>
    public float LearningRate { get; set; } = learningRate;

    /// <inheritdoc/>
    public void Step(IReadOnlyList<float[]> parameters, IReadOnlyList<float[]> gradients) => Step(parameters, gradients, 1f);

    /// <inheritdoc/>
    public void Step(IReadOnlyList<float[]> parameters, IReadOnlyList<float[]> gradients, float gradientScale)
    {
        _m ??= gradients.Select(g => new float[g.Length]).ToArray();
        _v ??= gradients.Select(g => new float[g.Length]).ToArray();
        _steps++;
        float c1 = 1f - MathF.Pow(beta1, _steps), c2 = 1f - MathF.Pow(beta2, _steps);
        float stepSize = LearningRate / c1, sqrtC2 = MathF.Sqrt(c2);
        for (int k = 0; k < parameters.Count; k++)
        {
            var p = parameters[k];
            var g = gradients[k];
            var m = _m[k];
            var v = _v[k];
            for (int i = 0; i < p.Length; i++)
            {
                float gi = gradientScale * g[i];
                m[i] = beta1 * m[i] + (1f - beta1) * gi;
                v[i] = beta2 * v[i] + (1f - beta2) * gi * gi;
                p[i] -= stepSize * m[i] / (MathF.Sqrt(v[i]) / sqrtC2 + epsilon);
            }
        }
    }

    /// <inheritdoc/>
    public OptimizerState SaveState() => new(OptimizerKind.Adam, _steps, new Dictionary<string, float[][]>
    {
        ["m"] = _m?.Select(a => (float[])a.Clone()).ToArray() ?? [],
        ["v"] = _v?.Select(a => (float[])a.Clone()).ToArray() ?? [],
    });

    /// <inheritdoc/>
    public void LoadState(OptimizerState state)
    {
        if (state.Kind != OptimizerKind.Adam) throw new ArgumentException($"cannot load {state.Kind.Name()} state into adam.");
        _steps = state.Steps;
        _m = state.Buffers["m"].Length == 0 ? null : state.Buffers["m"].Select(a => (float[])a.Clone()).ToArray();
        _v = state.Buffers["v"].Length == 0 ? null : state.Buffers["v"].Select(a => (float[])a.Clone()).ToArray();
    }
}
