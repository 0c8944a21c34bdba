using SpikeLfp.Neurons;

namespace SpikeLfp.Learning.Surrogate;

/// <summary>
/// One LIF or current-based LIF layer as plain arrays (the exchange format with the rest of SpikeLfp).
/// Dynamics per step t, those of snntorch's Leaky / Synaptic / RLeaky / RSynaptic and of SpikeLfp's
/// <see cref="Lif"/> and <see cref="LeakyIntegrator"/> (../shared/LFP.md, "Forward"; fixtures snntorch_leaky_forward.json,
/// snntorch_rsynaptic_forward.json): z_t = W x_t + b [+ V s_{t-1} + b_V]; with a synaptic current
/// i_t = alpha i_{t-1} + z_t drives the membrane, otherwise z_t does (call the drive I_t); r_t = H(u_{t-1} - thr)
/// (detached); subtract: u' = beta u_{t-1} + I_t - thr r_t; zero: u' = beta (1 - r_t) u_{t-1} + I_t;
/// zero-all: u' = (1 - r_t) (beta u_{t-1} + I_t); s_t = H(u' - thr), strictly greater. Delayed reset: u_t = u'.
/// Immediate reset: d = s_t - r_t (detached), subtract: u_t = u' - thr d, zero and zero-all: u_t = u' - d u'.
/// </summary>
/// <param name="Weights">W, [Outputs, Inputs] row-major (PyTorch <c>Linear.weight</c> layout).</param>
/// <param name="Bias">b, [Outputs].</param>
/// <param name="Inputs">Fan-in.</param>
/// <param name="Outputs">Number of neurons.</param>
/// <param name="Beta">Membrane leak per step (double so that float64 references load exactly; a float32
/// network applies it in float32, as the simulator does).</param>
/// <param name="Threshold">Firing threshold (also the amount subtracted on reset).</param>
/// <param name="Reset">Subtract the threshold, zero the carried membrane (snntorch <c>Leaky</c>'s "zero"), or zero
/// the whole step's membrane (snntorch <c>Synaptic</c> and the recurrent neurons' "zero").</param>
/// <param name="DelayedReset">Reset decided by the previous step's membrane (snntorch <c>reset_delay=True</c>);
/// otherwise the current step's spike resets the membrane within the same step.</param>
/// <param name="Conv">Convolution geometry, or null for dense synapses. With it, z_t = conv2d(x_t) on the
/// channel-last image x_t, Weights are [outC, inC, kh, kw] (PyTorch <c>Conv2d.weight</c>), Bias has one value per
/// output channel, and the output is channel-last [y, x, outC] flattened.</param>
/// <param name="Pool">Pooling of the channel-last input image before the synapses, or null (a dense layer then
/// reads the pooled image flattened channel-last).</param>
/// <param name="Alpha">Decay of the synaptic current per step (current-based LIF, <see cref="CubaLifNeuron"/>), or null
/// for a LIF layer whose membrane is driven by z_t directly. Resets never touch the synaptic current.</param>
/// <param name="RecurrentWeights">V, [Outputs, Outputs] row-major (PyTorch layout: row = receiving neuron), carrying
/// the layer's own spikes of step t-1 to its currents at step t; null for a feed-forward layer.</param>
/// <param name="RecurrentBias">b_V, [Outputs], added at every step (step 0 included); present exactly when
/// <paramref name="RecurrentWeights"/> is.</param>
/// <param name="Readout">A non-spiking leaky integrator (<see cref="LiNeuron"/>): u_t = beta u_{t-1} + z_t, no threshold,
/// no reset; its "spikes" are its membrane, and the loss reads the membrane averaged over the steps.</param>
public sealed record SurrogateLayer(
    float[] Weights, float[] Bias, int Inputs, int Outputs,
    double Beta = 0.9, double Threshold = 1.0, ResetMode Reset = ResetMode.Subtract, bool DelayedReset = true,
    SurrogateConv? Conv = null, SurrogatePool? Pool = null,
    double? Alpha = null, float[]? RecurrentWeights = null, float[]? RecurrentBias = null, bool Readout = false)
{
    /// <summary>Inputs the synapses see: the pooled image's size with pooling, otherwise <see cref="Inputs"/>.</summary>
    public int SynapseInputs => Pool?.PooledSize ?? Inputs;

    /// <summary>True when the layer has recurrent synapses (V, b_V).</summary>
    public bool IsRecurrent => RecurrentWeights is not null;

    /// <summary>True when a synaptic current sits between the synapses and the membrane (<see cref="Alpha"/> is set).</summary>
    public bool HasSynapticCurrent => Alpha is not null;

    /// <summary>Throws when the array lengths do not match the shape or a dynamics parameter is out of range.</summary>
    public void Validate()
    {
        if (Inputs <= 0 || Outputs <= 0) throw new ArgumentException($"Layer shape {Outputs}x{Inputs} must be positive.");
        ValidateDynamics();
        if (Pool is not null && (Pool.Size < 1 || Pool.PooledSize < 1 || Pool.InHeight * Pool.InWidth * Pool.Channels != Inputs))
            throw new ArgumentException($"Pooling {Pool.InHeight}x{Pool.InWidth}x{Pool.Channels} by {Pool.Size} does not fit {Inputs} inputs.");
        if (Conv is not null)
        {
            if (Conv.InHeight * Conv.InWidth * Conv.InChannels != SynapseInputs || Conv.OutHeight < 1 || Conv.OutWidth < 1
                || Conv.OutHeight * Conv.OutWidth * Conv.OutChannels != Outputs)
                throw new ArgumentException($"Convolution geometry {Conv} does not fit {SynapseInputs} inputs and {Outputs} outputs.");
            if (Weights is null || Weights.Length != Conv.OutChannels * Conv.InChannels * Conv.Kernel * Conv.Kernel)
                throw new ArgumentException($"Weights must hold outC*inC*k*k = {Conv.OutChannels * Conv.InChannels * Conv.Kernel * Conv.Kernel} values, got {Weights?.Length ?? 0}.");
            if (Bias is null || Bias.Length != Conv.OutChannels)
                throw new ArgumentException($"Bias must hold outC = {Conv.OutChannels} values, got {Bias?.Length ?? 0}.");
            return;
        }
        if (Weights is null || Weights.Length != SynapseInputs * Outputs)
            throw new ArgumentException($"Weights must hold Outputs*Inputs = {Outputs * SynapseInputs} values, got {Weights?.Length ?? 0}.");
        if (Bias is null || Bias.Length != Outputs)
            throw new ArgumentException($"Bias must hold Outputs = {Outputs} values, got {Bias?.Length ?? 0}.");
    }

    private void ValidateDynamics()
    {
        if (!Enum.IsDefined(Reset)) throw new ArgumentException($"Unknown reset mode {Reset}.");
        if (Alpha is double alpha && !(alpha >= 0 && alpha <= 1))
            throw new ArgumentException($"Alpha (synaptic current decay) must be in [0, 1], got {alpha}.");
        if ((RecurrentWeights is null) != (RecurrentBias is null))
            throw new ArgumentException("Recurrent weights and recurrent bias come together.");
        if (RecurrentWeights is not null && (RecurrentWeights.Length != Outputs * Outputs || RecurrentBias!.Length != Outputs))
            throw new ArgumentException($"Recurrent weights must hold Outputs*Outputs = {Outputs * Outputs} values and the recurrent bias {Outputs}, got {RecurrentWeights.Length} and {RecurrentBias!.Length}.");
    }
}

/// <summary>Geometry of a 2-D convolution (square kernel, zero padding), as SpikeLfp's Conv2dSynapses.</summary>
public sealed record SurrogateConv(int InHeight, int InWidth, int InChannels, int OutChannels, int Kernel, int Stride, int Padding)
{
    /// <summary>Output height (floor((H + 2P - K) / S) + 1).</summary>
    public int OutHeight => (InHeight + 2 * Padding - Kernel) / Stride + 1;
    /// <summary>Output width.</summary>
    public int OutWidth => (InWidth + 2 * Padding - Kernel) / Stride + 1;
}

/// <summary>Non-overlapping pooling (kernel = stride = Size) of an InHeight x InWidth x Channels channel-last image.</summary>
public sealed record SurrogatePool(bool Average, int Size, int InHeight, int InWidth, int Channels)
{
    /// <summary>Values of the pooled image.</summary>
    public int PooledSize => InHeight / Size * (InWidth / Size) * Channels;
}

/// <summary>Loss on the output layer's spikes [T, B, C] against integer labels [B].</summary>
public enum SurrogateLoss
{
    /// <summary>snntorch <c>ce_rate_loss</c>: (1/T) sum_t CrossEntropy(logits = s_t, labels), batch mean.</summary>
    CeRate,

    /// <summary>snntorch <c>ce_count_loss</c>: CrossEntropy(logits = sum_t s_t, labels), batch mean.</summary>
    CeCount,

    /// <summary>snntorch <c>mse_count_loss</c> (correct rate 1, incorrect 0):
    /// mean over batch and classes of (sum_t s_t - T onehot(label))^2, divided by T.</summary>
    MseCount,
}
