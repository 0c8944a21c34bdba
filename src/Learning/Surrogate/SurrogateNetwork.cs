using SpikeLfp.Neurons;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SpikeLfp.Learning.Surrogate;

/// <summary>
/// A stack of LIF or current-based LIF layers (dense, or convolutional and pooled: <see cref="SurrogateLayer.Conv"/>,
/// <see cref="SurrogateLayer.Pool"/>; any of them may be recurrent) held as TorchSharp parameters, trained by
/// backpropagation through time with a surrogate spike derivative (the baseline LFP is compared against).
/// Forward dynamics are those of the simulator (../shared/LFP.md, "Forward"); the reset term never
/// carries gradient, so the steps are linked by the beta * u and alpha * i paths and, in recurrent layers, by the
/// spikes s_{t-1} fed back through V (whose gradient passes the surrogate, as in snntorch's RLeaky and RSynaptic).
/// Everything is batched: one call runs B samples for T steps with no per-sample loops.
/// </summary>
public sealed class SurrogateNetwork : IDisposable
{
    private readonly SurrogateLayer[] layers;
    private readonly Parameter[] weights;
    private readonly Parameter[] biases;
    private readonly Parameter?[] recurrentWeights;
    private readonly Parameter?[] recurrentBiases;
    private bool disposed;

    /// <summary>Copies the layers' parameters into fresh leaf tensors that require gradients.</summary>
    /// <param name="layers">Layers from input to output; each one's Inputs must equal the previous one's Outputs.</param>
    /// <param name="surrogate">Spike derivative used by the backward pass.</param>
    /// <param name="dtype">Float32 (training) or Float64 (reference checks).</param>
    public SurrogateNetwork(IReadOnlyList<SurrogateLayer> layers, SurrogateSpec surrogate, ScalarType dtype = ScalarType.Float32)
    {
        ArgumentNullException.ThrowIfNull(layers);
        ArgumentNullException.ThrowIfNull(surrogate);
        if (layers.Count == 0) throw new ArgumentException("At least one layer is needed.", nameof(layers));
        if (dtype != ScalarType.Float32 && dtype != ScalarType.Float64)
            throw new ArgumentException("Only Float32 and Float64 are supported.", nameof(dtype));
        for (int i = 0; i < layers.Count; i++)
        {
            layers[i].Validate();
            if (i > 0 && layers[i].Inputs != layers[i - 1].Outputs)
                throw new ArgumentException($"Layer {i} takes {layers[i].Inputs} inputs but layer {i - 1} has {layers[i - 1].Outputs} neurons.", nameof(layers));
        }
        this.layers = layers.ToArray();
        Surrogate = surrogate;
        DType = dtype;
        weights = new Parameter[this.layers.Length];
        biases = new Parameter[this.layers.Length];
        recurrentWeights = new Parameter?[this.layers.Length];
        recurrentBiases = new Parameter?[this.layers.Length];
        for (int i = 0; i < this.layers.Length; i++)
        {
            SurrogateLayer layer = this.layers[i];
            long[] shape = layer.Conv is { } conv ? [conv.OutChannels, conv.InChannels, conv.Kernel, conv.Kernel] : [layer.Outputs, layer.SynapseInputs];
            weights[i] = NewParameter(tensor(layer.Weights, shape));
            biases[i] = NewParameter(tensor(layer.Bias, new long[] { layer.Bias.Length }));
            if (!layer.IsRecurrent) continue;
            recurrentWeights[i] = NewParameter(tensor(layer.RecurrentWeights!, new long[] { layer.Outputs, layer.Outputs }));
            recurrentBiases[i] = NewParameter(tensor(layer.RecurrentBias!, new long[] { layer.Outputs }));
        }
    }

    /// <summary>The spike derivative used by the backward pass.</summary>
    public SurrogateSpec Surrogate { get; }

    /// <summary>Element type of parameters, inputs and state.</summary>
    public ScalarType DType { get; }

    /// <summary>Number of layers.</summary>
    public int LayerCount => layers.Length;

    /// <summary>Fan-in of the first layer.</summary>
    public int Inputs => layers[0].Inputs;

    /// <summary>Neurons in the output layer (classes).</summary>
    public int Outputs => layers[^1].Outputs;

    /// <summary>
    /// Trainable tensors in optimizer order, the order of <c>SpikingNetwork.Parameters()</c>: W0, b0, (V0, bV0 for a
    /// recurrent layer), W1, b1, ...
    /// </summary>
    public IEnumerable<Parameter> Parameters()
    {
        ThrowIfDisposed();
        for (int i = 0; i < layers.Length; i++)
        {
            yield return weights[i];
            yield return biases[i];
            if (recurrentWeights[i] is null) continue;
            yield return recurrentWeights[i]!;
            yield return recurrentBiases[i]!;
        }
    }

    /// <summary>
    /// Overwrites layer <paramref name="layer"/>'s parameters with double-precision values, e.g. to load
    /// a float64 reference exactly (<see cref="SurrogateLayer"/> carries float32).
    /// </summary>
    public void LoadParameters(int layer, ReadOnlySpan<double> weightsRowMajor, ReadOnlySpan<double> bias)
        => Load(weights[layer], biases[layer], weightsRowMajor, bias, $"Layer {layer}'s weights");

    /// <summary>
    /// Overwrites recurrent layer <paramref name="layer"/>'s V ([Outputs, Outputs] row-major, PyTorch layout) and b_V
    /// with double-precision values.
    /// </summary>
    /// <exception cref="InvalidOperationException">The layer is not recurrent.</exception>
    public void LoadRecurrentParameters(int layer, ReadOnlySpan<double> weightsRowMajor, ReadOnlySpan<double> bias)
        => Load(RecurrentParameter(recurrentWeights, layer), RecurrentParameter(recurrentBiases, layer), weightsRowMajor, bias, $"Layer {layer}'s recurrent weights");

    private void Load(Parameter weight, Parameter bias, ReadOnlySpan<double> weightValues, ReadOnlySpan<double> biasValues, string what)
    {
        ThrowIfDisposed();
        if (weightValues.Length != weight.numel() || biasValues.Length != bias.numel())
            throw new ArgumentException($"{what} are [{string.Join(", ", weight.shape)}] with a bias of {bias.numel()}.");
        using var _ = no_grad();
        using var w = tensor(weightValues.ToArray(), weight.shape, DType);
        using var b = tensor(biasValues.ToArray(), bias.shape, DType);
        weight.copy_(w);
        bias.copy_(b);
    }

    /// <summary>Runs T steps with the same analog current x [B, Inputs] at every step (row-major).</summary>
    public SurrogateTrace Forward(float[] x, int batch, int steps)
    {
        using Tensor input = Input(x, batch);
        return ForwardConstant(input, steps);
    }

    /// <summary>Runs T steps with the same analog current x [B, Inputs] at every step (row-major).</summary>
    public SurrogateTrace Forward(double[] x, int batch, int steps)
    {
        using Tensor input = Input(x, batch);
        return ForwardConstant(input, steps);
    }

    /// <summary>
    /// Runs the network. <paramref name="input"/> is either [B, Inputs] (constant current, then
    /// <paramref name="steps"/> is required) or [T, B, Inputs] (one input per step).
    /// </summary>
    public SurrogateTrace Forward(Tensor input, int? steps = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        ThrowIfDisposed();
        if (input.dim() == 2)
        {
            if (steps is not int t || t <= 0) throw new ArgumentException("A constant [B, Inputs] input needs a positive step count.", nameof(steps));
            return ForwardConstant(input, t);
        }
        if (input.dim() != 3 || input.shape[2] != Inputs)
            throw new ArgumentException($"Input must be [B, {Inputs}] or [T, B, {Inputs}].", nameof(input));
        if (steps is int given && given != input.shape[0])
            throw new ArgumentException("steps disagrees with the input's first dimension.", nameof(steps));
        var perStep = new Tensor[input.shape[0]];
        for (int t = 0; t < perStep.Length; t++) perStep[t] = input[t];
        try { return Run(perStep); }
        finally { foreach (Tensor x in perStep) x.Dispose(); }
    }

    private SurrogateTrace ForwardConstant(Tensor input, int steps)
    {
        if (steps <= 0) throw new ArgumentException("steps must be positive.", nameof(steps));
        if (input.shape[1] != Inputs) throw new ArgumentException($"Input must have {Inputs} columns.");
        var perStep = new Tensor[steps];
        Array.Fill(perStep, input);
        return Run(perStep);
    }

    // One layer at a time over all steps (the next layer sees this layer's whole spike train), which
    // is the same computation as step-major order because layers only feed forward (recurrence stays in a layer).
    private SurrogateTrace Run(IReadOnlyList<Tensor> inputs)
    {
        ThrowIfDisposed();
        var spikeTrains = new List<Tensor>(layers.Length);
        var membraneTrains = new List<Tensor>(layers.Length);
        IReadOnlyList<Tensor> current = inputs;
        for (int l = 0; l < layers.Length; l++)
        {
            var (spikes, membranes) = RunLayer(l, current);
            spikeTrains.Add(stack(spikes, 0));
            membraneTrains.Add(stack(membranes, 0));
            if (l > 0) foreach (Tensor s in current) s.Dispose();
            foreach (Tensor m in membranes) m.Dispose();
            current = spikes;
        }
        foreach (Tensor s in current) s.Dispose();
        return new SurrogateTrace(spikeTrains, membraneTrains);
    }

    // Layer l over every step: the state (membrane, synaptic current, last spikes) starts at rest.
    private (Tensor[] Spikes, Tensor[] Membranes) RunLayer(int l, IReadOnlyList<Tensor> inputs)
    {
        SurrogateLayer layer = layers[l];
        int steps = inputs.Count;
        var spikes = new Tensor[steps];
        var membranes = new Tensor[steps];
        Tensor u = zeros(new long[] { inputs[0].shape[0], layer.Outputs }, DType);
        Tensor? synaptic = null;
        for (int t = 0; t < steps; t++)
        {
            using var z = Drive(l, inputs[t], t > 0 ? spikes[t - 1] : null);
            if (layer.Alpha is double alpha) synaptic = Synaptic(synaptic, z, alpha);
            Tensor next = MembraneStep(layer, u, synaptic ?? z, out spikes[t]);
            u.Dispose();
            u = next;
            membranes[t] = u.alias();
        }
        u.Dispose();
        synaptic?.Dispose();
        return (spikes, membranes);
    }

    // z_t of layer l: W x_t + b, and for a recurrent layer + b_V + V s_{t-1} in the simulator's order (s_{-1} = 0, so
    // step 0 adds b_V alone). The spikes keep their surrogate graph: the recurrent path carries gradient.
    private Tensor Drive(int l, Tensor x, Tensor? previousSpikes)
    {
        Tensor z = Currents(l, x);
        if (recurrentWeights[l] is not { } v) return z;
        Tensor withBias;
        using (z) withBias = TorchArithmetic.Plus(z, recurrentBiases[l]!);
        if (previousSpikes is null) return withBias;
        using (withBias)
        {
            using var fedBack = nn.functional.linear(previousSpikes, v);
            return TorchArithmetic.Plus(withBias, fedBack);
        }
    }

    // i_t = alpha i_{t-1} + z_t (at rest i_{-1} = 0, so i_0 = z_0 exactly, as the simulator copies it). Frees i_{t-1}.
    private static Tensor Synaptic(Tensor? previous, Tensor z, double alpha)
    {
        if (previous is null) return z.alias();
        using (previous)
        {
            using var alphaScalar = alpha.ToScalar();
            using var decayed = previous * alphaScalar;
            return TorchArithmetic.Plus(decayed, z);
        }
    }

    // u_t from u_{t-1} and this step's drive I_t (z_t or the synaptic current); writes s_t. r_t is read from the
    // stored membrane, detached: the reset carries no gradient.
    private Tensor MembraneStep(SurrogateLayer layer, Tensor u, Tensor drive, out Tensor spikes)
    {
        if (layer.Readout) return ReadoutStep(layer, u, drive, out spikes);
        // Scalars are created and disposed here, never converted implicitly (TorchArithmetic says why).
        using var thr = layer.Threshold.ToScalar();
        using var reset = u.detach().gt(thr).to_type(DType);
        Tensor next = Integrate(layer, u, drive, reset);
        using (var v = TorchArithmetic.Minus(next, thr)) spikes = SurrogateSpike.Apply(v, Surrogate);
        if (layer.DelayedReset) return next;
        // Immediate reset d = s_t - r_t (snntorch's "avoid double reset"), detached here too:
        // snntorch lets the surrogate flow through s_t in this term; we keep every reset
        // gradient-free, as for the delayed reset.
        using var fired = spikes.detach();
        using var d = TorchArithmetic.Minus(fired, reset);
        using var amount = layer.Reset == ResetMode.Subtract ? d * thr : d * next;
        using (next) return TorchArithmetic.Minus(next, amount);
    }

    // A non-spiking leaky integrator: u_t = beta u_{t-1} + I_t, and its output is u_t itself.
    private static Tensor ReadoutStep(SurrogateLayer layer, Tensor u, Tensor drive, out Tensor output)
    {
        using var beta = layer.Beta.ToScalar();
        using var leaked = u * beta;
        var next = TorchArithmetic.Plus(leaked, drive);
        output = next.alias();
        return next;
    }

    // u' before any immediate reset, per reset mode (SurrogateLayer's equations, in the simulator's operation order).
    private static Tensor Integrate(SurrogateLayer layer, Tensor u, Tensor drive, Tensor reset)
    {
        using var beta = layer.Beta.ToScalar();
        using var thr = layer.Threshold.ToScalar();
        using var one = 1.0.ToScalar();
        switch (layer.Reset)
        {
            case ResetMode.Zero:
            {
                using var kept = TorchArithmetic.Minus(one, reset);
                using var carried = u * kept;
                using var leaked = carried * beta;
                return TorchArithmetic.Plus(leaked, drive);                   // u' = beta (1 - r_t) u_{t-1} + I_t
            }
            case ResetMode.ZeroAll:
            {
                using var kept = TorchArithmetic.Minus(one, reset);
                using var leaked = u * beta;
                using var integrated = TorchArithmetic.Plus(leaked, drive);
                return integrated * kept;                // u' = (1 - r_t) (beta u_{t-1} + I_t)
            }
            default:
            {
                using var leaked = u * beta;
                using var integrated = TorchArithmetic.Plus(leaked, drive);
                using var subtracted = reset * thr;
                return TorchArithmetic.Minus(integrated, subtracted);          // u' = beta u_{t-1} + I_t - thr r_t
            }
        }
    }

    // z_t = W x_t + b of layer l for a flat input [B, Inputs]. Convolutional and pooled layers view x_t as a
    // channel-last image [B, H, W, C], run PyTorch's NCHW ops on the permuted view and flatten channel-last again,
    // so every layout matches the simulator's (Conv2dSynapses, PooledSynapses).
    private Tensor Currents(int l, Tensor x)
    {
        SurrogateLayer layer = layers[l];
        if (layer.Conv is null && layer.Pool is null) return nn.functional.linear(x, weights[l], biases[l]);
        using var scope = NewDisposeScope();
        long batch = x.shape[0];
        Tensor? image = null;
        if (layer.Pool is { } pool)
        {
            var nchw = x.reshape(batch, pool.InHeight, pool.InWidth, pool.Channels).permute(0, 3, 1, 2);
            long[] window = [pool.Size, pool.Size];
            image = pool.Average ? nn.functional.avg_pool2d(nchw, window, window) : nn.functional.max_pool2d(nchw, window, window);
        }
        Tensor result;
        if (layer.Conv is { } conv)
        {
            image ??= x.reshape(batch, conv.InHeight, conv.InWidth, conv.InChannels).permute(0, 3, 1, 2);
            var maps = nn.functional.conv2d(image, weights[l], biases[l], strides: [conv.Stride, conv.Stride], padding: [conv.Padding, conv.Padding]);
            result = maps.permute(0, 2, 3, 1).reshape(batch, -1);
        }
        else
            result = nn.functional.linear(image!.permute(0, 2, 3, 1).reshape(batch, -1), weights[l], biases[l]);
        return result.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Loss of output spikes [T, B, C] against labels [B] (int64). Differentiable through the surrogate.
    /// </summary>
    public static Tensor Loss(Tensor outputSpikes, Tensor labels, SurrogateLoss loss)
    {
        ArgumentNullException.ThrowIfNull(outputSpikes);
        ArgumentNullException.ThrowIfNull(labels);
        long steps = outputSpikes.shape[0], batch = outputSpikes.shape[1], classes = outputSpikes.shape[2];
        switch (loss)
        {
            case SurrogateLoss.CeRate:
            {
                // mean over the T*B rows == (1/T) sum_t mean_b CE_t.
                using var logits = outputSpikes.reshape(steps * batch, classes);
                using var repeated = labels.repeat(steps);
                return nn.functional.cross_entropy(logits, repeated);
            }
            case SurrogateLoss.CeCount:
            {
                using var counts = outputSpikes.sum(0L);
                return nn.functional.cross_entropy(counts, labels);
            }
            case SurrogateLoss.MseCount:
            {
                using var counts = outputSpikes.sum(0L);
                using var oneHot = nn.functional.one_hot(labels, classes).to_type(outputSpikes.dtype);
                using var stepCount = ((double)steps).ToScalar();
                using var target = oneHot * stepCount;
                using var mse = nn.functional.mse_loss(counts, target);
                return mse / stepCount;
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(loss), loss, "Unknown loss.");
        }
    }

    /// <summary>Loss of output spikes [T, B, C] against integer labels.</summary>
    public Tensor Loss(Tensor outputSpikes, int[] labels, SurrogateLoss loss)
    {
        using var target = Labels(labels, outputSpikes.shape[1]);
        return layers[^1].Readout ? ReadoutLoss(outputSpikes, target) : Loss(outputSpikes, target, loss);
    }

    // A readout's "spikes" are its membranes: cross-entropy of their average over the steps, the logits LFP rewards
    // (ReadoutSoftmaxReward) and the prediction reads.
    private static Tensor ReadoutLoss(Tensor membranes, Tensor labels)
    {
        using var logits = membranes.mean([0L]);
        return nn.functional.cross_entropy(logits, labels);
    }

    /// <summary>Clears gradients, back-propagates <paramref name="loss"/> and returns its value.</summary>
    public double Backward(Tensor loss)
    {
        ArgumentNullException.ThrowIfNull(loss);
        ZeroGradients();
        loss.backward();
        using var value = loss.detach().to_type(ScalarType.Float64);
        return value.item<double>();
    }

    /// <summary>Drops accumulated gradients.</summary>
    public void ZeroGradients()
    {
        foreach (Parameter p in Parameters())
        {
            Tensor? grad = p.grad;
            if (grad is not null) grad.zero_();
        }
    }

    /// <summary>dL/dW of layer <paramref name="layer"/>, [Outputs, Inputs] row-major ([outC, inC, kh, kw] for a convolution); zeros before any backward.</summary>
    public double[] WeightGradient(int layer) => Gradient(weights[layer]);

    /// <summary>dL/db of layer <paramref name="layer"/>; zeros before any backward.</summary>
    public double[] BiasGradient(int layer) => Gradient(biases[layer]);

    /// <summary>dL/dV of recurrent layer <paramref name="layer"/>, [Outputs, Outputs] row-major; zeros before any backward.</summary>
    /// <exception cref="InvalidOperationException">The layer is not recurrent.</exception>
    public double[] RecurrentWeightGradient(int layer) => Gradient(RecurrentParameter(recurrentWeights, layer));

    /// <summary>dL/db_V of recurrent layer <paramref name="layer"/>; zeros before any backward.</summary>
    /// <exception cref="InvalidOperationException">The layer is not recurrent.</exception>
    public double[] RecurrentBiasGradient(int layer) => Gradient(RecurrentParameter(recurrentBiases, layer));

    /// <summary>The current parameters as plain layers (float32), with this network's dynamics settings.</summary>
    public IReadOnlyList<SurrogateLayer> ExportLayers()
    {
        ThrowIfDisposed();
        var result = new SurrogateLayer[layers.Length];
        for (int i = 0; i < layers.Length; i++)
            result[i] = layers[i] with
            {
                Weights = ToFloat(weights[i]),
                Bias = ToFloat(biases[i]),
                RecurrentWeights = recurrentWeights[i] is { } v ? ToFloat(v) : null,
                RecurrentBias = recurrentBiases[i] is { } bv ? ToFloat(bv) : null,
            };
        return result;
    }

    private Parameter RecurrentParameter(Parameter?[] parameters, int layer)
        => parameters[layer] ?? throw new InvalidOperationException($"Layer {layer} has no recurrent synapses.");

    /// <summary>Labels [B] as an int64 tensor, checked against the class count.</summary>
    internal Tensor Labels(int[] labels, long batch)
    {
        ArgumentNullException.ThrowIfNull(labels);
        if (labels.Length != batch) throw new ArgumentException($"Expected {batch} labels, got {labels.Length}.", nameof(labels));
        foreach (int label in labels)
            if (label < 0 || label >= Outputs) throw new ArgumentOutOfRangeException(nameof(labels), label, $"Labels must be in [0, {Outputs}).");
        return tensor(labels.Select(l => (long)l).ToArray(), new long[] { labels.Length });
    }

    internal Tensor Input(float[] x, int batch)
    {
        ArgumentNullException.ThrowIfNull(x);
        CheckInput(x.Length, batch);
        return tensor(x, new long[] { batch, Inputs }, DType);
    }

    internal Tensor Input(double[] x, int batch)
    {
        ArgumentNullException.ThrowIfNull(x);
        CheckInput(x.Length, batch);
        return tensor(x, new long[] { batch, Inputs }, DType);
    }

    private void CheckInput(int length, int batch)
    {
        ThrowIfDisposed();
        if (batch <= 0 || length != batch * Inputs)
            throw new ArgumentException($"Expected B*Inputs = {batch}*{Inputs} values, got {length}.");
    }

    private Parameter NewParameter(Tensor values)
    {
        using (values)
        {
            using var typed = values.to_type(DType);
            var parameter = new Parameter(typed.clone(), requires_grad: true);
            // Parameters live as long as the network, not as long as a caller's dispose scope.
            parameter.DetachFromDisposeScope();
            return parameter;
        }
    }

    private double[] Gradient(Parameter parameter)
    {
        ThrowIfDisposed();
        Tensor? grad = parameter.grad;
        if (grad is null) return new double[parameter.numel()];
        using var values = grad.detach().to_type(ScalarType.Float64).contiguous();
        return values.data<double>().ToArray();
    }

    private static float[] ToFloat(Tensor t)
    {
        using var values = t.detach().to_type(ScalarType.Float32).contiguous();
        return values.data<float>().ToArray();
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(disposed, this);

    /// <summary>Frees the parameter tensors.</summary>
    public void Dispose()
    {
        if (disposed) return;
        disposed = true;
        foreach (Parameter? p in weights.Concat(biases).Concat(recurrentWeights).Concat(recurrentBiases)) p?.Dispose();
    }
}

/// <summary>Spikes and membranes of every layer from one forward run, each [T, B, neurons].</summary>
public sealed class SurrogateTrace : IDisposable
{
    internal SurrogateTrace(IReadOnlyList<Tensor> spikes, IReadOnlyList<Tensor> membranes)
    {
        Spikes = spikes;
        Membranes = membranes;
    }

    /// <summary>Spike trains per layer (0/1, with the surrogate autograd graph attached).</summary>
    public IReadOnlyList<Tensor> Spikes { get; }

    /// <summary>Membranes per layer: u_t after this step's integration and any reset applied in the step.</summary>
    public IReadOnlyList<Tensor> Membranes { get; }

    /// <summary>The output layer's spikes [T, B, C].</summary>
    public Tensor OutputSpikes => Spikes[^1];

    /// <summary>Frees the recorded tensors.</summary>
    public void Dispose()
    {
        foreach (Tensor t in Spikes) t.Dispose();
        foreach (Tensor t in Membranes) t.Dispose();
    }
}
