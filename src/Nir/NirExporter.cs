using SpikeLfp.Network.Model;
using SpikeLfp.Network.Synapses;
using SpikeLfp.Neurons;

namespace SpikeLfp.Nir;

/// <summary>
/// Describes a <see cref="SpikingNetwork"/> as a NIR graph, per layer k: its pooling ("pool{k}": AvgPool2d, or for a
/// max pool of spikes SumPool2d followed by Threshold "max{k}" at 0.5, which is the same on 0/1 spikes), a Flatten
/// "flat{k}" where a dense layer reads an image, its synapses ("conv{k}" Conv2d or "fc{k}" Affine), a neuron node
/// "lif{k}" (LIF, IF for a LIF without leak, CubaLIF, LI, or I for an LI without leak) and, for a recurrent layer,
/// an Affine "rec{k}" from the neurons back to themselves. Images go channel-first as NIR stores them ([C, H, W]),
/// so a dense layer's columns after a Flatten are reordered from SpikeLfp's channel-last layout. Time constants
/// invert the import rule at the same step (docs/nir.md), with r and w_in chosen so the input scale is 1 and the
/// weights travel unchanged: importing the result with the same options gives the same network. Reset mode and
/// timing are not part of NIR; they travel in the import options.
/// </summary>
public static class NirExporter
{
    /// <summary>The threshold that makes SumPool2d a max pool of 0/1 spikes (any value in (0, 1) would do).</summary>
    public const double MaxPoolThreshold = 0.5;

    /// <summary>The graph of <paramref name="network"/> at step <paramref name="options"/>.Dt.</summary>
    /// <exception cref="InvalidModelException">A layer has no NIR form or a decay has no time constant under the rule.</exception>
    public static NirGraph ToGraph(SpikingNetwork network, NirImportOptions options)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(options);
        if (!double.IsFinite(options.Dt) || options.Dt <= 0)
            throw new InvalidModelException($"the time step must be a finite number of seconds > 0, got {options.Dt}");
        var tensor = InputOf(network.Layers[0].Connection);
        var nodes = new List<NirNode> { Shape("input", "Input", tensor) };
        var edges = new List<NirEdge>();
        string previous = "input";
        void Chain(NirNode node)
        {
            nodes.Add(node);
            edges.Add(new NirEdge(previous, node.Name));
            previous = node.Name;
        }
        bool spikes = false;
        for (int k = 0; k < network.Layers.Count; k++)
        {
            var layer = network.Layers[k];
            var connection = layer.Connection;
            if (connection is PooledSynapses pooled)
            {
                foreach (var node in Pool(pooled, k + 1, spikes)) Chain(node);
                tensor = NirTensor.Image(new ImageShape(pooled.PooledHeight, pooled.PooledWidth, pooled.Channels));
                connection = pooled.Inner;
            }
            switch (connection)
            {
                case Conv2dSynapses conv:
                    Chain(Convolution($"conv{k + 1}", conv));
                    tensor = NirTensor.Image(new ImageShape(conv.OutHeight, conv.OutWidth, conv.OutChannels));
                    break;
                case DenseSynapses dense:
                    ImageShape? image = tensor.IsImage && tensor.Shape.Height * tensor.Shape.Width > 1 ? tensor.Shape : null;
                    if (image is not null) Chain(Flatten($"flat{k + 1}", tensor));
                    Chain(Affine($"fc{k + 1}", dense, image));
                    tensor = NirTensor.Vector(dense.Outputs);
                    break;
                default:
                    throw new InvalidModelException($"layer {k + 1} has {layer.Connection.Kind} synapses, which have no NIR form here");
            }
            string neuron = $"lif{k + 1}";
            Chain(Neuron(neuron, layer.Neuron, tensor, options, k + 1));
            if (layer.Recurrent is { } recurrent)
            {
                string rec = $"rec{k + 1}";
                nodes.Add(Affine(rec, recurrent, null));
                edges.Add(new NirEdge(neuron, rec));
                edges.Add(new NirEdge(rec, neuron));
            }
            spikes = layer.Neuron.Spikes;
        }
        Chain(Shape("output", "Output", tensor));
        return new NirGraph(NirWriter.FormatVersion, nodes, edges);
    }

    // The first layer's input: an image when it convolves or pools, else a vector.
    private static NirTensor InputOf(ISynapses connection) => connection switch
    {
        PooledSynapses p => NirTensor.Image(new ImageShape(p.InHeight, p.InWidth, p.Channels)),
        Conv2dSynapses c => NirTensor.Image(new ImageShape(c.InHeight, c.InWidth, c.InChannels)),
        _ => NirTensor.Vector(connection.Inputs),
    };

    // int64 shapes, as every NIR writer stores them.
    private static NirNode Shape(string name, string type, NirTensor tensor)
        => new(name, type, new Dictionary<string, NirArray> { ["shape"] = NirArray.Int64([tensor.NirShape.Length], tensor.NirShape) });

    private static NirArray Pair(int value) => NirArray.Int64([2], [value, value]);

    private static IEnumerable<NirNode> Pool(PooledSynapses pooled, int layer, bool spikes)
    {
        var window = new Dictionary<string, NirArray>
        {
            ["kernel_size"] = Pair(pooled.Size), ["stride"] = Pair(pooled.Size), ["padding"] = Pair(0),
        };
        if (pooled.Pool == PoolKind.Average)
        {
            yield return new NirNode($"pool{layer}", "AvgPool2d", window);
            yield break;
        }
        // NIR has no max pool; on 0/1 spikes it is a sum pool and a threshold between 0 and 1.
        if (!spikes)
            throw new InvalidModelException($"layer {layer} max-pools {(layer == 1 ? "the network's input" : "a population that does not spike")}; NIR has no max pool, and SumPool2d + Threshold is one only on 0/1 spikes");
        yield return new NirNode($"pool{layer}", "SumPool2d", window);
        var pooledShape = new[] { pooled.Channels, pooled.PooledHeight, pooled.PooledWidth };
        yield return new NirNode($"max{layer}", "Threshold", new Dictionary<string, NirArray>
        {
            ["threshold"] = new(pooledShape, Enumerable.Repeat(MaxPoolThreshold, pooled.PooledInputs).ToArray(), NirElementType.Float32),
        });
    }

    // PyTorch's layout and types, as Sinabs writes a Conv2d: weight [outC, inC, k, k] and bias in float32, the geometry in int64.
    private static NirNode Convolution(string name, Conv2dSynapses conv) => new(name, "Conv2d", new Dictionary<string, NirArray>
    {
        ["weight"] = NirArray.Float32([conv.OutChannels, conv.InChannels, conv.Kernel, conv.Kernel], conv.ToTorchLayout()),
        ["bias"] = NirArray.Float32([conv.OutChannels], conv.Bias),
        ["stride"] = Pair(conv.Stride),
        ["padding"] = Pair(conv.Padding),
        ["dilation"] = Pair(1),
        ["groups"] = NirArray.Int64([], [1]),
        ["input_shape"] = NirArray.Int64([2], [conv.InHeight, conv.InWidth]),
    });

    private static NirNode Flatten(string name, NirTensor image) => new(name, "Flatten", new Dictionary<string, NirArray>
    {
        ["start_dim"] = NirArray.Int64([], [0]),
        ["end_dim"] = NirArray.Int64([], [-1]),
        ["input_type"] = NirArray.Int64([3], image.NirShape),
    });

    // PyTorch's layout and precision, as snnTorch writes it: weight [outputs, inputs] and bias in float32; the
    // columns of a layer reading a flattened image in NIR's channel-first order.
    private static NirNode Affine(string name, DenseSynapses synapses, ImageShape? flattened)
    {
        var weight = synapses.ToOutputMajor();
        if (flattened is not null) weight = NirLayout.PermuteColumns(weight, synapses.Outputs, flattened, toChannelFirst: true);
        return new(name, "Affine", new Dictionary<string, NirArray>
        {
            ["weight"] = NirArray.Float32([synapses.Outputs, synapses.Inputs], weight),
            ["bias"] = NirArray.Float32([synapses.Outputs], synapses.Bias),
        });
    }

    private static NirNode Neuron(string name, NeuronModel neuron, NirTensor population, NirImportOptions options, int layer)
    {
        // Neuron parameters per neuron, shaped as the population ([C, H, W] as Sinabs writes them for an image), in
        // float64 as snnTorch writes them: float32 time constants would not give the decays back exactly on import.
        var shape = population.NirShape.Select(d => (int)d).ToArray();
        NirArray PerNeuron(double value) => new(shape, Enumerable.Repeat(value, population.Size).ToArray(), NirElementType.Float64);
        if (neuron is LiNeuron && neuron.Membrane.Beta == 1f)
            return new NirNode(name, "I", new Dictionary<string, NirArray> { ["r"] = PerNeuron(1 / options.Dt) }); // no leak: NIR's integrator, r = 1/dt
        if (neuron is LifNeuron && neuron.Membrane.Beta == 1f)
        {
            // No leak: NIR's IF, dv/dt = r I, with r = 1/dt so the input scale is 1.
            return new NirNode(name, "IF", new Dictionary<string, NirArray>
            {
                ["r"] = PerNeuron(1 / options.Dt),
                ["v_threshold"] = PerNeuron(neuron.Membrane.Threshold),
                ["v_reset"] = PerNeuron(0),
            });
        }
        var (tau, r) = TimeConstant(neuron.Membrane.Beta, options, $"layer {layer}'s beta");
        var parameters = new Dictionary<string, NirArray> { ["r"] = PerNeuron(r), ["v_leak"] = PerNeuron(0) };
        string type;
        switch (neuron)
        {
            case LiNeuron:
                type = "LI";
                parameters["tau"] = PerNeuron(tau);
                break;
            case LifNeuron:
                type = "LIF";
                parameters["tau"] = PerNeuron(tau);
                break;
            case CubaLifNeuron cuba:
                type = "CubaLIF";
                parameters["tau_mem"] = PerNeuron(tau);
                var (tauSyn, wIn) = TimeConstant(cuba.Alpha, options, $"layer {layer}'s alpha");
                parameters["tau_syn"] = PerNeuron(tauSyn);
                parameters["w_in"] = PerNeuron(wIn);
                break;
            default:
                throw new InvalidModelException($"layer {layer} has {neuron.Kind} neurons, which have no NIR form here");
        }
        if (neuron.Spikes)
        {
            parameters["v_threshold"] = PerNeuron(neuron.Membrane.Threshold);
            parameters["v_reset"] = PerNeuron(0);
        }
        return new NirNode(name, type, parameters);
    }

    // The time constant whose decay per step is `decay`, and the gain that makes the input scale 1 (docs/nir.md).
    private static (double Tau, double Gain) TimeConstant(float decay, NirImportOptions options, string what)
    {
        double d = decay, dt = options.Dt;
        if (d >= 1)
            throw new InvalidModelException($"{what} is {decay}: a decay of 1 (no leak) has no finite NIR time constant");
        if (options.Rule == NirDiscretisation.Euler)
        {
            double tau = dt / (1 - d);
            return (tau, tau / dt);
        }
        if (d <= 0)
            throw new InvalidModelException($"{what} is {decay}: the exact rule has no time constant for a decay of 0 (use Euler)");
        return (-dt / Math.Log(d), 1 / (1 - d));
    }
}
