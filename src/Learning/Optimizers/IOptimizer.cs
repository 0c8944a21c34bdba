namespace SpikeLfp.Learning.Optimizers;

/// <summary>
/// Updates parameters from gradients. LFP passes grad = -feedback; every array pair (parameter, gradient)
/// keeps its index across calls so the optimizer can hold per-parameter state.
/// </summary>
public interface IOptimizer
{
    /// <summary>Learning rate (may be changed between steps by a schedule).</summary>
    float LearningRate { get; set; }

    /// <summary>Applies one update: parameters[k] -= f(gradients[k]).</summary>
    void Step(IReadOnlyList<float[]> parameters, IReadOnlyList<float[]> gradients);

    /// <summary>
    /// Applies one update with the gradient <paramref name="gradientScale"/> * gradients[k], without writing the
    /// scaled gradient anywhere: LFP passes its feedback with scale -clip (grad = -feedback, clipped) and the
    /// optimizer makes one pass over the weights instead of three.
    /// </summary>
    void Step(IReadOnlyList<float[]> parameters, IReadOnlyList<float[]> gradients, float gradientScale);

    /// <summary>
    /// <see cref="Step(IReadOnlyList{float[]}, IReadOnlyList{float[]}, float)"/>, then whether every parameter is still
    /// finite (no NaN, no infinity); an optimizer may check the values as it writes them instead of reading them again.
    /// </summary>
    bool StepAndCheckFinite(IReadOnlyList<float[]> parameters, IReadOnlyList<float[]> gradients, float gradientScale)
    {
        Step(parameters, gradients, gradientScale);
        foreach (var p in parameters)
            if (!Network.Synapses.VectorMath.AllFinite(p)) return false;
        return true;
    }

    /// <summary>The optimizer's state (momentum buffers, moments, step count) for checkpoints.</summary>
    OptimizerState SaveState();

    /// <summary>Restores state written by <see cref="SaveState"/>.</summary>
    void LoadState(OptimizerState state);
}

/// <summary>Serializable optimizer state: which optimizer, named buffers per parameter and a step counter.</summary>
public sealed record OptimizerState(OptimizerKind Kind, long Steps, IReadOnlyDictionary<string, float[][]> Buffers);

/// <summary>The optimizers LFP training steps with; named "sgd" and "adam" in options, checkpoints and output.</summary>
public enum OptimizerKind
{
    /// <summary>SGD with momentum (<see cref="Optimizers.Sgd"/>), "sgd".</summary>
    Sgd,

    /// <summary>Adam (<see cref="Optimizers.Adam"/>), "adam".</summary>
    Adam,
}

/// <summary>Validated construction of optimizers (<see cref="Sgd"/>, <see cref="Adam"/>), and their names.</summary>
public static class OptimizerFactory
{
    /// <summary>The name of <paramref name="kind"/> in options, checkpoints and output: "sgd" or "adam".</summary>
    public static string Name(this OptimizerKind kind) => kind switch
    {
        OptimizerKind.Sgd => "sgd",
        OptimizerKind.Adam => "adam",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown optimizer."),
    };

    /// <summary>The optimizer named <paramref name="name"/>: "sgd" or "adam".</summary>
    /// <exception cref="ArgumentException">Any other name.</exception>
    public static OptimizerKind Parse(string name) => name switch
    {
        "sgd" => OptimizerKind.Sgd,
        "adam" => OptimizerKind.Adam,
        _ => throw new ArgumentException($"unknown optimizer '{name}': expected sgd or adam."),
    };

    /// <summary>Creates SGD (with <paramref name="momentum"/>) or Adam; <paramref name="parallelism"/> lets SGD update large arrays on several threads.</summary>
    /// <exception cref="ArgumentException">A learning rate / momentum that is not finite and in range, or an unknown kind.</exception>
    public static IOptimizer Create(OptimizerKind kind, float learningRate, float momentum, ParallelOptions? parallelism = null)
    {
        if (!float.IsFinite(learningRate) || learningRate <= 0f)
            throw new ArgumentException($"learning rate must be a finite number > 0, got {learningRate}.");
        if (!float.IsFinite(momentum) || momentum < 0f || momentum >= 1f)
            throw new ArgumentException($"momentum must be in [0, 1), got {momentum}.");
        return kind switch
        {
            OptimizerKind.Sgd => new Sgd(learningRate, momentum) { Parallelism = parallelism },
            OptimizerKind.Adam => new Adam(learningRate),
            _ => throw new ArgumentException($"unknown optimizer '{kind}': expected sgd or adam."),
        };
    }
}
