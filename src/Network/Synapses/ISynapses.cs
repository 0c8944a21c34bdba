namespace SpikeLfp.Network.Synapses;

/// <summary>
/// A linear connection from a layer's inputs to its neurons' currents (dense, convolutional, ...): the forward
/// the simulator needs. Every operation touches only the inputs that are non-zero, so spike inputs cost in
/// proportion to the spikes. Implementations are stateless apart from their parameters. Learning rules keep
/// their own math per connection kind (LFP's is in SpikeLfp.Learning.Lfp.Synapses).
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
    /// <summary>
    /// current = bias + W x for a 0/1 input: <see cref="ResetCurrent"/> then <see cref="DeliverSpikes"/>, the same
    /// values, which a connection may compute in one pass (its sums starting from the bias instead of a stored copy).
    /// </summary>
    void DeliverSpikesFromRest(ReadOnlySpan<int> fired, Span<float> current)
    {
        ResetCurrent(current);
        DeliverSpikes(fired, current);
    }
    /// <summary>current += W x for an analog input (zero inputs skipped).</summary>
    void DeliverAnalog(ReadOnlySpan<float> input, Span<float> current);

    /// <summary>
    /// The transpose of delivery at an analog input: inputGradient[i] += sum_j (d current_j / d x_i) outputGradient_j
    /// (W^T g for weights; for max pooling, all of a window's gradient to its argmax, which is why the input is needed).
    /// Backpropagation's step through the connection; its weight and bias gradients are the outer products that LFP's
    /// feedback also accumulates (SpikeLfp.Learning.Lfp.Synapses), with the gradient in place of rho.
    /// </summary>
    void AccumulateInputGradient(ReadOnlySpan<float> input, ReadOnlySpan<float> outputGradient, Span<float> inputGradient);

    /// <summary>PyTorch's default initialisation: uniform in [-1/sqrt(fan_in), 1/sqrt(fan_in)].</summary>
    void InitializeUniform(Random random);
    /// <summary>A deep copy.</summary>
    ISynapses Clone();
}
