namespace SpikeLfp.Neurons;

/// <summary>
/// A batch of LIF populations: holds the membrane state between steps and nothing else
/// (the equations live in <see cref="Lif"/>). Membranes start at zero; call <see cref="Reset"/> per sample or batch.
/// </summary>
public sealed class LifPopulation
{
    private readonly float[] _membrane;

    /// <summary>Creates a population of <paramref name="size"/> neurons for <paramref name="batch"/> samples.</summary>
    public LifPopulation(int size, int batch, LifParameters parameters)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(size);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batch);
        Size = size;
        Batch = batch;
        Parameters = parameters;
        _membrane = new float[size * batch];
    }

    /// <summary>Neurons per sample.</summary>
    public int Size { get; }
    /// <summary>Samples held.</summary>
    public int Batch { get; }
    /// <summary>Neuron parameters.</summary>
    public LifParameters Parameters { get; }
    /// <summary>Membrane potentials, [sample, neuron].</summary>
    public ReadOnlySpan<float> Membrane => _membrane;

    /// <summary>Sets every membrane back to zero.</summary>
    public void Reset() => Array.Clear(_membrane);

    /// <summary>One step for the whole batch; writes spikes [sample, neuron] and returns their number.</summary>
    public int Step(ReadOnlySpan<float> current, Span<float> spikes) => Lif.Step(current, _membrane, spikes, Parameters);
}
