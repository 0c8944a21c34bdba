using TorchSharp.Modules;
using OptimizerKind = SpikeLfp.Learning.Optimizers.OptimizerKind;
using OptimizerState = SpikeLfp.Learning.Optimizers.OptimizerState;
using static SpikeLfp.Learning.Optimizers.OptimizerFactory;
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
    private long stepsTaken;

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
        stepsTaken++;
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

    /// <summary>Optimizer steps taken (batches trained), restored by <see cref="LoadOptimizerState"/>.</summary>
    public long Steps => stepsTaken;

    /// <summary>
    /// The optimizer's state in the checkpoint's layout: "adam" with buffers "m" and "v" (torch's exp_avg and
    /// exp_avg_sq), or "sgd" with "velocity" (torch's momentum buffer; zeros without momentum), one array per parameter
    /// in <see cref="SurrogateNetwork.Parameters"/> order, in torch's layout; no arrays before the first step.
    /// Float32 values copied exactly, so a run continued from them steps exactly as the uninterrupted one.
    /// </summary>
    public OptimizerState SaveOptimizerState()
    {
        if (Network.DType != ScalarType.Float32) throw new InvalidOperationException("optimizer state is saved for float32 networks only (the checkpoint holds float32 values).");
        var parameters = Network.Parameters().ToArray();
        var states = optimizer is OptimizerHelper helper ? helper.state_dict().State : throw new InvalidOperationException("unknown optimizer");
        if (states.Count != parameters.Length) throw new InvalidOperationException($"the optimizer holds {states.Count} states for {parameters.Length} parameters.");
        var buffers = new Dictionary<string, float[][]>();
        if (Options.Optimizer == SurrogateOptimizer.Adam)
        {
            var adam = states.Cast<Adam.State>().ToArray();
            buffers["m"] = stepsTaken == 0 ? [] : adam.Select(a => Values(a.exp_avg)).ToArray();
            buffers["v"] = stepsTaken == 0 ? [] : adam.Select(a => Values(a.exp_avg_sq)).ToArray();
        }
        else
        {
            buffers["velocity"] = stepsTaken == 0 ? [] : states.Cast<SGD.State>().Select((a, i) =>
                a.momentum_buffer is null ? new float[parameters[i].numel()] : Values(a.momentum_buffer)).ToArray();
        }
        return new OptimizerState(OptimizerKindOf(Options.Optimizer), stepsTaken, buffers);
    }

    /// <summary>Restores state saved by <see cref="SaveOptimizerState"/> into this trainer, made with the same options.</summary>
    /// <exception cref="ArgumentException">The state is another optimizer's or its arrays do not fit the parameters; the message says which.</exception>
    public void LoadOptimizerState(OptimizerState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (Network.DType != ScalarType.Float32) throw new InvalidOperationException("optimizer state is loaded into float32 networks only.");
        var kind = OptimizerKindOf(Options.Optimizer);
        if (state.Kind != kind) throw new ArgumentException($"the optimizer state is {state.Kind.Name()}'s but this trainer uses {kind.Name()}.");
        if (state.Steps < 0) throw new ArgumentException($"the optimizer step count is negative ({state.Steps}).");
        var parameters = Network.Parameters().ToArray();
        string[] names = kind == OptimizerKind.Adam ? ["m", "v"] : ["velocity"];
        foreach (string name in names)
        {
            if (!state.Buffers.TryGetValue(name, out var arrays)) throw new ArgumentException($"the optimizer state has no '{name}' buffer.");
            if ((arrays.Length == 0) != (state.Steps == 0)) throw new ArgumentException($"optimizer buffer '{name}' has {arrays.Length} arrays after {state.Steps} steps.");
            if (arrays.Length != 0 && arrays.Length != parameters.Length) throw new ArgumentException($"optimizer buffer '{name}' has {arrays.Length} arrays for {parameters.Length} parameters.");
            for (int i = 0; i < arrays.Length; i++)
                if (arrays[i].Length != parameters[i].numel()) throw new ArgumentException($"optimizer buffer '{name}'[{i}] has {arrays[i].Length} values for a parameter of {parameters[i].numel()}.");
        }
        stepsTaken = state.Steps;
        if (state.Steps == 0) return;
        // TorchSharp's state_dict() lists the optimizer's live per-parameter states in parameter order: set in place.
        var states = ((OptimizerHelper)optimizer).state_dict().State;
        using var noGrad = no_grad();
        for (int i = 0; i < parameters.Length; i++)
        {
            if (states[i] is Adam.State adam)
            {
                adam.step = state.Steps;
                adam.exp_avg = Load(adam.exp_avg, state.Buffers["m"][i], parameters[i]);
                adam.exp_avg_sq = Load(adam.exp_avg_sq, state.Buffers["v"][i], parameters[i]);
            }
            else if (states[i] is SGD.State sgd && Options.Momentum != 0)
                sgd.momentum_buffer = Load(sgd.momentum_buffer, state.Buffers["velocity"][i], parameters[i]);
        }
    }

    // The state's optimizer in LFP's names, so that a checkpoint reads the same for both rules.
    private static OptimizerKind OptimizerKindOf(SurrogateOptimizer optimizer)
        => optimizer == SurrogateOptimizer.Adam ? OptimizerKind.Adam : OptimizerKind.Sgd;

    private static float[] Values(Tensor t)
    {
        using var values = t.detach().to_type(ScalarType.Float32).contiguous();
        return values.data<float>().ToArray();
    }

    // A tensor shaped and typed like the parameter holding values; the old buffer is freed.
    private static Tensor Load(Tensor? old, float[] values, Parameter parameter)
    {
        var loaded = tensor(values, parameter.shape).DetachFromDisposeScope();
        old?.Dispose();
        return loaded;
    }

    /// <summary>Frees the optimizer state.</summary>
    public void Dispose() => optimizer.Dispose();
}
