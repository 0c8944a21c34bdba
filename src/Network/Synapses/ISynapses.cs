namespace SpikeLfp.Network.Synapses;

/// <summary>
/// A linear connection from a layer's inputs to its neurons' currents (dense, convolutional, ...), with the
/// operations the simulator and LFP need. Every operation touches only the inputs that are non-zero, so
/// spike inputs cost in proportion to the spikes. Implementations are stateless apart from their parameters.
/// </summary>
public interface ISynapses
{
    /// <summary>Kind written to model files, for example "dense".</summary>
    string Kind { get; }
    /// <summary>Inputs per sample (flattened).</summary>
    int Inputs { get; }
    /// <summary>Postsynaptic neurons per sample (flattened).</summary>
    int Outputs { get; }
    /// <summary>Trainable weights, in the implementation's layout.</summary>
    float[] Weights { get; }
    /// <summary>Trainable biases.</summary>
    float[] Bias { get; }

    /// <summary>
    /// Synapses of the connection: the multiply-accumulates of one pass of a non-spiking network of the same shape
    /// (W x with every input non-zero).
    /// </summary>
    long SynapseCount { get; }
    /// <summary>
    /// Synaptic events that delivering these fired inputs costs, one accumulate per synapse a spike travels along:
    /// the event-driven work of one step, and the usual "synaptic operations" measure of an SNN's energy.
    /// </summary>
    long SynapticEvents(ReadOnlySpan<int> fired);

    /// <summary>current = bias, spread over the neurons as the connection defines.</summary>
    void ResetCurrent(Span<float> current);
    /// <summary>current += W x for a 0/1 input given by the indices of the inputs that fired.</summary>
    void DeliverSpikes(ReadOnlySpan<int> fired, Span<float> current);
    /// <summary>current += W x for an analog input (zero inputs skipped).</summary>
    void DeliverAnalog(ReadOnlySpan<float> input, Span<float> current);

    /// <summary>LFP reward to the inputs that fired: inputReward[i] += sum_j w_ij rho_j.</summary>
    void RewardFiredInputs(ReadOnlySpan<int> fired, ReadOnlySpan<float> rho, Span<float> inputReward);
    /// <summary>LFP reward to analog inputs: inputReward[i] += x_i sum_j w_ij rho_j.</summary>
    void RewardAnalogInputs(ReadOnlySpan<float> input, ReadOnlySpan<float> rho, Span<float> inputReward);

    /// <summary>
    /// Backpropagation through the connection at an analog input: inputGradient[i] += sum_j (d current_j / d x_i)
    /// outputGradient_j, the transpose of delivery (W^T g for weights; for max pooling, all of a window's gradient to
    /// its argmax, which is why the input is needed). Weight and bias gradients are the feedback accumulations with
    /// the gradient in place of rho.
    /// </summary>
    void AccumulateInputGradient(ReadOnlySpan<float> input, ReadOnlySpan<float> outputGradient, Span<float> inputGradient);

    /// <summary>
    /// Adds the contributions rho_j x_i of one (sample, step) to the weight feedback, restricted to partition
    /// <paramref name="part"/> of <paramref name="parts"/> (partitions own disjoint weights, so they can run in
    /// parallel while each weight still sums its contributions in the caller's order). Not yet scaled by |W|.
    /// </summary>
    void AccumulateSpikeFeedback(int part, int parts, ReadOnlySpan<int> fired, ReadOnlySpan<float> rho, Span<float> weightFeedback);
    /// <summary>Analog-input version of <see cref="AccumulateSpikeFeedback"/>.</summary>
    void AccumulateAnalogFeedback(int part, int parts, ReadOnlySpan<float> input, ReadOnlySpan<float> rho, Span<float> weightFeedback);
    /// <summary>biasFeedback += the sum of rho over the neurons each bias feeds. Not yet scaled by |b|.</summary>
    void AccumulateBiasFeedback(ReadOnlySpan<float> rho, Span<float> biasFeedback);

    /// <summary>PyTorch's default initialisation: uniform in [-1/sqrt(fan_in), 1/sqrt(fan_in)].</summary>
    void InitializeUniform(Random random);
    /// <summary>A deep copy.</summary>
    ISynapses Clone();
}
