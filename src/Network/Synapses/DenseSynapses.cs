namespace SpikeLfp.Network.Synapses;

/// <summary>
/// All-to-all synapses W (inputs x outputs) and a bias per output neuron.
/// Stored input-major: <c>Weights[i * Outputs + j]</c> is the synapse from input i to neuron j
/// (the transpose of PyTorch's nn.Linear layout; use <see cref="ToOutputMajor"/> / <see cref="FromOutputMajor"/> to convert).
/// </summary>
public sealed class DenseSynapses : ISynapses
{
    /// <summary>Creates zero synapses.</summary>
    public DenseSynapses(int inputs, int outputs)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputs);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outputs);
        Inputs = inputs;
        Outputs = outputs;
        Weights = CacheLineArrays.Floats(inputs * outputs);
        Bias = new float[outputs];
    }

    /// <summary>Number of presynaptic inputs.</summary>
    public int Inputs { get; }
    /// <summary>Number of postsynaptic neurons.</summary>
    public int Outputs { get; }
    /// <summary>Weights, input-major [input, output].</summary>
    public float[] Weights { get; }
    /// <summary>Bias current per output neuron.</summary>
    public float[] Bias { get; }

    /// <summary>Weight of the synapse from input <paramref name="pre"/> to neuron <paramref name="post"/>.</summary>
    public float this[int post, int pre]
    {
        get => Weights[pre * Outputs + post];
        set => Weights[pre * Outputs + post] = value;
    }

    /// <summary>
    /// PyTorch's default nn.Linear initialisation (the reference's): weights and biases uniform in
    /// [-1/sqrt(fan_in), 1/sqrt(fan_in)], drawn from <paramref name="random"/>.
    /// </summary>
    public void InitializeUniform(Random random)
    {
        float bound = 1f / MathF.Sqrt(Inputs);
        // Draw in output-major order so a given seed fills W[post, pre] the same way whatever the storage layout.
        for (int post = 0; post < Outputs; post++)
            for (int pre = 0; pre < Inputs; pre++)
                this[post, pre] = (float)(random.NextDouble() * 2 - 1) * bound;
        for (int post = 0; post < Outputs; post++)
            Bias[post] = (float)(random.NextDouble() * 2 - 1) * bound;
    }

    /// <summary>Weights in PyTorch layout [output, input], row-major.</summary>
    public float[] ToOutputMajor()
    {
        var result = new float[Weights.Length];
        for (int post = 0; post < Outputs; post++)
            for (int pre = 0; pre < Inputs; pre++)
                result[post * Inputs + pre] = this[post, pre];
        return result;
    }

    /// <summary>Sets the weights from PyTorch layout [output, input], row-major.</summary>
    public void FromOutputMajor(ReadOnlySpan<float> outputMajor)
    {
        if (outputMajor.Length != Weights.Length)
            throw new ArgumentException($"expected {Outputs}x{Inputs} = {Weights.Length} weights, got {outputMajor.Length}.");
        for (int post = 0; post < Outputs; post++)
            for (int pre = 0; pre < Inputs; pre++)
                this[post, pre] = outputMajor[post * Inputs + pre];
    }

    /// <inheritdoc/>
    public string Kind => "dense";

    /// <inheritdoc/>
    public long SynapseCount => (long)Inputs * Outputs;

    /// <inheritdoc/>
    public long SynapticEvents(ReadOnlySpan<int> fired) => (long)fired.Length * Outputs;

    /// <inheritdoc/>
    public void ResetCurrent(Span<float> current) => Bias.CopyTo(current);

    /// <inheritdoc/>
    public void DeliverSpikes(ReadOnlySpan<int> fired, Span<float> current)
    {
        if (Outputs <= FewOutputs) SynapseKernels.DeliverSpikesToFewOutputs(fired, Weights, Outputs, current);
        else SynapseKernels.DeliverSpikes(fired, Weights, Outputs, current);
    }

    // Up to this many outputs, a sum per output kept in registers over the spikes is cheaper than a row add per spike.
    private const int FewOutputs = 32;

    /// <inheritdoc/>
    public void DeliverAnalog(ReadOnlySpan<float> input, Span<float> current) => SynapseKernels.DeliverAnalog(input, Weights, Outputs, current);

    /// <inheritdoc/>
    public void AccumulateInputGradient(ReadOnlySpan<float> input, ReadOnlySpan<float> outputGradient, Span<float> inputGradient)
    {
        for (int i = 0; i < Inputs; i++)
            inputGradient[i] += VectorMath.Dot(Weights.AsSpan(i * Outputs, Outputs), outputGradient);
    }

    ISynapses ISynapses.Clone() => Clone();

    /// <summary>A deep copy.</summary>
    public DenseSynapses Clone()
    {
        var copy = new DenseSynapses(Inputs, Outputs);
        Weights.CopyTo(copy.Weights, 0);
        Bias.CopyTo(copy.Bias, 0);
        return copy;
    }
}
