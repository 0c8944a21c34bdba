using SpikeLfp.Network.Encoding;

namespace SpikeLfp.Learning.Training;

/// <summary>
/// Every training setting in one place, with the reference's defaults (LFP.md, "One training step"):
/// T = 15 steps, batch 32, SGD lr 0.02 momentum 0.9, global gradient-norm clip 3, constant-current input.
/// </summary>
public sealed record TrainingOptions
{
    /// <summary>Simulation steps per sample.</summary>
    public int Steps { get; init; } = 15;
    /// <summary>Passes over the training set.</summary>
    public int Epochs { get; init; } = 30;
    /// <summary>Samples per update.</summary>
    public int BatchSize { get; init; } = 32;
    /// <summary>SGD (with <see cref="Momentum"/>) or Adam; its name ("sgd", "adam") is <c>Optimizer.Name()</c>.</summary>
    public Optimizers.OptimizerKind Optimizer { get; init; } = Optimizers.OptimizerKind.Sgd;
    /// <summary>Learning rate.</summary>
    public float LearningRate { get; init; } = 0.02f;
    /// <summary>SGD momentum.</summary>
    public float Momentum { get; init; } = 0.9f;
    /// <summary>Global L2 norm the gradient is clipped to (0 disables clipping).</summary>
    public float ClipNorm { get; init; } = 3f;
    /// <summary>Seed of initialisation, shuffling and spike encoders.</summary>
    public int Seed { get; init; }
    /// <summary>
    /// Input encoding: current, rows, rate or latency; <see cref="EncoderKind.Events"/> for recorded spikes. Its name
    /// ("current", ...) is <c>Encoder.Name()</c>.
    /// </summary>
    public EncoderKind Encoder { get; init; } = EncoderKind.Current;
    /// <summary>Samples per batch when evaluating (does not change results).</summary>
    public int EvaluationBatchSize { get; init; } = Evaluator.DefaultBatchSize;

    /// <summary>Checks every value; throws <see cref="ArgumentException"/> naming the first bad one.</summary>
    public void Validate()
    {
        if (Steps < 1) throw new ArgumentException($"steps must be a positive integer, got {Steps}.");
        if (Epochs < 1) throw new ArgumentException($"epochs must be a positive integer, got {Epochs}.");
        if (BatchSize < 1) throw new ArgumentException($"batch size must be a positive integer, got {BatchSize}.");
        if (!float.IsFinite(LearningRate) || LearningRate <= 0) throw new ArgumentException($"learning rate must be a finite number > 0, got {LearningRate}.");
        if (!float.IsFinite(Momentum) || Momentum < 0 || Momentum >= 1) throw new ArgumentException($"momentum must be in [0, 1), got {Momentum}.");
        if (!float.IsFinite(ClipNorm) || ClipNorm < 0) throw new ArgumentException($"clip norm must be a finite number >= 0, got {ClipNorm}.");
        if (!Enum.IsDefined(Optimizer)) throw new ArgumentException($"unknown optimizer '{Optimizer}': expected sgd or adam.");
        if (!Enum.IsDefined(Encoder)) throw new ArgumentException($"unknown encoder '{Encoder}': expected {string.Join(", ", InputEncoders.Names)}.");
    }
}
