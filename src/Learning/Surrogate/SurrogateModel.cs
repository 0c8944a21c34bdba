using SpikeLfp.Network.Model;
using SpikeLfp.Network.Synapses;
using SpikeLfp.Neurons;

namespace SpikeLfp.Learning.Surrogate;

/// <summary>
/// Converts between an ordinary <see cref="SpikingNetwork"/> and the surrogate baseline's layers, so both
/// rules train the same model: same spec, same neuron parameters, same initial weights, and a trained
/// surrogate network goes back into a <see cref="SpikingNetwork"/> to be simulated, evaluated and plotted
/// like any other. Conversion is exact: weights are float32 on both sides and only transposed
/// (SpikeLfp stores W input-major, PyTorch output-major; convolutions [inC, ky, kx, outC] against PyTorch's
/// [outC, inC, kh, kw]); beta and threshold widen to double exactly.
/// </summary>
public static class SurrogateModel
{
    /// <summary>The layers of <paramref name="network"/> in the surrogate's layout (copies, output-major weights).</summary>
    public static IReadOnlyList<SurrogateLayer> ToLayers(SpikingNetwork network)
    {
        ArgumentNullException.ThrowIfNull(network);
        return network.Layers.Select(layer =>
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
            return new SurrogateLayer(weights, (float[])connection.Bias.Clone(), layer.Inputs, layer.Size,
                Beta: layer.Neurons.Beta, Threshold: layer.Neurons.Threshold,
                ResetToZero: layer.Neurons.Reset == ResetMode.Zero, DelayedReset: layer.Neurons.DelayedReset, Conv: conv, Pool: pool);
        }).ToArray();
    }

    // The synapses a surrogate layer describes, holding its weights (converted from PyTorch's layouts).
    private static ISynapses ToSynapses(SurrogateLayer layer)
    {
        ISynapses inner;
        if (layer.Conv is { } c)
        {
            var conv = new Conv2dSynapses(c.InHeight, c.InWidth, c.InChannels, c.OutChannels, c.Kernel, c.Stride, c.Padding);
            conv.FromTorchLayout(layer.Weights);
            inner = conv;
        }
        else
        {
            var dense = new DenseSynapses(layer.SynapseInputs, layer.Outputs);
            dense.FromOutputMajor(layer.Weights);
            inner = dense;
        }
        layer.Bias.CopyTo(inner.Bias, 0);
        return layer.Pool is { } p
            ? new PooledSynapses(inner, p.InHeight, p.InWidth, p.Channels, p.Average ? PoolKind.Average : PoolKind.Max, p.Size)
            : inner;
    }

    /// <summary>A trainable surrogate network (float32) holding a copy of <paramref name="network"/>'s weights.</summary>
    public static SurrogateNetwork ToSurrogate(SpikingNetwork network, SurrogateSpec surrogate)
        => new(ToLayers(network), surrogate);

    /// <summary>A new <see cref="SpikingNetwork"/> with the layers' sizes, neuron parameters and weights.</summary>
    /// <exception cref="ArgumentException">A layer's shape or neuron parameters are invalid, or sizes do not chain.</exception>
    public static SpikingNetwork ToNetwork(IReadOnlyList<SurrogateLayer> layers)
    {
        ArgumentNullException.ThrowIfNull(layers);
        var result = new List<SpikingLayer>(layers.Count);
        foreach (SurrogateLayer layer in layers)
        {
            layer.Validate();
            var neurons = new LifParameters((float)layer.Beta, (float)layer.Threshold,
                layer.ResetToZero ? ResetMode.Zero : ResetMode.Subtract, layer.DelayedReset);
            result.Add(new SpikingLayer(ToSynapses(layer), neurons));
        }
        return new SpikingNetwork(result);
    }

    /// <summary>
    /// Writes the surrogate network's current weights into <paramref name="network"/> (same shapes required);
    /// neuron parameters are left as they are, since training never changes them.
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
            ISynapses synapses = network.Layers[k].Connection;
            if (layers[k].Inputs != synapses.Inputs || layers[k].Outputs != synapses.Outputs || layers[k].Weights.Length != synapses.Weights.Length)
                throw new ArgumentException($"layer {k} is {layers[k].Outputs}x{layers[k].Inputs} in the surrogate network but {synapses.Outputs}x{synapses.Inputs} in the model.");
            ToSynapses(layers[k]).Weights.CopyTo(synapses.Weights, 0);
            layers[k].Bias.CopyTo(synapses.Bias, 0);
        }
    }
}
