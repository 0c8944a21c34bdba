using SpikeLfp.Network.Synapses;
using SpikeLfp.Neurons;

namespace SpikeLfp.Network.Model;

/// <summary>
/// A stack of spiking layers, each fed by the one below and optionally by its own spikes one step earlier
/// (recurrent layers). Holds weights and neuron parameters only: simulation state lives in the runner that
/// simulates it, so two runs never share hidden state.
/// </summary>
public sealed class SpikingNetwork
{
    /// <summary>Wraps existing layers; sizes must chain (layer k's size is layer k+1's input count).</summary>
    public SpikingNetwork(IReadOnlyList<SpikingLayer> layers)
    {
        if (layers.Count == 0) throw new ArgumentException("a network needs at least one layer.", nameof(layers));
        for (int k = 1; k < layers.Count; k++)
            if (layers[k].Inputs != layers[k - 1].Size)
                throw new ArgumentException($"layer {k} expects {layers[k].Inputs} inputs but layer {k - 1} has {layers[k - 1].Size} neurons.");
        CheckReadout(layers.Select(l => (l.Neuron, l.IsRecurrent)).ToArray());
        Layers = layers;
    }

    /// <summary>
    /// Throws <see cref="ArgumentException"/> when a non-spiking readout sits below the output (it would hand the layer
    /// above nothing) or is recurrent (it has no spikes to feed back).
    /// </summary>
    public static void CheckReadout(IReadOnlyList<(NeuronModel Neuron, bool Recurrent)> layers)
    {
        for (int k = 0; k < layers.Count; k++)
        {
            if (layers[k].Neuron.Spikes) continue;
            if (k < layers.Count - 1)
                throw new ArgumentException($"layer {k} has non-spiking {layers[k].Neuron.Kind} neurons; only the output layer can be a readout.");
            if (layers[k].Recurrent)
                throw new ArgumentException("a non-spiking readout has no spikes to feed back: it cannot be recurrent.");
        }
    }

    /// <summary>Layers from input to output.</summary>
    public IReadOnlyList<SpikingLayer> Layers { get; }
    /// <summary>Inputs per sample.</summary>
    public int InputSize => Layers[0].Inputs;
    /// <summary>Output neurons (classes).</summary>
    public int OutputSize => Layers[^1].Size;
    /// <summary>Compact spec, for example "64-100-10" or "28-r128-10", or <see cref="ConvSpec"/>'s form for convolutional or pooled layers.</summary>
    public string Spec => (Layers.All(l => l.IsDense) ? null : ConvSpec.Describe(this)?.ToString())
        ?? ToSpec().ToString();

    /// <summary>True when some layer has recurrent synapses.</summary>
    public bool IsRecurrent => Layers.Any(l => l.IsRecurrent);

    /// <summary>Every trainable array, layer by layer in <see cref="SpikingLayer.Parameters"/>' order.</summary>
    public IReadOnlyList<float[]> Parameters() => Layers.SelectMany(l => l.Parameters()).ToArray();

    /// <summary>Name of layer k as used in metrics and recordings: hidden1, hidden2, ..., output.</summary>
    public string LayerName(int k) => k == Layers.Count - 1 ? "output" : $"hidden{k + 1}";

    /// <summary>
    /// Builds a network from sizes (input first) with the same neuron parameters everywhere and the
    /// reference's uniform initialisation, seeded.
    /// </summary>
    public static SpikingNetwork Create(IReadOnlyList<int> sizes, LifParameters neurons, int seed)
        => Create(new NetworkSpec(sizes[0], sizes.Skip(1).Select(s => new LayerSpec(s, neurons)).ToArray()), seed);

    /// <summary>Builds a network from a spec with the reference's uniform initialisation, seeded.</summary>
    /// <exception cref="InvalidModelException">More than <see cref="NetworkSpec.MaxWeights"/> weights.</exception>
    public static SpikingNetwork Create(NetworkSpec spec, int seed)
    {
        spec.CheckWeights("model");
        var random = new Random(seed);
        var layers = new List<SpikingLayer>();
        int inputs = spec.Inputs;
        foreach (var layer in spec.Layers)
        {
            var connection = new DenseSynapses(inputs, layer.Size);
            connection.InitializeUniform(random);
            // Recurrent weights are drawn after the layer's own, so feed-forward networks keep their weights.
            DenseSynapses? recurrent = null;
            if (layer.Recurrent)
            {
                recurrent = new DenseSynapses(layer.Size, layer.Size);
                recurrent.InitializeUniform(random);
            }
            layers.Add(new SpikingLayer(connection, layer.Neuron, recurrent));
            inputs = layer.Size;
        }
        return new SpikingNetwork(layers);
    }

    /// <summary>The architecture of this network (no weights).</summary>
    public NetworkSpec ToSpec() => new(InputSize, Layers.Select(l => new LayerSpec(l.Size, l.Neuron, l.IsRecurrent)).ToArray());

    /// <summary>A deep copy (weights included).</summary>
    public SpikingNetwork Clone() => new(Layers.Select(l => l.Clone()).ToArray());

    /// <summary>Total number of trainable parameters.</summary>
    public int ParameterCount => Layers.Sum(l => l.Parameters().Sum(p => p.Length));
}
