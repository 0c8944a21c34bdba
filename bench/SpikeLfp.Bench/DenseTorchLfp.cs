using SpikeLfp.Learning.Surrogate;
using SpikeLfp.Network.Encoding;
using SpikeLfp.Network.Model;
using SpikeLfp.Network.Synapses;
using SpikeLfp.Neurons;
using TorchSharp;
using static TorchSharp.torch;

namespace SpikeLfp.Bench;

/// <summary>
/// The LFP step computed densely on TorchSharp, the way the reference (lfprop on PyTorch) does it: every step
/// multiplies full matrices, whether the inputs fired or not. It is the yardstick for SpikeLfp's event-driven
/// LFP, and is checked against it (same feedback). Float32 (Float64 for accuracy checks), no autograd (no_grad).
/// Forward: LIF with delayed reset by subtraction (../shared/LFP.md, "Forward"); backward: LFP.md, "Backward",
/// per step: R, D, rho, internal reward, weight feedback |W| (.) (rho^T x) accumulated per step, bias feedback,
/// and the reward handed down x (.) (W^T rho); then the rate-coded reward ("Rewards", divided by T), and the
/// reference's update: grad = -feedback, global-norm clip, SGD with momentum.
/// Convolutional layers (lfprop's LifCNN) keep PyTorch's NCHW layout: conv2d per step forward, and per step backward
/// the weight feedback as im2col (unfold) times rho, the reward handed down through conv_transpose2d; max pooling in
/// front of a layer routes the reward to each window's argmax (max_pool2d's indices), as the gradient does.
/// Beyond the reference, as docs/lfp-temporal.md derives them: CubaLIF neurons (the synaptic current drives the
/// membrane, the synapses use q_t in place of rho_t), recurrent dense layers (V s_{t-1} + b_V as one more matmul per
/// step, its reward added to the reward at s_{t-1}) and analog sequence input (<see cref="Sequence"/>).
/// </summary>
public sealed class DenseTorchLfp : IDisposable
{
    private const float Epsilon = 1e-6f;   // LFP.md's eps, as LfpKernels.Epsilon
    private readonly DenseLayer[] _layers;
    private readonly HeldScalars _s = new();
    private Tensor? _inputReward;
    private bool _disposed;

    /// <summary>
    /// Copies the weights of <paramref name="network"/>: layers of LIF or CubaLIF neurons with reset by subtraction
    /// and delayed reset, dense (feed-forward or recurrent) or convolutional, optionally max-pooling their input.
    /// </summary>
    /// <param name="network">Source of shapes, weights and neuron parameters.</param>
    /// <param name="learningRate">SGD learning rate (the reference's 0.02).</param>
    /// <param name="momentum">SGD momentum (0.9).</param>
    /// <param name="clipNorm">Global L2 norm the gradient is clipped to (3; 0 disables).</param>
    /// <param name="dtype">Float32 (the benchmark, as the reference) or Float64 (to see which float32 result is closer to exact).</param>
    public DenseTorchLfp(SpikingNetwork network, float learningRate = 0.02f, float momentum = 0.9f, float clipNorm = 3f, ScalarType dtype = ScalarType.Float32)
    {
        ArgumentNullException.ThrowIfNull(network);
        if (dtype is not (ScalarType.Float32 or ScalarType.Float64)) throw new ArgumentException("only Float32 and Float64 are supported.", nameof(dtype));
        if (network.Layers.Select(Unsupported).FirstOrDefault(reason => reason is not null) is { } reason) throw new ArgumentException(reason, nameof(network));
        DType = dtype;
        LearningRate = learningRate;
        Momentum = momentum;
        ClipNorm = clipNorm;
        _layers = network.Layers.Select(l => new DenseLayer(l, dtype)).ToArray();
        Inputs = network.InputSize;
        Outputs = network.OutputSize;
    }

    /// <summary>Element type of every tensor.</summary>
    public ScalarType DType { get; }
    /// <summary>Inputs per sample and step.</summary>
    public int Inputs { get; }
    /// <summary>Output neurons (classes).</summary>
    public int Outputs { get; }
    /// <summary>SGD learning rate.</summary>
    public float LearningRate { get; }
    /// <summary>SGD momentum.</summary>
    public float Momentum { get; }
    /// <summary>Global gradient-norm clip (0: none).</summary>
    public float ClipNorm { get; }

    /// <summary>A batch of constant currents x [B, Inputs] as a tensor (row-major <paramref name="features"/>).</summary>
    public Tensor Input(ReadOnlySpan<float> features, int batch)
    {
        if (features.Length != batch * Inputs) throw new ArgumentException($"expected {batch} x {Inputs} features, got {features.Length}.");
        return Keep(Typed(tensor(features.ToArray(), [batch, Inputs]), DType));
    }

    /// <summary>
    /// A batch of analog sequences as a time-major tensor [T, B, Inputs]: slice t holds what <paramref name="encoder"/>
    /// presents at step t (row t of each image for the rows encoder). Time-major, so each step's input is one
    /// contiguous [B, Inputs] block, as a per-step dense loop reads it.
    /// </summary>
    public Tensor Sequence(ReadOnlySpan<float> features, int batch, ISequenceEncoder encoder, int steps)
    {
        ArgumentNullException.ThrowIfNull(encoder);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(steps);
        if (features.Length != batch * encoder.FeatureCount) throw new ArgumentException($"expected {batch} x {encoder.FeatureCount} features, got {features.Length}.");
        var currents = new float[batch * steps * Inputs];
        encoder.EncodeSequence(features, encoder.FeatureCount, batch, steps, Inputs, currents);   // [B, T, Inputs]
        return TimeMajor(currents, batch, steps);
    }

    // [B, T, Inputs] values (the simulator's layout) as the time-major tensor a per-step loop reads.
    private Tensor TimeMajor(float[] sampleMajor, int batch, int steps)
    {
        using var samples = tensor(sampleMajor, [batch, steps, Inputs]);
        using var timeMajor = samples.transpose(0, 1);
        return Keep(Typed(timeMajor.contiguous(), DType));
    }

    /// <summary>
    /// A batch of spike trains (encoded, or recorded: <see cref="RecordedSpikeEncoder"/>) as a time-major 0/1 tensor
    /// [T, B, Inputs]: the dense step multiplies every input, silent or not, where ours delivers only the events.
    /// Sample b is encoded with key b, as <see cref="FeedbackCheck.Ours"/> does.
    /// </summary>
    public Tensor Spikes(ReadOnlySpan<float> features, int batch, IInputEncoder encoder, int steps)
    {
        ArgumentNullException.ThrowIfNull(encoder);
        var train = new SpikeTrain(batch, steps, Inputs);
        int perSample = encoder.FeaturesPerSample(Inputs);
        encoder.Encode(features[..(batch * perSample)], perSample, Enumerable.Range(0, batch).Select(b => (long)b).ToArray(), train);
        var dense = new float[batch * steps * Inputs];
        train.WriteDense(batch, dense);
        return TimeMajor(dense, batch, steps);
    }

    /// <summary>
    /// The input tensor for <paramref name="encoder"/>: <see cref="Input(ReadOnlySpan{float}, int)"/> for a constant
    /// current, <see cref="Sequence"/> for a sequence encoder, <see cref="Spikes"/> for spikes.
    /// </summary>
    public Tensor Input(ReadOnlySpan<float> features, int batch, IInputEncoder encoder, int steps) => encoder switch
    {
        ISequenceEncoder sequence => Sequence(features, batch, sequence, steps),
        _ when encoder.Kind == InputKind.ConstantCurrent => Input(features, batch),
        _ => Spikes(features, batch, encoder, steps),
    };

    /// <summary>
    /// One LFP training step on a batch (forward, reward, backward, clip, SGD step), as the reference's loop;
    /// returns the summed reward of the batch. <paramref name="x"/> is [B, Inputs] or a sequence [T, B, Inputs].
    /// </summary>
    public float TrainBatch(Tensor x, ReadOnlySpan<int> labels, int steps)
    {
        float reward = ComputeFeedback(x, labels, steps, keepInputReward: false);
        Step();
        return reward;
    }

    /// <summary>
    /// Forward and LFP backward only: overwrites the feedback of every parameter (read with
    /// <see cref="WeightFeedback"/>, <see cref="BiasFeedback"/> or <see cref="FeedbackInParameterOrder"/>); returns the
    /// summed reward of the batch. With <paramref name="keepInputReward"/> also keeps the reward reaching the input
    /// (<see cref="InputReward"/>).
    /// </summary>
    public float ComputeFeedback(Tensor x, ReadOnlySpan<int> labels, int steps, bool keepInputReward = false)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        int batch = CheckInput(x, steps);
        if (labels.Length != batch) throw new ArgumentException($"expected {batch} labels, got {labels.Length}.");
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();

        var trace = Forward(x, steps);
        var arriving = OutputReward(trace, labels, steps, out var total);
        if (keepInputReward)
        {
            _inputReward?.Dispose();
            _inputReward = Keep(zeros_like(x));
        }
        for (int k = _layers.Length - 1; k >= 0; k--) arriving = BackwardLayer(k, trace, x, arriving, keepInputReward);
        return (float)total.item<double>();
    }

    // Rate-coded reward on the output spikes, divided by T (LFP.md, "Rewards"), laid out per step; total is its sum.
    private Tensor[] OutputReward(LayerStep[,] trace, ReadOnlySpan<int> labels, int steps, out Tensor total)
    {
        int top = _layers.Length - 1, half = steps / 2;
        var counts = zeros([labels.Length, Outputs], DType);
        for (int t = 0; t < steps; t++) _s.AddInPlace(counts, trace[top, t].Spikes);
        var oneHot = Typed(OneHot(labels, Outputs), DType);
        var correct = _s.Plus(counts.sub(_s[half]).sigmoid().neg(), 1f).mul(oneHot).div(_s[steps]);   // (1 - sigmoid(c - T/2)) y / T
        var wrongScale = _s.Plus(_s.Plus(counts.neg(), steps - half).sigmoid().neg(), 1f);
        var wrong = wrongScale.neg().mul(_s.Plus(oneHot.neg(), 1f)).div(_s[steps]);
        var arriving = new Tensor[steps];
        total = zeros([1], ScalarType.Float64);
        for (int t = 0; t < steps; t++)
        {
            arriving[t] = _s.Plus(correct, wrong.mul(trace[top, t].Spikes));
            _s.AddInPlace(total, arriving[t].sum());
        }
        return arriving;
    }

    // LFP through layer k in reverse time (LFP.md, "Backward"; docs/lfp-temporal.md for CubaLIF, recurrent synapses
    // and sequences); returns the reward handed to the layer below at each step. arriving[t] is A_t.
    private Tensor[] BackwardLayer(int k, LayerStep[,] trace, Tensor x, Tensor[] arriving, bool keepInputReward)
    {
        var layer = _layers[k];
        var p = layer.Membrane;
        int steps = arriving.Length;
        foreach (var parameter in layer.Parameters()) parameter.Feedback.zero_();
        var magnitude = layer.Weights.Value.abs();
        var biasMagnitude = layer.Bias.Value.abs();
        var internalReward = zeros_like(trace[k, 0].Membrane);
        var carried = zeros_like(internalReward);   // alpha q_{t+1}: the synaptic current's reward from step t+1 (CubaLIF)
        var below = new Tensor[steps];
        for (int t = steps - 1; t >= 0; t--)
        {
            var reward = _s.Plus(arriving[t], internalReward);                                         // R_t = A_t + I_{t+1} (+ recurrent reward to s_t)
            var previous = t > 0 ? trace[k, t - 1].Membrane : zeros_like(reward);
            var denominator = _s.Plus(previous.abs(), trace[k, t].Drive.sub(previous.mul(_s[1f - p.Beta])).abs()); // D_t, with i_t in the place of z_t for CubaLIF
            var rho = reward.div(_s.Plus(denominator, Epsilon));                                      // rho_t
            internalReward = previous.mul(_s[p.Beta]).mul(rho);                                      // I_t = beta u_{t-1} rho_t
            var q = rho;
            if (layer.Alpha is { } alpha)
            {
                q = _s.Plus(rho, carried);                                                          // q_t = rho_t + alpha q_{t+1}
                carried = q.mul(_s[alpha]);
            }
            var input = k > 0 ? trace[k - 1, t].Spikes : At(x, t);
            var (weightTerm, biasTerm, handedDown) = layer.Transpose(input, q);
            _s.AddProductInPlace(layer.Weights.Feedback, magnitude, weightTerm);                        // F_W += |W| (.) (q_t^T x_t)
            _s.AddProductInPlace(layer.Bias.Feedback, biasMagnitude, biasTerm);                        // F_b += |b| (.) sum_batch q_t
            if (layer.IsRecurrent) internalReward = RecurrentBackward(layer, trace, k, t, q, internalReward);
            if (k > 0) below[t] = handedDown;
            else if (keepInputReward) _s.AddInPlace(At(_inputReward!, t), handedDown);
        }
        return below;
    }

    // V s_{t-1} + b_V is one more term of z_t (docs/lfp-temporal.md, "Recurrent synapses"): F_bV += |b_V| q_t at every
    // step; from step 1 on F_V += |V| (.) (q_t^T s_{t-1}), and s_{t-1} (.) V^T q_t joins the reward at the membrane of
    // t-1, so it is added to the internal reward the step t-1 reads. Returns that internal reward.
    private Tensor RecurrentBackward(DenseLayer layer, LayerStep[,] trace, int k, int t, Tensor q, Tensor internalReward)
    {
        var recurrent = layer.Recurrent!;
        var recurrentBias = layer.RecurrentBias!;
        _s.AddProductInPlace(recurrentBias.Feedback, recurrentBias.Value.abs(), q.sum(0L));
        if (t == 0) return internalReward;
        var fired = trace[k, t - 1].Spikes;
        _s.AddProductInPlace(recurrent.Feedback, recurrent.Value.abs(), q.t().mm(fired));
        return _s.Plus(internalReward, fired.mul(q.mm(recurrent.Value)));
    }

    /// <summary>Spikes per layer of a dense forward pass over <paramref name="x"/> ([B, Inputs] or [T, B, Inputs]).</summary>
    public long[] SpikeCounts(Tensor x, int steps)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        CheckInput(x, steps);
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var trace = Forward(x, steps);
        var counts = new long[_layers.Length];
        for (int k = 0; k < counts.Length; k++)
            for (int t = 0; t < steps; t++) counts[k] += (long)trace[k, t].Spikes.sum().to_type(ScalarType.Float64).item<double>();
        return counts;
    }

    // Step-major, as the reference: every layer at step t before any layer at step t+1. Keeps every layer's state of
    // every step for the backward pass.
    private LayerStep[,] Forward(Tensor x, int steps)
    {
        var trace = new LayerStep[_layers.Length, steps];
        for (int t = 0; t < steps; t++)
        {
            var input = At(x, t);
            for (int k = 0; k < _layers.Length; k++)
            {
                trace[k, t] = StepLayer(k, input, t > 0 ? trace[k, t - 1] : null);
                input = trace[k, t].Spikes;
            }
        }
        return trace;
    }

    // One step of layer k from its state after step t-1 (null: at rest). z_t = W x_t + b (+ b_V + V s_{t-1});
    // the drive is z_t for LIF and i_t = alpha i_{t-1} + z_t for CubaLIF; r_t = H(u_{t-1} - theta);
    // u_t = beta u_{t-1} + drive - theta r_t; s_t = H(u_t - theta). The terms are added in CpuBackend's order.
    private LayerStep StepLayer(int k, Tensor input, LayerStep? before)
    {
        var layer = _layers[k];
        var p = layer.Membrane;
        var z = layer.Synaptic(input, _s);
        if (layer.IsRecurrent)
        {
            z = _s.Plus(z, layer.RecurrentBias!.Value);
            if (before is { } b) z = _s.Plus(z, nn.functional.linear(b.Spikes, layer.Recurrent!.Value));
        }
        var drive = layer.Alpha is { } alpha && before is { } last ? _s.Plus(last.Drive.mul(_s[alpha]), z) : z;
        var previous = before?.Membrane ?? zeros_like(drive);
        var threshold = _s[p.Threshold];
        var reset = previous.gt(threshold).to_type(DType);
        var membrane = _s.Plus(previous.mul(_s[p.Beta]), drive).sub(reset.mul(threshold));
        return new LayerStep(drive, membrane, membrane.gt(threshold).to_type(DType));
    }

    /// <summary>The reference's update from the current feedback: grad = -feedback, global-norm clip, SGD with momentum.</summary>
    public void Step()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var parameters = ClipOrder().ToArray();
        var gradients = parameters.Select(p => p.Feedback.neg()).ToArray();
        if (ClipNorm > 0)
        {
            var squares = zeros([1], ScalarType.Float64);
            foreach (var g in gradients) _s.AddInPlace(squares, g.square().sum());
            double norm = squares.sqrt().item<double>();
            double coefficient = ClipNorm / (norm + 1e-6);
            if (coefficient < 1)
            {
                using var scale = ((float)coefficient).ToScalar();   // one per batch, held through every call
                foreach (var g in gradients) g.mul_(scale);
            }
        }
        for (int i = 0; i < parameters.Length; i++)
        {
            _s.AddInPlace(parameters[i].Momentum.mul_(_s[Momentum]), gradients[i]);       // buf = momentum buf + grad (torch.optim.SGD, dampening 0)
            parameters[i].Value.add_(parameters[i].Momentum, _s[-LearningRate]);
        }
    }

    // Every weight matrix, then every bias, then the recurrent ones: the order the norm is summed in (feed-forward
    // networks keep the order, and so the numbers, they had before recurrent layers were supported).
    private IEnumerable<Parameter> ClipOrder()
        => _layers.Select(l => l.Weights).Concat(_layers.Select(l => l.Bias))
            .Concat(_layers.Select(l => l.Recurrent).OfType<Parameter>()).Concat(_layers.Select(l => l.RecurrentBias).OfType<Parameter>());

    /// <summary>Predicted class per sample (argmax of output spike counts, lowest index wins ties); dense per-step forward.</summary>
    public void Predict(Tensor x, int steps, Span<int> predictions)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        int batch = CheckInput(x, steps);
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var state = new LayerStep?[_layers.Length];
        var counts = zeros([batch, Outputs], DType);
        for (int t = 0; t < steps; t++)
        {
            var input = At(x, t);
            for (int k = 0; k < _layers.Length; k++)
            {
                state[k] = StepLayer(k, input, state[k]);
                input = state[k]!.Value.Spikes;
            }
            _s.AddInPlace(counts, input);
        }
        // argmax returns the first maximum, as TraceStatistics.Predictions does.
        var winners = counts.argmax(1L).data<long>();
        for (int b = 0; b < batch; b++) predictions[b] = (int)winners[b];
    }

    /// <summary>Weight feedback of layer <paramref name="layer"/>, output-major [out, in] (PyTorch layout); rounded to float32.</summary>
    public float[] WeightFeedback(int layer) => ToArray(_layers[layer].Weights.Feedback);
    /// <summary>Bias feedback of layer <paramref name="layer"/>.</summary>
    public float[] BiasFeedback(int layer) => ToArray(_layers[layer].Bias.Feedback);
    /// <summary>
    /// Feedback of every parameter in <see cref="SpikingNetwork.Parameters"/>' order (W, b, then V, b_V of recurrent
    /// layers), weight matrices output-major [out, in] (V: [postsynaptic, presynaptic]); rounded to float32.
    /// </summary>
    public float[][] FeedbackInParameterOrder() => _layers.SelectMany(l => l.Parameters()).Select(p => ToArray(p.Feedback)).ToArray();
    /// <summary>
    /// Reward reaching the input after <see cref="ComputeFeedback"/> with keepInputReward: [sample, input] summed over
    /// steps for a constant current, [sample, step, input] for a sequence (LfpWorkspace.InputReward's layouts).
    /// </summary>
    public float[] InputReward()
    {
        if (_inputReward is null) return [];
        if (_inputReward.dim() == 2) return ToArray(_inputReward);
        using var sampleMajor = _inputReward.transpose(0, 1);
        return ToArray(sampleMajor);
    }
    /// <summary>Weights of layer <paramref name="layer"/>, output-major [out, in].</summary>
    public float[] Weights(int layer) => ToArray(_layers[layer].Weights.Value);
    /// <summary>Every parameter in <see cref="SpikingNetwork.Parameters"/>' order, laid out as <see cref="FeedbackInParameterOrder"/>.</summary>
    public float[][] ParametersInOrder() => _layers.SelectMany(l => l.Parameters()).Select(p => ToArray(p.Value)).ToArray();

    // [B, Inputs] (a constant current) or [steps, B, Inputs] (a sequence); returns B.
    private int CheckInput(Tensor x, int steps)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(steps);
        bool constant = x.dim() == 2 && x.shape[1] == Inputs;
        bool sequence = x.dim() == 3 && x.shape[0] == steps && x.shape[2] == Inputs;
        if (!constant && !sequence)
            throw new ArgumentException($"expected an input of [batch, {Inputs}] or [{steps}, batch, {Inputs}], got [{string.Join(", ", x.shape)}].", nameof(x));
        return (int)x.shape[^2];
    }

    // The input at step t: the constant current itself, or slice t of a time-major sequence.
    private static Tensor At(Tensor x, int t) => x.dim() == 3 ? x.select(0, t) : x;

    // Why the dense step cannot compute LFP for this layer, or null when it can.
    private static string? Unsupported(SpikingLayer layer)
    {
        var inner = layer.Connection is PooledSynapses { Pool: PoolKind.Max } pooled ? pooled.Inner : layer.Connection;
        if (inner is not (DenseSynapses or Conv2dSynapses)) return $"the dense LFP step has no rule for {layer.Connection.Kind} synapses.";
        if (layer.IsRecurrent && !layer.IsDense) return "the dense LFP step has recurrent synapses only on dense layers.";
        if (layer.Neuron is not (LifNeuron or CubaLifNeuron)) return $"the dense LFP step has no rule for neuron kind '{layer.Neuron.Kind}'.";
        if (layer.Neurons.Reset != ResetMode.Subtract || !layer.Neurons.DelayedReset)
            return "the dense LFP step is defined for reset by subtraction with delayed reset only.";
        return null;
    }

    private static float[] ToArray(Tensor t)
    {
        using var values = t.to_type(ScalarType.Float32).contiguous();
        return values.data<float>().ToArray();
    }

    private static Tensor OneHot(ReadOnlySpan<int> labels, int classes)
    {
        var values = new float[labels.Length * classes];
        for (int b = 0; b < labels.Length; b++)
        {
            if ((uint)labels[b] >= (uint)classes) throw new ArgumentOutOfRangeException(nameof(labels), $"label {labels[b]} is not one of {classes} classes.");
            values[b * classes + labels[b]] = 1f;
        }
        return tensor(values, [labels.Length, classes]);
    }

    private static Tensor Typed(Tensor t, ScalarType dtype)
    {
        if (t.dtype == dtype) return t;
        using (t) return t.to_type(dtype);
    }

    // Tensors that live as long as this object, not as long as a caller's dispose scope.
    private static Tensor Keep(Tensor t)
    {
        t.DetachFromDisposeScope();
        return t;
    }

    /// <summary>Frees the tensors.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var layer in _layers)
            foreach (var parameter in layer.Parameters()) parameter.Dispose();
        _inputReward?.Dispose();
        _s.Dispose();
    }

    // One layer's state at one step: what drives the membrane (z_t for LIF, i_t for CubaLIF), u_t and s_t.
    private readonly record struct LayerStep(Tensor Drive, Tensor Membrane, Tensor Spikes);

    // A trainable tensor in PyTorch's layout with its feedback and SGD momentum buffer.
    private sealed class Parameter : IDisposable
    {
        public Parameter(float[] values, long[] shape, ScalarType dtype)
        {
            Value = Keep(Typed(tensor(values, shape), dtype));
            Feedback = Keep(zeros(shape, dtype));
            Momentum = Keep(zeros(shape, dtype));
        }

        public Tensor Value { get; }
        public Tensor Feedback { get; }
        public Tensor Momentum { get; }

        public void Dispose()
        {
            Value.Dispose();
            Feedback.Dispose();
            Momentum.Dispose();
        }
    }

    // One layer: neuron parameters, W and b (dense [out, in] or convolutional [outC, inC, kh, kw], after an optional
    // max pool), and V and b_V when recurrent.
    private sealed class DenseLayer
    {
        public DenseLayer(SpikingLayer layer, ScalarType dtype)
        {
            Pool = layer.Connection as PooledSynapses;
            var synapses = Pool?.Inner ?? layer.Connection;
            Conv = synapses as Conv2dSynapses;
            Membrane = layer.Neurons;
            Alpha = (layer.Neuron as CubaLifNeuron)?.Alpha;
            Size = layer.Size;
            Weights = Conv is { } c
                ? new Parameter(c.ToTorchLayout(), [c.OutChannels, c.InChannels, c.Kernel, c.Kernel], dtype)
                : new Parameter(((DenseSynapses)synapses).ToOutputMajor(), [synapses.Outputs, synapses.Inputs], dtype);
            Bias = new Parameter(synapses.Bias, [synapses.Bias.Length], dtype);
            if (layer.Recurrent is not { } recurrent) return;
            Recurrent = new Parameter(recurrent.ToOutputMajor(), [Size, Size], dtype);
            RecurrentBias = new Parameter(recurrent.Bias, [Size], dtype);
        }

        public PooledSynapses? Pool { get; }
        public Conv2dSynapses? Conv { get; }
        public LifParameters Membrane { get; }
        // Synaptic-current decay of CubaLIF; null for LIF, whose membrane the synaptic input drives directly.
        public float? Alpha { get; }
        public int Size { get; }
        public Parameter Weights { get; }
        public Parameter Bias { get; }
        public Parameter? Recurrent { get; }
        public Parameter? RecurrentBias { get; }
        public bool IsRecurrent => Recurrent is not null;

        // z_t without the recurrent part: W x_t + b. Images travel NCHW between convolutional layers; a flat input
        // (the constant current, a dense layer's spikes) is SpikeLfp's channel-last [y, x, c] and is viewed as an
        // image first, and a dense layer flattens an image channel-last, as SpikeLfp's layouts do.
        public Tensor Synaptic(Tensor input, HeldScalars s)
        {
            var x = Pool is { } p ? nn.functional.max_pool2d(Image(input, p.InHeight, p.InWidth, p.Channels), p.Size, p.Size) : input;
            if (Conv is not { } c) return nn.functional.linear(Flat(x), Weights.Value, Bias.Value);
            var image = Image(x, c.InHeight, c.InWidth, c.InChannels);
            if (Weights.Value.dtype == ScalarType.Float32)
                return nn.functional.conv2d(image, Weights.Value, Bias.Value, strides: [c.Stride, c.Stride], padding: [c.Padding, c.Padding]);
            // Float64 (the accuracy check) as im2col times W: libtorch's conv2d sends doubles past NNPACK's
            // availability check, which warns on every call on CPUs without NNPACK.
            var columns = nn.functional.unfold(image, c.Kernel, padding: c.Padding, stride: c.Stride);
            var maps = s.Plus(Weights.Value.reshape(c.OutChannels, -1).matmul(columns), Bias.Value.reshape(1, -1, 1));
            return maps.reshape(image.shape[0], c.OutChannels, c.OutHeight, c.OutWidth);
        }

        // The transposes of Synaptic at input x_t applied to q_t: (q_t^T x_t) in W's layout, q_t summed per bias, and
        // the reward handed down, x_t (.) (W^T q_t) routed back through the pool, in x_t's shape.
        public (Tensor Weight, Tensor Bias, Tensor HandedDown) Transpose(Tensor input, Tensor q)
        {
            if (Pool is null && Conv is null && input.dim() == 2) return (q.t().mm(input), q.sum(0L), input * q.mm(Weights.Value));
            var x = input;
            Tensor? winners = null;
            if (Pool is { } p) (x, winners) = nn.functional.max_pool2d_with_indices(Image(input, p.InHeight, p.InWidth, p.Channels), [p.Size, p.Size], [p.Size, p.Size]);
            Tensor weight, bias, back;
            if (Conv is { } c)
            {
                var image = Image(x, c.InHeight, c.InWidth, c.InChannels);
                // im2col: columns [B, inC k k, positions]; q_t [B, outC, positions] times its transpose, summed over samples.
                var columns = nn.functional.unfold(image, c.Kernel, padding: c.Padding, stride: c.Stride);
                weight = q.flatten(2).bmm(columns.transpose(1, 2)).sum(0L).reshape(Weights.Value.shape);
                bias = q.sum([0L, 2L, 3L]);
                long extraRows = c.InHeight - ((c.OutHeight - 1L) * c.Stride - 2L * c.Padding + c.Kernel);
                long extraColumns = c.InWidth - ((c.OutWidth - 1L) * c.Stride - 2L * c.Padding + c.Kernel);
                back = nn.functional.conv_transpose2d(q, Weights.Value, strides: [c.Stride, c.Stride], padding: [c.Padding, c.Padding],
                    output_padding: [extraRows, extraColumns]);
            }
            else
            {
                var flat = Flat(x);
                weight = q.t().mm(flat);
                bias = q.sum(0L);
                back = q.mm(Weights.Value);
                if (x.dim() == 4) back = back.reshape(x.shape[0], x.shape[2], x.shape[3], x.shape[1]).permute(0, 3, 1, 2);
            }
            if (Pool is { } pool)
            {
                // max_unpool2d: each window's value to its argmax (max_pool2d's flat index into the H x W plane).
                var routed = zeros([back.shape[0], back.shape[1], (long)pool.InHeight * pool.InWidth], back.dtype);
                back = routed.scatter_(2, winners!.flatten(2), back.flatten(2)).reshape(back.shape[0], back.shape[1], pool.InHeight, pool.InWidth);
            }
            if (input.dim() == 2 && back.dim() == 4) back = back.permute(0, 2, 3, 1).reshape(input.shape[0], -1);
            return (weight, bias, input * back);
        }

        // An image as NCHW: as it is, or a flat channel-last [B, H W C] input viewed as one.
        private static Tensor Image(Tensor x, int height, int width, int channels)
            => x.dim() == 4 ? x : x.reshape(x.shape[0], height, width, channels).permute(0, 3, 1, 2);

        // An NCHW image flattened channel-last ([y, x, c], SpikeLfp's order); a flat input as it is.
        private static Tensor Flat(Tensor x) => x.dim() == 4 ? x.permute(0, 2, 3, 1).reshape(x.shape[0], -1) : x;

        // In SpikingLayer.Parameters' order.
        public IEnumerable<Parameter> Parameters()
        {
            yield return Weights;
            yield return Bias;
            if (Recurrent is null) yield break;
            yield return Recurrent;
            yield return RecurrentBias!;
        }
    }
}
