using SpikeLfp.Network.Synapses;
using SpikeLfp.Neurons;

namespace SpikeLfp.Network.Model;

/// <summary>A spiking layer: a synaptic connection (dense, convolutional, ...) feeding a population of LIF neurons.</summary>
public sealed class SpikingLayer
{
    /// <summary>Creates a dense layer with zero weights.</summary>
    public SpikingLayer(int inputs, int size, LifParameters neurons)
        : this(new DenseSynapses(inputs, size), neurons) { }

    /// <summary>Creates a layer around an existing connection.</summary>
    public SpikingLayer(ISynapses connection, LifParameters neurons)
    {
        Connection = connection;
        Neurons = neurons;
    }

    /// <summary>The synaptic connection (weights and biases).</summary>
    public ISynapses Connection { get; }
    /// <summary>Neuron parameters of the population.</summary>
    public LifParameters Neurons { get; }
    /// <summary>Inputs per sample.</summary>
    public int Inputs => Connection.Inputs;
    /// <summary>Neurons in the population.</summary>
    public int Size => Connection.Outputs;
    /// <summary>True for all-to-all synapses.</summary>
    public bool IsDense => Connection is DenseSynapses;

    /// <summary>The dense synapses of a fully connected layer.</summary>
    /// <exception cref="InvalidOperationException">The layer is not dense.</exception>
    public DenseSynapses Synapses => Connection as DenseSynapses
        ?? throw new InvalidOperationException($"this layer's synapses are {Connection.Kind}, not dense.");
}
