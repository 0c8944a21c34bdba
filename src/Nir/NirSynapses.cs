using SpikeLfp.Network.Model;
using SpikeLfp.Network.Synapses;

namespace SpikeLfp.Nir;

/// <summary>
/// The nodes between two neuron populations of a NIR graph as one SpikeLfp connection:
/// <c>[SumPool2d [Threshold] | AvgPool2d] [Flatten] (Conv2d | Affine | Linear)</c>, with uniform Scale nodes anywhere.
/// A pool becomes <see cref="PooledSynapses"/> (non-overlapping windows): AvgPool2d as an average pool, SumPool2d as an
/// average pool whose following weights are multiplied by k^2, and SumPool2d followed by a Threshold between 0 and 1
/// on spikes as a max pool (a window of 0/1 spikes fired when its sum is at least 1). Images are channel-last in
/// SpikeLfp, so the weights of a dense layer after a Flatten have their columns reordered from NIR's [c, y, x].
/// </summary>
internal sealed class NirSynapses
{
    private ISynapses? _inner;
    private NirNode? _connection;
    private NirNode? _pool;
    private PoolKind _poolKind;
    private int _poolSize;
    private ImageShape? _poolInput;
    private double _weightScale = 1, _biasScale = 1;

    private NirSynapses(NirTensor output) => Output = output;

    /// <summary>What the connection delivers to the neurons.</summary>
    public NirTensor Output { get; private set; }

    /// <summary>Neurons the connection feeds.</summary>
    public int Outputs => Output.Size;

    /// <summary>True for a convolution (possibly pooled): its neurons form an image.</summary>
    public bool IsImage => Output.IsImage;

    /// <summary>Reads <paramref name="path"/> (the nodes after the previous population, in order) fed by <paramref name="input"/>.</summary>
    /// <param name="path">The nodes, input side first; the neuron node is not part of it.</param>
    /// <param name="input">What the previous population (or the Input node) delivers.</param>
    /// <param name="inputIsSpikes">True when that is 0/1 spikes (a spiking population), which a max pool needs.</param>
    /// <param name="source">The file name, for messages.</param>
    /// <exception cref="InvalidModelException">An order, shape or parameter SpikeLfp cannot map; one line naming the node.</exception>
    public static NirSynapses Read(IReadOnlyList<NirNode> path, NirTensor input, bool inputIsSpikes, string source)
    {
        var result = new NirSynapses(input);
        foreach (var node in path) result.Add(node, inputIsSpikes, source);
        if (result._inner is null)
            throw new InvalidModelException($"{source}: the nodes {string.Join(", ", path.Select(n => $"'{n.Name}'"))} feed neurons without a Conv2d, Affine or Linear among them");
        return result;
    }

    /// <summary>
    /// The connection with <paramref name="neuronScale"/> (the neurons' input scale, docs/nir.md) and the graph's
    /// Scale nodes folded into its weights and biases. Call once.
    /// </summary>
    public ISynapses Build(double neuronScale)
    {
        var inner = _inner!;
        // A sum over k x k inputs is k^2 times their average: the average pool's weights carry the factor.
        double poolFactor = _pool?.Type == "SumPool2d" && _poolKind == PoolKind.Average ? _poolSize * _poolSize : 1;
        Multiply(inner.Weights, _weightScale * poolFactor * neuronScale);
        Multiply(inner.Bias, _biasScale * neuronScale);
        if (_pool is null) return inner;
        var p = _poolInput!;
        return new PooledSynapses(inner, p.Height, p.Width, p.Channels, _poolKind, _poolSize);
    }

    private static void Multiply(float[] values, double factor)
    {
        if (factor == 1) return;
        float f = (float)factor;
        for (int i = 0; i < values.Length; i++) values[i] *= f;
    }

    private void Add(NirNode node, bool inputIsSpikes, string source)
    {
        switch (node.Type)
        {
            case "SumPool2d":
            case "AvgPool2d":
                AddPool(node, source);
                break;
            case "Threshold":
                AddMaxPoolThreshold(node, inputIsSpikes, source);
                break;
            case "Flatten":
                AddFlatten(node, source);
                break;
            case "Scale":
            {
                double s = NirNeurons.Uniform(node, "scale", Output.Size, null, source, "elements");
                // Before the synapses a scale multiplies their input (the weights); after them, weights and bias.
                _weightScale *= s;
                if (_inner is not null) _biasScale *= s;
                break;
            }
            case "Conv2d":
                RequireNoSynapses(node, source);
                if (!Output.IsImage)
                    throw new InvalidModelException($"{source}: node '{node.Name}' (Conv2d) is fed a vector of {Output.Size} values; a convolution needs an image [C, H, W]");
                var conv = NirConvolution.Read(node, Output.Shape, source);
                _inner = conv;
                _connection = node;
                Output = NirTensor.Image(new ImageShape(conv.OutHeight, conv.OutWidth, conv.OutChannels));
                break;
            case "Affine":
            case "Linear":
                RequireNoSynapses(node, source);
                if (Output.IsImage && Output.Shape.Height * Output.Shape.Width > 1)
                    throw new InvalidModelException($"{source}: node '{node.Name}' ({node.Type}) is fed the image {Output}; put a Flatten before it");
                var dense = Dense(node, Output, source);
                _inner = dense;
                _connection = node;
                Output = NirTensor.Vector(dense.Outputs);
                break;
            default:
                throw Unmapped(node, source);
        }
    }

    /// <summary>True for the node types that may stand between two neuron populations.</summary>
    public static bool IsPathType(string type) => type is "SumPool2d" or "AvgPool2d" or "Threshold" or "Flatten" or "Scale" or "Conv2d" or "Affine" or "Linear";

    /// <summary>The refusal of a node type SpikeLfp has no counterpart for.</summary>
    public static InvalidModelException Unmapped(NirNode node, string source)
        => new($"{source}: node '{node.Name}' has type '{node.Type}', which SpikeLfp does not map "
            + "(it maps Input, Output, Affine, Linear, Scale, Conv2d, SumPool2d, AvgPool2d, Flatten, LIF, CubaLIF, LI, IF, I and Threshold)");

    private void RequireNoSynapses(NirNode node, string source)
    {
        if (_connection is not null)
            throw new InvalidModelException($"{source}: node '{node.Name}' ({node.Type}) follows '{_connection.Name}' ({_connection.Type}) without neurons between them; SpikeLfp layers have one set of synapses each");
    }

    private void AddPool(NirNode node, string source)
    {
        string where = $"{source}: node '{node.Name}' ({node.Type})";
        if (_connection is not null || _pool is not null)
            throw new InvalidModelException($"{where} follows '{(_connection ?? _pool)!.Name}'; SpikeLfp pools only the input of a layer's synapses, once");
        if (!Output.IsImage) throw new InvalidModelException($"{where} is fed a vector of {Output.Size} values; pooling needs an image [C, H, W]");
        var (kh, kw) = NirConvolution.Pair(node, "kernel_size", null, source);
        var (sh, sw) = NirConvolution.Pair(node, "stride", (kh, kw), source);
        var (ph, pw) = NirConvolution.Pair(node, "padding", (0, 0), source);
        if (kh != kw || sh != kh || sw != kw || ph != 0 || pw != 0)
            throw new InvalidModelException($"{where} has kernel [{kh}, {kw}], stride [{sh}, {sw}], padding [{ph}, {pw}]; SpikeLfp pools square windows with stride = kernel and no padding");
        var shape = Output.Shape;
        if (kh < 1 || kh > shape.Height || kh > shape.Width)
            throw new InvalidModelException($"{where} has a {kh}x{kw} window that does not fit its input {Output}");
        _pool = node;
        _poolKind = PoolKind.Average;
        _poolSize = kh;
        _poolInput = shape;
        Output = NirTensor.Image(new ImageShape(shape.Height / kh, shape.Width / kh, shape.Channels));
    }

    private void AddMaxPoolThreshold(NirNode node, bool inputIsSpikes, string source)
    {
        string where = $"{source}: node '{node.Name}' (Threshold)";
        if (_pool?.Type != "SumPool2d" || _connection is not null || _poolKind == PoolKind.Max || _weightScale != 1)
            throw new InvalidModelException($"{where} sits between nodes SpikeLfp cannot map it in: a Threshold is a neuron after synapses, or a max pool right after a SumPool2d");
        double theta = NirNeurons.Uniform(node, "threshold", Output.Size, null, source, "elements");
        if (!inputIsSpikes || theta <= 0 || theta >= 1)
            throw new InvalidModelException($"{where} after SumPool2d '{_pool.Name}' is a max pool only on spikes with a threshold between 0 and 1; here the threshold is {theta} and the pooled values are {(inputIsSpikes ? "spikes" : "not spikes")}");
        _poolKind = PoolKind.Max;
    }

    private void AddFlatten(NirNode node, string source)
    {
        string where = $"{source}: node '{node.Name}' (Flatten)";
        if (_connection is not null)
            throw new InvalidModelException($"{where} follows '{_connection.Name}' ({_connection.Type}) without neurons between them");
        int rank = Output.NirShape.Length;
        long start = Integer(node, "start_dim", 0, source), end = Integer(node, "end_dim", -1, source);
        if (start < 0) start += rank;
        if (end < 0) end += rank;
        if (start != 0 || end != rank - 1)
            throw new InvalidModelException($"{where} flattens dimensions {start} to {end} of {Output}; SpikeLfp flattens the whole input (start_dim 0, end_dim -1)");
        if (node.Find("input_type") is { } declared && !declared.Values.Select(v => (long)v).SequenceEqual(Output.NirShape))
            throw new InvalidModelException($"{where} declares the input [{string.Join(", ", declared.Values)}] but is fed {Output}");
        if (Output.IsImage) Output = new NirTensor(new ImageShape(1, 1, Output.Size), false, Output.Shape);
    }

    private static long Integer(NirNode node, string key, long fallback, string source)
    {
        var array = node.Find(key);
        if (array is null) return fallback;
        if (array.Length != 1 || array.Values[0] != Math.Floor(array.Values[0]))
            throw new InvalidModelException($"{source}: node '{node.Name}' ({node.Type}) has '{key}' [{string.Join(", ", array.Values)}]; expected one integer");
        return (long)array.Values[0];
    }

    /// <summary>Dense synapses from an Affine or Linear node fed <paramref name="input"/>.</summary>
    public static DenseSynapses Dense(NirNode node, NirTensor input, string source)
    {
        var weight = node.Find("weight") ?? throw new InvalidModelException($"{source}: node '{node.Name}' ({node.Type}) has no 'weight'");
        if (weight.Shape.Count != 2)
            throw new InvalidModelException($"{source}: node '{node.Name}' ({node.Type}) has a weight of shape [{string.Join(", ", weight.Shape)}]; expected [outputs, inputs]");
        if (weight.Shape[1] != input.Size)
            throw new InvalidModelException($"{source}: node '{node.Name}' ({node.Type}) takes {weight.Shape[1]} inputs but is fed {input.Size}");
        int outputs = weight.Shape[0];
        if (outputs < 1) throw new InvalidModelException($"{source}: node '{node.Name}' ({node.Type}) has no outputs");
        var synapses = new DenseSynapses(input.Size, outputs);
        var values = Finite(weight, node, "weight", source);
        synapses.FromOutputMajor(input.Flattened is { } image ? NirLayout.PermuteColumns(values, outputs, image, toChannelFirst: false) : values);
        if (node.Type == "Affine")
        {
            var bias = node.Find("bias") ?? throw new InvalidModelException($"{source}: node '{node.Name}' (Affine) has no 'bias'");
            if (bias.Length != outputs)
                throw new InvalidModelException($"{source}: node '{node.Name}' (Affine) has {bias.Length} biases for {outputs} outputs");
            Finite(bias, node, "bias", source).CopyTo(synapses.Bias, 0);
        }
        return synapses;
    }

    /// <summary>The values of a parameter as float32, refusing NaN and infinities with the node's name and the index.</summary>
    public static float[] Finite(NirArray array, NirNode node, string key, string source)
    {
        var values = new float[array.Length];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (float)array.Values[i];
            if (!float.IsFinite(values[i]))
                throw new InvalidModelException($"{source}: node '{node.Name}' ({node.Type}) parameter '{key}' holds {array.Values[i]} at index {i}");
        }
        return values;
    }
}
