using SpikeLfp.Network.Model;
using SpikeLfp.Network.Synapses;
using SpikeLfp.Neurons;

namespace SpikeLfp.Learning.Surrogate;

/// <summary>
/// Converts between an ordinary <see cref="SpikingNetwork"/> and the surrogate baseline's layers, so both
/// rules train the same model: same spec, same neuron kind and parameters (LIF or current-based LIF, any reset),
/// same initial weights (recurrent ones included), and a trained surrogate network goes back into a
/// <see cref="SpikingNetwork"/> to be simulated, evaluated and plotted like any other. Conversion is exact: weights
/// are float32 on both sides and only transposed (SpikeLfp stores W and V input-major, PyTorch output-major;
/// convolutions [inC, ky, kx, outC] against PyTorch's [outC, inC, kh, kw]); beta, alpha and threshold widen to
/// double exactly.
/// </summary>
public static class SurrogateModel
{
    /// <summary>The layers of <paramref name="network"/> in the surrogate's layout (copies, output-major weights).</summary>
    /// <exception cref="NotSupportedException">A layer has synapses or a neuron kind the surrogate baseline does not model.</exception>
    public static IReadOnlyList<SurrogateLayer> ToLayers(SpikingNetwork network)
    {
        ArgumentNullException.ThrowIfNull(network);
        return network.Layers.Select(ToLayer).ToArray();
    }

    private static SurrogateLayer ToLayer(SpikingLayer layer)
    {
        var connection = layer.Connection;
        SurrogatePool? pool = null;
        if (connection is PooledSynapses pooled)
        {
            pool = new SurrogatePool(pooled.Pool == PoolKind.Average, pooled.Size, pooled.InHeight, pooled.InWidth, pooled.Channels);
            connection = pooled.Inner;
        }
        var (weights, conv) = connection switch
        {
            DenseSynapses dense => (dense.ToOutputMajor(), (SurrogateConv?)null),
            Conv2dSynapses c => (c.ToTorchLayout(), new SurrogateConv(c.InHeight, c.InWidth, c.InChannels, c.OutChannels, c.Kernel, c.Stride, c.Padding)),
            _ => throw new NotSupportedException($"the surrogate baseline has no {connection.Kind} synapses."),
        };
        LifParameters membrane = layer.Neurons;
        return new SurrogateLayer(weights, (float[])connection.Bias.Clone(), layer.Inputs, layer.Size,
            Beta: membrane.Beta, Threshold: membrane.Threshold, Reset: membrane.Reset, DelayedReset: membrane.DelayedReset,
            Conv: conv, Pool: pool, Alpha: SynapticAlpha(layer.Neuron), Readout: layer.Neuron is LiNeuron,
            RecurrentWeights: layer.Recurrent?.ToOutputMajor(), RecurrentBias: (float[]?)layer.Recurrent?.Bias.Clone());
    }

    // The synaptic-current decay of a neuron kind, null for LIF (its membrane takes z_t directly).
    private static double? SynapticAlpha(NeuronModel neuron) => neuron switch
    {
        LifNeuron or LiNeuron => null,
        CubaLifNeuron cuba => cuba.Alpha,
        _ => throw new NotSupportedException($"the surrogate baseline has no '{neuron.Kind}' neurons."),
    };

    // The neuron kind a surrogate layer describes.
    private static NeuronModel ToNeuron(SurrogateLayer layer)
    {
        var membrane = new LifParameters((float)layer.Beta, (float)layer.Threshold, layer.Reset, layer.DelayedReset);
        if (layer.Readout) return new LiNeuron(membrane);
        return layer.Alpha is double alpha ? new CubaLifNeuron(membrane, (float)alpha) : new LifNeuron(membrane);
    }

    // The synapses a surrogate layer describes, holding its weights (converted from PyTorch's layouts).
    private static ISynapses ToSynapses(SurrogateLayer layer)
    {
        ISynapses inner;
        if (layer.Conv is { } c)
        {
            var conv = new Conv2dSynapses(c.InHeight, c.InWidth, c.InChannels, c.OutChannels, c.Kernel, c.Stride, c.Padding);
            conv.FromTorchLayout(layer.Weights);
            layer.Bias.CopyTo(conv.Bias, 0);
            inner = conv;
        }
        else
            inner = Dense(layer.SynapseInputs, layer.Outputs, layer.Weights, layer.Bias);
        return layer.Pool is { } p
            ? new PooledSynapses(inner, p.InHeight, p.InWidth, p.Channels, p.Average ? PoolKind.Average : PoolKind.Max, p.Size)
            : inner;
    }

    // The recurrent synapses of a surrogate layer, or null for a feed-forward one.
    private static DenseSynapses? ToRecurrent(SurrogateLayer layer)
        => layer.IsRecurrent ? Dense(layer.Outputs, layer.Outputs, layer.RecurrentWeights!, layer.RecurrentBias!) : null;

    private static DenseSynapses Dense(int inputs, int outputs, float[] outputMajor, float[] bias)
    {
        var dense = new DenseSynapses(inputs, outputs);
        dense.FromOutputMajor(outputMajor);
        bias.CopyTo(dense.Bias, 0);
        return dense;
    }

    /// <summary>A trainable surrogate network (float32) holding a copy of <paramref name="network"/>'s weights.</summary>
    public static SurrogateNetwork ToSurrogate(SpikingNetwork network, SurrogateSpec surrogate)
        => new(ToLayers(network), surrogate);

    /// <summary>A new <see cref="SpikingNetwork"/> with the layers' sizes, neuron kinds and parameters and weights.</summary>
    /// <exception cref="ArgumentException">A layer's shape or neuron parameters are invalid, or sizes do not chain.</exception>
    public static SpikingNetwork ToNetwork(IReadOnlyList<SurrogateLayer> layers)
    {
        ArgumentNullException.ThrowIfNull(layers);
        var result = new List<SpikingLayer>(layers.Count);
        foreach (SurrogateLayer layer in layers)
        {
            layer.Validate();
            result.Add(new SpikingLayer(ToSynapses(layer), ToNeuron(layer), ToRecurrent(layer)));
        }
        return new SpikingNetwork(result);
    }

    /// <summary>
    /// Writes the surrogate network's current weights (recurrent ones included) into <paramref name="network"/>
    /// (same shapes required); neuron parameters are left as they are, since training never changes them.
    /// </summary>
    public static void CopyWeights(SurrogateNetwork source, SpikingNetwork network)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(network);
        IReadOnlyList<SurrogateLayer> layers = source.ExportLayers();
        if (layers.Count != network.Layers.Count)
            throw new ArgumentException($"the surrogate network has {layers.Count} layers, the model {network.Layers.Count}.");
        for (int k = 0; k < layers.Count; k++)
        {
            SpikingLayer target = network.Layers[k];
            ISynapses synapses = target.Connection;
            if (layers[k].Inputs != synapses.Inputs || layers[k].Outputs != synapses.Outputs || layers[k].Weights.Length != synapses.Weights.Length)
                throw new ArgumentException($"layer {k} is {layers[k].Outputs}x{layers[k].Inputs} in the surrogate network but {synapses.Outputs}x{synapses.Inputs} in the model.");
            if (layers[k].IsRecurrent != target.IsRecurrent)
                throw new ArgumentException($"layer {k} is {(target.IsRecurrent ? "" : "not ")}recurrent in the model but {(layers[k].IsRecurrent ? "" : "not ")}in the surrogate network.");
            ToSynapses(layers[k]).Weights.CopyTo(synapses.Weights, 0);
            layers[k].Bias.CopyTo(synapses.Bias, 0);
            if (ToRecurrent(layers[k]) is { } recurrent)
            {
                recurrent.Weights.CopyTo(target.Recurrent!.Weights, 0);
                recurrent.Bias.CopyTo(target.Recurrent.Bias, 0);
            }
        }
    }
}
