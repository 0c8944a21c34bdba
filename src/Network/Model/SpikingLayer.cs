using SpikeLfp.Network.Synapses;
using SpikeLfp.Neurons;

namespace SpikeLfp.Network.Model;

/// <summary>
/// A spiking layer: a synaptic connection (dense, convolutional, ...) feeding a population of neurons of one kind,
/// optionally with recurrent synapses that carry the population's own spikes back to it one step later
/// (z_t = W x_t + b + V s_{t-1} + b_V, as snntorch's <c>RLeaky</c> and <c>RSynaptic</c> with <c>all_to_all</c>).
/// </summary>
public sealed class SpikingLayer
{
    /// <summary>Creates a dense LIF layer with zero weights.</summary>
    public SpikingLayer(int inputs, int size, LifParameters neurons)
        : this(new DenseSynapses(inputs, size), neurons) { }

    /// <summary>Creates a LIF layer around an existing connection.</summary>
    public SpikingLayer(ISynapses connection, LifParameters neurons)
        : this(connection, new LifNeuron(neurons)) { }

    /// <summary>
    /// Creates a layer of <paramref name="neuron"/> neurons around an existing connection, with optional
    /// recurrent synapses (size x size, the population's spikes at t-1 to its currents at t).
    /// </summary>
    public SpikingLayer(ISynapses connection, NeuronModel neuron, DenseSynapses? recurrent = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(neuron);
        if (recurrent is not null && (recurrent.Inputs != connection.Outputs || recurrent.Outputs != connection.Outputs))
            throw new ArgumentException($"recurrent synapses must be {connection.Outputs} x {connection.Outputs}, got {recurrent.Outputs} x {recurrent.Inputs}.", nameof(recurrent));
        Connection = connection;
        Neuron = neuron;
        Recurrent = recurrent;
    }

    /// <summary>The synaptic connection from the layer below (weights and biases).</summary>
    public ISynapses Connection { get; }
    /// <summary>The neuron kind and its parameters.</summary>
    public NeuronModel Neuron { get; }
    /// <summary>Membrane parameters of the population (every neuron kind has a LIF-style membrane).</summary>
    public LifParameters Neurons => Neuron.Membrane;
    /// <summary>Recurrent synapses from the population's spikes at t-1, or null for a feed-forward layer.</summary>
    public DenseSynapses? Recurrent { get; }
    /// <summary>True when the layer has recurrent synapses.</summary>
    public bool IsRecurrent => Recurrent is not null;
    /// <summary>Inputs per sample.</summary>
    public int Inputs => Connection.Inputs;
    /// <summary>Neurons in the population.</summary>
    public int Size => Connection.Outputs;
    /// <summary>True for all-to-all synapses.</summary>
    public bool IsDense => Connection is DenseSynapses;

    /// <summary><see cref="Connection"/> as the dense synapses of a fully connected layer (check <see cref="IsDense"/>).</summary>
    /// <exception cref="InvalidOperationException">The layer is convolutional or pooled.</exception>
    public DenseSynapses DenseConnection => Connection as DenseSynapses
        ?? throw new InvalidOperationException($"this layer's synapses are {Connection.Kind}, not dense.");

    /// <summary>
    /// The trainable arrays in a fixed order: weights, bias, then (recurrent layers) recurrent weights and
    /// recurrent bias. Optimizers, checkpoints and feedback use this order.
    /// </summary>
    public IEnumerable<float[]> Parameters()
    {
        yield return Connection.Weights;
        yield return Connection.Bias;
        if (Recurrent is null) yield break;
        yield return Recurrent.Weights;
        yield return Recurrent.Bias;
    }

    /// <summary>A deep copy (weights included).</summary>
    public SpikingLayer Clone() => new(Connection.Clone(), Neuron, (DenseSynapses?)Recurrent?.Clone());
}
