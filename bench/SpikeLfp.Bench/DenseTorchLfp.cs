using SpikeLfp.Network.Model;
using SpikeLfp.Neurons;
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
/// </summary>
public sealed class DenseTorchLfp : IDisposable
{
    private const float Epsilon = 1e-6f;   // LFP.md's eps, as LfpKernels.Epsilon
    private readonly Tensor[] _weights;    // [out, in], PyTorch layout
    private readonly Tensor[] _bias;
    private readonly Tensor[] _weightFeedback;
    private readonly Tensor[] _biasFeedback;
    private readonly Tensor[] _weightMomentum;
    private readonly Tensor[] _biasMomentum;
    private readonly LifParameters[] _neurons;
    private Tensor? _inputReward;
    private bool _disposed;

    /// <summary>Copies the weights of <paramref name="network"/> (LIF, reset by subtraction, delayed reset).</summary>
    /// <param name="network">Source of shapes, weights and neuron parameters.</param>
    /// <param name="learningRate">SGD learning rate (the reference's 0.02).</param>
    /// <param name="momentum">SGD momentum (0.9).</param>
    /// <param name="clipNorm">Global L2 norm the gradient is clipped to (3; 0 disables).</param>
    /// <param name="dtype">Float32 (the benchmark, as the reference) or Float64 (to see which float32 result is closer to exact).</param>
    public DenseTorchLfp(SpikingNetwork network, float learningRate = 0.02f, float momentum = 0.9f, float clipNorm = 3f, ScalarType dtype = ScalarType.Float32)
    {
        ArgumentNullException.ThrowIfNull(network);
        if (dtype is not (ScalarType.Float32 or ScalarType.Float64)) throw new ArgumentException("only Float32 and Float64 are supported.", nameof(dtype));
        DType = dtype;
        foreach (var layer in network.Layers)
            if (layer.Neurons.Reset != ResetMode.Subtract || !layer.Neurons.DelayedReset)
                throw new ArgumentException("the dense LFP step is defined for reset by subtraction with delayed reset only.", nameof(network));
        LearningRate = learningRate;
        Momentum = momentum;
        ClipNorm = clipNorm;
        int count = network.Layers.Count;
        _neurons = network.Layers.Select(l => l.Neurons).ToArray();
        _weights = new Tensor[count];
        _bias = new Tensor[count];
        _weightFeedback = new Tensor[count];
        _biasFeedback = new Tensor[count];
        _weightMomentum = new Tensor[count];
        _biasMomentum = new Tensor[count];
        for (int k = 0; k < count; k++)
        {
            var synapses = network.Layers[k].Synapses;
            long[] shape = [synapses.Outputs, synapses.Inputs];
            _weights[k] = Keep(Typed(tensor(synapses.ToOutputMajor(), shape)));
            _bias[k] = Keep(Typed(tensor(synapses.Bias, [synapses.Outputs])));
            _weightFeedback[k] = Keep(zeros(shape, DType));
            _biasFeedback[k] = Keep(zeros([synapses.Outputs], DType));
            _weightMomentum[k] = Keep(zeros(shape, DType));
            _biasMomentum[k] = Keep(zeros([synapses.Outputs], DType));
        }
        Inputs = network.InputSize;
        Outputs = network.OutputSize;
    }

    /// <summary>Element type of every tensor.</summary>
    public ScalarType DType { get; }
    /// <summary>Inputs per sample.</summary>
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
        return Keep(Typed(tensor(features.ToArray(), [batch, Inputs])));
    }

    /// <summary>
    /// One LFP training step on a batch (forward, reward, backward, clip, SGD step), as the reference's loop;
    /// returns the summed reward of the batch. <paramref name="x"/> is [B, Inputs].
    /// </summary>
    public float TrainBatch(Tensor x, ReadOnlySpan<int> labels, int steps)
    {
        float reward = ComputeFeedback(x, labels, steps, keepInputReward: false);
        Step();
        return reward;
    }

    /// <summary>
    /// Forward and LFP backward only: overwrites the feedback of every parameter (read with
    /// <see cref="WeightFeedback"/> and <see cref="BiasFeedback"/>); returns the summed reward of the batch.
    /// With <paramref name="keepInputReward"/> also keeps the reward reaching the input, summed over steps.
    /// </summary>
    public float ComputeFeedback(Tensor x, ReadOnlySpan<int> labels, int steps, bool keepInputReward = false)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(steps);
        int batch = (int)x.shape[0];
        if (labels.Length != batch) throw new ArgumentException($"expected {batch} labels, got {labels.Length}.");
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        int layers = _weights.Length;

        var (current, membrane, spikes) = Forward(x, steps);

        // Rate-coded reward on the output spikes, divided by T (LFP.md, "Rewards"), laid out per step.
        int top = layers - 1, half = steps / 2;
        var counts = zeros([batch, Outputs], DType);
        for (int t = 0; t < steps; t++) counts.add_(spikes[top, t]);
        var oneHot = Typed(OneHot(labels, Outputs));
        var correct = (1f - (counts - half).sigmoid()) * oneHot / steps;
        var wrongScale = (counts.neg() + (steps - half)).sigmoid().neg() + 1f;
        var wrong = wrongScale.neg() * (1f - oneHot) / steps;
        var arriving = new Tensor[steps];
        var total = zeros([1], ScalarType.Float64);
        for (int t = 0; t < steps; t++)
        {
            arriving[t] = correct + wrong * spikes[top, t];
            total.add_(arriving[t].sum());
        }

        // Backward through layers and time (LFP.md, "Backward").
        if (keepInputReward)
        {
            _inputReward?.Dispose();
            _inputReward = Keep(zeros([batch, Inputs], DType));
        }
        for (int k = top; k >= 0; k--)
        {
            var p = _neurons[k];
            var magnitude = _weights[k].abs();
            var biasMagnitude = _bias[k].abs();
            _weightFeedback[k].zero_();
            _biasFeedback[k].zero_();
            var internalReward = zeros_like(membrane[k, 0]);
            var below = new Tensor[steps];
            for (int t = steps - 1; t >= 0; t--)
            {
                var reward = arriving[t] + internalReward;                                          // R_t = A_t + I_{t+1}
                var previous = t > 0 ? membrane[k, t - 1] : zeros_like(reward);
                var denominator = previous.abs() + (current[k, t] - previous * (1f - p.Beta)).abs(); // D_t
                var rho = reward / (denominator + Epsilon);                                          // rho_t
                var input = k > 0 ? spikes[k - 1, t] : x;
                _weightFeedback[k].addcmul_(magnitude, rho.t().mm(input), 1);                         // F_W += |W| (.) (rho_t^T x_t)
                _biasFeedback[k].addcmul_(biasMagnitude, rho.sum(0L), 1);                              // F_b += |b| (.) sum_batch rho_t
                internalReward = previous * p.Beta * rho;                                            // I_t = beta u_{t-1} rho_t
                var handedDown = input * rho.mm(_weights[k]);                                        // A^in_t = x_t (.) (W^T rho_t)
                if (k > 0) below[t] = handedDown;
                else if (keepInputReward) _inputReward!.add_(handedDown);
            }
            arriving = below;
        }
        return (float)total.item<double>();
    }

    /// <summary>Spikes per layer of a dense forward pass over <paramref name="x"/> [B, Inputs].</summary>
    public long[] SpikeCounts(Tensor x, int steps)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var (_, _, spikes) = Forward(x, steps);
        var counts = new long[_weights.Length];
        for (int k = 0; k < counts.Length; k++)
            for (int t = 0; t < steps; t++) counts[k] += (long)spikes[k, t].sum().to_type(ScalarType.Float64).item<double>();
        return counts;
    }

    // Step-major, as the reference: z_t = W x_t + b; r_t = H(u_{t-1} - theta); u_t = beta u_{t-1} + z_t - theta r_t;
    // s_t = H(u_t - theta). Keeps z_t, u_t and s_t of every layer and step for the backward pass.
    private (Tensor[,] Current, Tensor[,] Membrane, Tensor[,] Spikes) Forward(Tensor x, int steps)
    {
        int batch = (int)x.shape[0], layers = _weights.Length;
        var current = new Tensor[layers, steps];
        var membrane = new Tensor[layers, steps];
        var spikes = new Tensor[layers, steps];
        for (int t = 0; t < steps; t++)
        {
            Tensor input = x;
            for (int k = 0; k < layers; k++)
            {
                var p = _neurons[k];
                var z = nn.functional.linear(input, _weights[k], _bias[k]);
                var previous = t > 0 ? membrane[k, t - 1] : zeros([batch, _weights[k].shape[0]], DType);
                var reset = previous.gt(p.Threshold).to_type(DType);
                var next = previous * p.Beta + z - reset * p.Threshold;
                current[k, t] = z;
                membrane[k, t] = next;
                spikes[k, t] = next.gt(p.Threshold).to_type(DType);
                input = spikes[k, t];
            }
        }
        return (current, membrane, spikes);
    }

    /// <summary>The reference's update from the current feedback: grad = -feedback, global-norm clip, SGD with momentum.</summary>
    public void Step()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var gradients = _weightFeedback.Concat(_biasFeedback).Select(f => f.neg()).ToArray();
        if (ClipNorm > 0)
        {
            var squares = zeros([1], ScalarType.Float64);
            foreach (var g in gradients) squares.add_(g.square().sum());
            double norm = squares.sqrt().item<double>();
            double coefficient = ClipNorm / (norm + 1e-6);
            if (coefficient < 1) foreach (var g in gradients) g.mul_((float)coefficient);
        }
        var parameters = _weights.Concat(_bias).ToArray();
        var momenta = _weightMomentum.Concat(_biasMomentum).ToArray();
        for (int i = 0; i < parameters.Length; i++)
        {
            momenta[i].mul_(Momentum).add_(gradients[i]);       // buf = momentum buf + grad (torch.optim.SGD, dampening 0)
            parameters[i].add_(momenta[i], alpha: -LearningRate);
        }
    }

    /// <summary>Predicted class per sample (argmax of output spike counts, lowest index wins ties); dense per-step forward.</summary>
    public void Predict(Tensor x, int steps, Span<int> predictions)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        int batch = (int)x.shape[0], layers = _weights.Length;
        var u = new Tensor[layers];
        for (int k = 0; k < layers; k++) u[k] = zeros([batch, _weights[k].shape[0]], DType);
        var counts = zeros([batch, Outputs], DType);
        for (int t = 0; t < steps; t++)
        {
            Tensor input = x;
            for (int k = 0; k < layers; k++)
            {
                var p = _neurons[k];
                var z = nn.functional.linear(input, _weights[k], _bias[k]);
                var reset = u[k].gt(p.Threshold).to_type(DType);
                u[k] = u[k] * p.Beta + z - reset * p.Threshold;
                input = u[k].gt(p.Threshold).to_type(DType);
            }
            counts.add_(input);
        }
        // argmax returns the first maximum, as TraceStatistics.Predictions does.
        var winners = counts.argmax(1L).data<long>();
        for (int b = 0; b < batch; b++) predictions[b] = (int)winners[b];
    }

    /// <summary>Weight feedback of layer <paramref name="layer"/>, output-major [out, in] (PyTorch layout); rounded to float32.</summary>
    public float[] WeightFeedback(int layer) => ToArray(_weightFeedback[layer]);
    /// <summary>Bias feedback of layer <paramref name="layer"/>.</summary>
    public float[] BiasFeedback(int layer) => ToArray(_biasFeedback[layer]);
    /// <summary>Reward reaching the input, [sample, input], summed over steps (after <see cref="ComputeFeedback"/> with keepInputReward).</summary>
    public float[] InputReward() => _inputReward is null ? [] : ToArray(_inputReward);
    /// <summary>Weights of layer <paramref name="layer"/>, output-major [out, in].</summary>
    public float[] Weights(int layer) => ToArray(_weights[layer]);

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

    private Tensor Typed(Tensor t)
    {
        if (t.dtype == DType) return t;
        using (t) return t.to_type(DType);
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
        foreach (var t in _weights.Concat(_bias).Concat(_weightFeedback).Concat(_biasFeedback).Concat(_weightMomentum).Concat(_biasMomentum)) t.Dispose();
        _inputReward?.Dispose();
    }
}
