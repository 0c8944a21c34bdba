using static TorchSharp.torch;

namespace SpikeLfp.Learning.Surrogate;

/// <summary>Which TorchSharp optimizer steps the parameters.</summary>
public enum SurrogateOptimizer
{
    /// <summary><c>torch.optim.Adam</c> (betas 0.9, 0.999).</summary>
    Adam,

    /// <summary><c>torch.optim.SGD</c> with optional momentum.</summary>
    Sgd,
}

/// <summary>Optimizer and loss of a <see cref="SurrogateBatchTrainer"/>.</summary>
/// <param name="Optimizer">Adam or SGD.</param>
/// <param name="LearningRate">Step size (PyTorch's Adam default 1e-3).</param>
/// <param name="Momentum">SGD momentum (ignored by Adam).</param>
/// <param name="Loss">Loss on the output spikes.</param>
public sealed record SurrogateBatchTrainerOptions(
    SurrogateOptimizer Optimizer = SurrogateOptimizer.Adam,
    double LearningRate = 1e-3,
    double Momentum = 0.0,
    SurrogateLoss Loss = SurrogateLoss.CeRate);

/// <summary>
/// Mini-batch BPTT training of a <see cref="SurrogateNetwork"/>: reset state, run T steps, loss,
/// backward through time, optimizer step. State starts at zero for every batch. This is the low-level step on a
/// TorchSharp model; to train a <c>SpikingNetwork</c> epoch by epoch (as <c>LfpTrainer</c> does), use
/// <see cref="SurrogateGradientTrainer"/>.
/// </summary>
public sealed class SurrogateBatchTrainer : IDisposable
{
    private readonly optim.Optimizer optimizer;

    /// <summary>Trains <paramref name="network"/> (not owned: the caller disposes it).</summary>
    public SurrogateBatchTrainer(SurrogateNetwork network, SurrogateBatchTrainerOptions? options = null)
    {
        Network = network ?? throw new ArgumentNullException(nameof(network));
        Options = options ?? new SurrogateBatchTrainerOptions();
        if (!(Options.LearningRate > 0)) throw new ArgumentOutOfRangeException(nameof(options), "Learning rate must be positive.");
        optimizer = Options.Optimizer switch
        {
            SurrogateOptimizer.Adam => optim.Adam(network.Parameters(), lr: Options.LearningRate),
            SurrogateOptimizer.Sgd => optim.SGD(network.Parameters(), Options.LearningRate, momentum: Options.Momentum),
            _ => throw new ArgumentOutOfRangeException(nameof(options), Options.Optimizer, "Unknown optimizer."),
        };
    }

    /// <summary>The network being trained.</summary>
    public SurrogateNetwork Network { get; }

    /// <summary>Optimizer and loss settings.</summary>
    public SurrogateBatchTrainerOptions Options { get; }

    /// <summary>
    /// One optimizer step on a batch of constant currents x [B, Inputs] (row-major) with labels [B];
    /// returns the batch loss before the step. <paramref name="observe"/>, if given, sees the forward
    /// trace before the update (for predictions and spike counts; the trace is freed afterwards).
    /// </summary>
    public double TrainBatch(float[] x, int[] labels, int batch, int steps, Action<SurrogateTrace>? observe = null)
    {
        using Tensor input = Network.Input(x, batch);
        return TrainBatch(input, labels, steps, observe);
    }

    /// <summary>
    /// One optimizer step on a batch given as a tensor: [B, Inputs] (constant current) or [T, B, Inputs] (one input
    /// per step, e.g. from <see cref="SurrogateInput"/>), with labels [B]; returns the batch loss before the step.
    /// </summary>
    public double TrainBatch(Tensor input, int[] labels, int steps, Action<SurrogateTrace>? observe = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        using var scope = NewDisposeScope();
        using SurrogateTrace trace = Network.Forward(input, steps);
        observe?.Invoke(trace);
        using Tensor loss = Network.Loss(trace.OutputSpikes, labels, Options.Loss);
        double value = Network.Backward(loss);
        optimizer.step();
        return value;
    }

    /// <summary>Predicted class per sample: argmax of output spike counts (ties go to the lower class).</summary>
    public int[] Predict(float[] x, int batch, int steps)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using SurrogateTrace trace = Network.Forward(x, batch, steps);
        using Tensor counts = trace.OutputSpikes.sum(0L);
        using Tensor winners = counts.argmax(1L);
        return winners.data<long>().ToArray().Select(c => (int)c).ToArray();
    }

    /// <summary>Mean loss on a batch without changing the parameters.</summary>
    public double Evaluate(float[] x, int[] labels, int batch, int steps)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using SurrogateTrace trace = Network.Forward(x, batch, steps);
        using Tensor loss = Network.Loss(trace.OutputSpikes, labels, Options.Loss);
        using Tensor value = loss.to_type(ScalarType.Float64);
        return value.item<double>();
    }

    /// <summary>Frees the optimizer state.</summary>
    public void Dispose() => optimizer.Dispose();
}
