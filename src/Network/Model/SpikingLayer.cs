using SpikeLfp.Network.Synapses;
using SpikeLfp.Neurons;

namespace SpikeLfp.Network.Model;

/// <summary>A spiking layer: dense synapses feeding a population of LIF neurons.</summary>
public sealed class SpikingLayer
{
    /// <summary>Creates a layer with zero weights.</summary>
    public SpikingLayer(int inputs, int size, LifParameters neurons)
    {
        Synapses = new DenseSynapses(inputs, size);
        Neurons = neurons;
    }

    /// <summary>Creates a layer around existing synapses.</summary>
    public SpikingLayer(DenseSynapses synapses, LifParameters neurons)
    {
        Synapses = synapses;
        Neurons = neurons;
    }

    /// <summary>Synaptic weights and biases.</summary>
    public DenseSynapses Synapses { get; }
    /// <summary>Neuron parameters of the population.</summary>
    public LifParameters Neurons { get; }
    /// <summary>Inputs per sample.</summary>
    public int Inputs => Synapses.Inputs;
    /// <summary>Neurons in the population.</summary>
    public int Size => Synapses.Outputs;
}
