using System.Globalization;
using System.Text.RegularExpressions;
using Newtonsoft.Json.Linq;
using SpikeLfp.Network.Synapses;
using SpikeLfp.Neurons;

namespace SpikeLfp.Network.Model;

/// <summary>
/// An image (or feature map) shape, channel-last: Height x Width x Channels, stored [y, x, c] row-major. A data set's
/// sample shape is <c>SpikeLfp.Data.SampleShape</c>, channels first.
/// </summary>
public sealed record ImageShape(int Height, int Width, int Channels)
{
    /// <summary>Values per sample.</summary>
    public int Size => Height * Width * Channels;

    /// <summary>"HxWxC"; a 1x1xN shape (a dense layer's output) prints as "N".</summary>
    public override string ToString() => Height == 1 && Width == 1 ? Channels.ToString(CultureInfo.InvariantCulture)
        : FormattableString.Invariant($"{Height}x{Width}x{Channels}");
}

/// <summary>Pooling in front of a layer's synapses: kind and window (kernel = stride = Size).</summary>
public sealed record PoolSpec(PoolKind Kind, int Size)
{
    /// <summary>"p2" (max) or "ap2" (average).</summary>
    public override string ToString() => (Kind == PoolKind.Max ? "p" : "ap") + Size.ToString(CultureInfo.InvariantCulture);
}

/// <summary>Which synapses a <see cref="ConvLayerSpec"/> has.</summary>
public enum ConvLayerKind
{
    /// <summary>A 2-D convolution (<see cref="Conv2dSynapses"/>).</summary>
    Conv2d,
    /// <summary>All-to-all synapses (<see cref="DenseSynapses"/>) on the flattened input.</summary>
    Dense,
}

/// <summary>
/// One LIF layer of a <see cref="ConvSpec"/>: optional pooling of its input, then convolutional or dense
/// synapses, then a population of LIF neurons.
/// </summary>
/// <param name="Kind">Convolution or dense.</param>
/// <param name="Size">Output channels of a convolution; neurons of a dense layer.</param>
/// <param name="Kernel">Kernel side (convolution only; 0 for dense).</param>
/// <param name="Stride">Convolution stride (1 for dense).</param>
/// <param name="Padding">Zero padding on every side (convolution only).</param>
/// <param name="Pool">Pooling applied to the layer's input first, or null.</param>
/// <param name="Neurons">The LIF parameters of the layer.</param>
public sealed record ConvLayerSpec(ConvLayerKind Kind, int Size, int Kernel, int Stride, int Padding, PoolSpec? Pool, LifParameters Neurons)
{
    /// <summary>A convolutional LIF layer.</summary>
    public static ConvLayerSpec Conv(int channels, int kernel, LifParameters neurons, int stride = 1, int padding = 0, PoolSpec? pool = null)
        => new(ConvLayerKind.Conv2d, channels, kernel, stride, padding, pool, neurons);

    /// <summary>A dense LIF layer.</summary>
    public static ConvLayerSpec Dense(int size, LifParameters neurons, PoolSpec? pool = null)
        => new(ConvLayerKind.Dense, size, 0, 1, 0, pool, neurons);

    /// <summary>The layer's tokens in the compact form, for example "p2-c64k5" or "10".</summary>
    public override string ToString()
    {
        string layer = Kind == ConvLayerKind.Dense ? Size.ToString(CultureInfo.InvariantCulture)
            : FormattableString.Invariant($"c{Size}k{Kernel}") + (Stride != 1 ? FormattableString.Invariant($"s{Stride}") : "")
              + (Padding != 0 ? FormattableString.Invariant($"p{Padding}") : "");
        return Pool is null ? layer : $"{Pool}-{layer}";
    }
}

/// <summary>
/// The architecture of a convolutional spiking network (no weights): an input image and LIF layers with
/// convolutional or dense synapses, each optionally pooling its input. Activations are channel-last [y, x, c]
/// everywhere, so flattening before a dense layer is implicit and free.
/// <para>
/// Compact form (<see cref="Parse"/>), tokens joined by '-':
/// <list type="bullet">
/// <item><c>HxWxC</c> first: the input image (<c>HxW</c> means one channel; a plain number N is a 1x1xN input).</item>
/// <item><c>c&lt;N&gt;k&lt;K&gt;[s&lt;S&gt;][p&lt;P&gt;]</c>: a convolutional LIF layer with N output channels, a KxK
/// kernel, stride S (default 1) and zero padding P (default 0); for example <c>c12k5</c>, <c>c16k3s2p1</c>.</item>
/// <item><c>p&lt;K&gt;</c> (or <c>mp&lt;K&gt;</c>) and <c>ap&lt;K&gt;</c>: max and average pooling with a KxK window and stride K,
/// applied to the spikes (or, first, to the input) that the next layer receives; a pool must be followed by a layer.</item>
/// <item><c>N</c>: a dense LIF layer of N neurons on the flattened input (its output is a 1x1xN image).</item>
/// <item>The whole spec <c>lifcnn</c>: the reference LifCNN, <c>28x28x1-c12k5-p2-c64k5-p2-10</c>.</item>
/// </list>
/// Every convolutional or dense token is one spiking layer; pooling belongs to the layer after it. So
/// <c>28x28x1-c12k5-p2-c64k5-p2-10</c> has three spiking layers: 24x24x12, then 8x8x64 (reading the 12x12x12
/// max-pooled spikes), then 10 (reading the 4x4x64 max-pooled spikes, flattened).
/// </para>
/// <para>
/// JSON form (<see cref="FromJson"/>): <c>{"input": [28, 28, 1], "layers": [{"type": "conv2d", "channels": 12,
/// "kernel": 5}, {"type": "conv2d", "channels": 64, "kernel": 5, "pool": {"kind": "max", "size": 2}},
/// {"type": "dense", "size": 10, "pool": {"kind": "max", "size": 2}}]}</c>; conv layers also take "stride" and
/// "padding", every layer the neuron fields of <see cref="NetworkSpec.FromJson(JObject, NeuronModel, string)"/> (beta, threshold, reset,
/// delayed_reset), pool kinds are "max" and "avg".
/// </para>
/// </summary>
public sealed record ConvSpec
{
    /// <summary>The name that selects <see cref="LifCnn"/>.</summary>
    public const string LifCnnName = "lifcnn";
    /// <summary>The reference LifCNN in compact form.</summary>
    public const string LifCnnSpec = "28x28x1-c12k5-p2-c64k5-p2-10";
    /// <summary>Upper bound on a kernel side or pooling window.</summary>
    public const int MaxKernel = 1024;
    /// <summary>Upper bound on the weights of one layer (guards against typos that would allocate gigabytes).</summary>
    public const long MaxWeights = 1L << 28;

    /// <summary>Creates and checks an architecture.</summary>
    /// <exception cref="InvalidModelException">Shapes do not chain (a kernel or window larger than its input, too many neurons, ...).</exception>
    public ConvSpec(ImageShape input, IReadOnlyList<ConvLayerSpec> layers)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(layers);
        Input = input;
        Layers = layers;
        Shapes = ComputeShapes();
    }

    /// <summary>The input image.</summary>
    public ImageShape Input { get; }
    /// <summary>Spiking layers, input side first.</summary>
    public IReadOnlyList<ConvLayerSpec> Layers { get; }
    /// <summary>Output shape of every layer (a dense layer's is 1x1xN).</summary>
    public IReadOnlyList<ImageShape> Shapes { get; }

    /// <summary>The reference LifCNN (lfprop's spiking_networks.LifCNN) for 28x28 one-channel images and 10 classes.</summary>
    public static ConvSpec LifCnn(LifParameters neurons) => Parse(LifCnnSpec, neurons);

    private IReadOnlyList<ImageShape> ComputeShapes()
    {
        if (Input.Height < 1 || Input.Width < 1 || Input.Channels < 1 || (long)Input.Height * Input.Width * Input.Channels > int.MaxValue)
            throw new InvalidModelException($"invalid input shape {Input}.");
        if (Layers.Count == 0) throw new InvalidModelException("a network needs at least one layer.");
        var shapes = new List<ImageShape>();
        var shape = Input;
        for (int k = 0; k < Layers.Count; k++)
        {
            var layer = Layers[k];
            string where = $"layer {k + 1} ({layer})";
            if (layer.Pool is { } pool)
            {
                if (pool.Size < 1 || pool.Size > MaxKernel) throw new InvalidModelException($"{where}: pooling window must be between 1 and {MaxKernel}.");
                if (pool.Size > shape.Height || pool.Size > shape.Width)
                    throw new InvalidModelException($"{where}: a {pool.Size}x{pool.Size} pooling window does not fit its {shape.Height}x{shape.Width} input.");
                shape = new ImageShape(shape.Height / pool.Size, shape.Width / pool.Size, shape.Channels);
            }
            if (layer.Size < 1 || layer.Size > NetworkSpec.MaxLayerSize)
                throw new InvalidModelException($"{where}: size must be between 1 and {NetworkSpec.MaxLayerSize}.");
            long weights;
            if (layer.Kind == ConvLayerKind.Conv2d)
            {
                if (layer.Kernel < 1 || layer.Kernel > MaxKernel) throw new InvalidModelException($"{where}: kernel must be between 1 and {MaxKernel}.");
                if (layer.Stride < 1 || layer.Stride > MaxKernel) throw new InvalidModelException($"{where}: stride must be between 1 and {MaxKernel}.");
                if (layer.Padding < 0 || layer.Padding > MaxKernel) throw new InvalidModelException($"{where}: padding must be between 0 and {MaxKernel}.");
                int h = shape.Height + 2 * layer.Padding - layer.Kernel, w = shape.Width + 2 * layer.Padding - layer.Kernel;
                if (h < 0 || w < 0)
                    throw new InvalidModelException($"{where}: a {layer.Kernel}x{layer.Kernel} kernel does not fit its {shape.Height}x{shape.Width} input (padding {layer.Padding}).");
                weights = (long)shape.Channels * layer.Kernel * layer.Kernel * layer.Size;
                shape = new ImageShape(h / layer.Stride + 1, w / layer.Stride + 1, layer.Size);
            }
            else
            {
                weights = (long)shape.Size * layer.Size;
                shape = new ImageShape(1, 1, layer.Size);
            }
            if (weights > MaxWeights) throw new InvalidModelException($"{where}: {weights} weights is more than the limit of {MaxWeights}.");
            if ((long)shape.Height * shape.Width * shape.Channels > NetworkSpec.MaxLayerSize)
                throw new InvalidModelException($"{where}: {shape} = {shape.Size} neurons is more than the limit of {NetworkSpec.MaxLayerSize}.");
            shapes.Add(shape);
        }
        return shapes;
    }

    /// <summary>The compact form, for example "28x28x1-c12k5-p2-c64k5-p2-10".</summary>
    public override string ToString() => string.Join('-', new[] { Input.ToString() }.Concat(Layers.Select(l => l.ToString())));

    /// <summary>True for specs <see cref="Parse"/> reads and <see cref="NetworkSpec.Parse(string, NeuronModel)"/> does not: "lifcnn", or a spec with an image input, a convolution or a pool.</summary>
    public static bool IsConvSpec(string spec)
        => spec.Equals(LifCnnName, StringComparison.OrdinalIgnoreCase)
           || spec.Split('-').Any(t => t.Any(char.IsLetter) && !RecurrentToken.IsMatch(t));

    // "rN", a recurrent dense layer, belongs to NetworkSpec's compact form.
    private static readonly Regex RecurrentToken = new(@"^r\d+$", RegexOptions.CultureInvariant);

    private static readonly Regex ImageToken = new(@"^(\d+)x(\d+)(?:x(\d+))?$", RegexOptions.CultureInvariant);
    private static readonly Regex ConvToken = new(@"^c(\d+)k(\d+)(?:s(\d+))?(?:p(\d+))?$", RegexOptions.CultureInvariant);
    private static readonly Regex PoolToken = new(@"^(m?p|ap)(\d+)$", RegexOptions.CultureInvariant);
    private static readonly Regex DenseToken = new(@"^\d+$", RegexOptions.CultureInvariant);

    /// <summary>Parses the compact form (see the type's remarks) with the same neuron parameters in every layer.</summary>
    /// <exception cref="InvalidModelException">The spec is malformed or its shapes do not chain; the message says why.</exception>
    public static ConvSpec Parse(string spec, LifParameters neurons)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.Equals(LifCnnName, StringComparison.OrdinalIgnoreCase)) spec = LifCnnSpec;
        var tokens = spec.Split('-');
        if (tokens.Length < 2)
            throw new InvalidModelException($"invalid model spec '{spec}': expected an input shape and layers, like {LifCnnSpec}.");
        ImageShape input;
        var image = ImageToken.Match(tokens[0]);
        if (image.Success)
            input = new ImageShape(Number(image.Groups[1].Value, spec), Number(image.Groups[2].Value, spec),
                image.Groups[3].Success ? Number(image.Groups[3].Value, spec) : 1);
        else if (DenseToken.IsMatch(tokens[0]))
            input = new ImageShape(1, 1, Number(tokens[0], spec));
        else
            throw new InvalidModelException($"invalid model spec '{spec}': '{tokens[0]}' is not an input shape like 28x28x1.");

        var layers = new List<ConvLayerSpec>();
        PoolSpec? pool = null;
        foreach (var token in tokens.Skip(1))
        {
            Match m;
            if ((m = PoolToken.Match(token)).Success)
            {
                if (pool is not null) throw new InvalidModelException($"invalid model spec '{spec}': two pools in a row ('{pool}-{token}'); use one larger window.");
                pool = new PoolSpec(m.Groups[1].Value == "ap" ? PoolKind.Average : PoolKind.Max, Number(m.Groups[2].Value, spec));
            }
            else if ((m = ConvToken.Match(token)).Success)
            {
                layers.Add(ConvLayerSpec.Conv(Number(m.Groups[1].Value, spec), Number(m.Groups[2].Value, spec), neurons,
                    m.Groups[3].Success ? Number(m.Groups[3].Value, spec) : 1,
                    m.Groups[4].Success ? Number(m.Groups[4].Value, spec, allowZero: true) : 0, pool));
                pool = null;
            }
            else if (DenseToken.IsMatch(token))
            {
                layers.Add(ConvLayerSpec.Dense(Number(token, spec), neurons, pool));
                pool = null;
            }
            else
                throw new InvalidModelException($"invalid model spec '{spec}': '{token}' is not a layer (c12k5, c16k3s2p1, 10) or a pool (p2, ap2).");
        }
        if (pool is not null) throw new InvalidModelException($"invalid model spec '{spec}': the pool '{pool}' at the end feeds no layer.");
        if (layers.Count == 0) throw new InvalidModelException($"invalid model spec '{spec}': no layers.");
        return new ConvSpec(input, layers);
    }

    private static int Number(string text, string spec, bool allowZero = false)
    {
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value) || value > NetworkSpec.MaxLayerSize || (value < 1 && !allowZero))
            throw new InvalidModelException($"invalid model spec '{spec}': '{text}' is not a number between {(allowZero ? 0 : 1)} and {NetworkSpec.MaxLayerSize}.");
        return value;
    }

    /// <summary>True when an architecture JSON uses this form: an array input shape, a conv layer or a pool.</summary>
    public static bool IsConvJson(JObject json)
        => json["input"] is JArray
           || (json["layers"] is JArray layers && layers.OfType<JObject>().Any(l => l["pool"] is not null
               || (l.Value<string?>("type") is { } type && type.StartsWith("conv", StringComparison.Ordinal))));

    /// <summary>Reads the JSON form (see the type's remarks); missing neuron fields come from <paramref name="defaults"/>.</summary>
    /// <exception cref="InvalidModelException">Anything wrong; <paramref name="source"/> names the file in the message.</exception>
    public static ConvSpec FromJson(JObject json, LifParameters defaults, string source)
    {
        try
        {
            var input = json["input"] switch
            {
                JArray shape => ReadShape(shape, source, "input"),
                { Type: JTokenType.Integer } n => new ImageShape(1, 1, Int(n, source, "input")),
                _ => throw new InvalidModelException($"{source}: 'input' must be a shape [height, width, channels] or an integer."),
            };
            if (json["layers"] is not JArray layers || layers.Count == 0)
                throw new InvalidModelException($"{source}: 'layers' must be a non-empty array.");
            var specs = new List<ConvLayerSpec>();
            foreach (var token in layers)
            {
                if (token is not JObject layer) throw new InvalidModelException($"{source}: every entry of 'layers' must be an object.");
                var neurons = NetworkSpec.ReadNeurons(layer, defaults, source);
                var pool = ReadPool(layer, source);
                string type = layer.Value<string?>("type") ?? "dense";
                specs.Add(type switch
                {
                    "conv2d" or "conv2d-lif" => ConvLayerSpec.Conv(Int(layer["channels"], source, "channels"), Int(layer["kernel"], source, "kernel"), neurons,
                        layer["stride"] is null ? 1 : Int(layer["stride"], source, "stride"),
                        layer["padding"] is null ? 0 : Int(layer["padding"], source, "padding", allowZero: true), pool),
                    "dense" or "dense-lif" => ConvLayerSpec.Dense(Int(layer["size"], source, "size"), neurons, pool),
                    _ => throw new InvalidModelException($"{source}: unknown layer type '{type}' (expected conv2d or dense)."),
                });
            }
            return new ConvSpec(input, specs);
        }
        catch (InvalidModelException e) when (!e.Message.StartsWith(source, StringComparison.Ordinal))
        {
            throw new InvalidModelException($"{source}: {e.Message}");
        }
    }

    internal static ImageShape ReadShape(JArray shape, string source, string key)
    {
        if (shape.Count != 3) throw new InvalidModelException($"{source}: '{key}' must be [height, width, channels].");
        return new ImageShape(Int(shape[0], source, key), Int(shape[1], source, key), Int(shape[2], source, key));
    }

    internal static PoolSpec? ReadPool(JObject layer, string source)
    {
        if (layer["pool"] is not { } token || token.Type == JTokenType.Null) return null;
        if (token is not JObject pool) throw new InvalidModelException($"{source}: 'pool' must be an object like {{\"kind\": \"max\", \"size\": 2}}.");
        var kind = pool.Value<string?>("kind") switch
        {
            "max" => PoolKind.Max,
            "avg" or "average" => PoolKind.Average,
            var other => throw new InvalidModelException($"{source}: pool kind must be 'max' or 'avg', got '{other}'."),
        };
        return new PoolSpec(kind, Int(pool["size"], source, "pool size"));
    }

    private static int Int(JToken? token, string source, string key, bool allowZero = false)
    {
        if (token is null || token.Type != JTokenType.Integer) throw new InvalidModelException($"{source}: '{key}' must be an integer.");
        long value = token.Value<long>();
        if (value < (allowZero ? 0 : 1) || value > NetworkSpec.MaxLayerSize)
            throw new InvalidModelException($"{source}: '{key}' must be between {(allowZero ? 0 : 1)} and {NetworkSpec.MaxLayerSize}, got {value}.");
        return (int)value;
    }

    /// <summary>
    /// Builds the network with PyTorch's default initialisation (uniform in +-1/sqrt(fan_in), fan_in = inC k^2 for a
    /// convolution), layer by layer from one generator seeded with <paramref name="seed"/>. For an all-dense spec the
    /// weights equal those of <see cref="SpikingNetwork.Create(NetworkSpec, int)"/> with the same seed.
    /// </summary>
    public SpikingNetwork Create(int seed)
        => new(CreateConnections(seed).Select((connection, k) => new SpikingLayer(connection, Layers[k].Neurons)).ToList());

    /// <summary>
    /// The synapses of every layer, initialised as <see cref="Create"/> initialises them (so a non-spiking network
    /// built from them starts from the same weights as the spiking one with the same seed).
    /// </summary>
    public IReadOnlyList<ISynapses> CreateConnections(int seed)
    {
        var random = new Random(seed);
        var connections = new List<ISynapses>();
        var shape = Input;
        for (int k = 0; k < Layers.Count; k++)
        {
            var connection = Connection(Layers[k], shape);
            connection.InitializeUniform(random);
            connections.Add(connection);
            shape = Shapes[k];
        }
        return connections;
    }

    /// <summary>Zero synapses of <paramref name="layer"/> reading an input of shape <paramref name="input"/>.</summary>
    public static ISynapses Connection(ConvLayerSpec layer, ImageShape input)
    {
        ArgumentNullException.ThrowIfNull(layer);
        ArgumentNullException.ThrowIfNull(input);
        var pooled = layer.Pool is { } p ? new ImageShape(input.Height / p.Size, input.Width / p.Size, input.Channels) : input;
        ISynapses inner = layer.Kind == ConvLayerKind.Conv2d
            ? new Conv2dSynapses(pooled.Height, pooled.Width, pooled.Channels, layer.Size, layer.Kernel, layer.Stride, layer.Padding)
            : new DenseSynapses(pooled.Size, layer.Size);
        return layer.Pool is { } pool ? new PooledSynapses(inner, input.Height, input.Width, input.Channels, pool.Kind, pool.Size) : inner;
    }

    /// <summary>
    /// The architecture of <paramref name="network"/>, read back from its synapses, or null when the network has a
    /// connection this form cannot describe or geometries that do not chain as the compact form implies.
    /// </summary>
    public static ConvSpec? Describe(SpikingNetwork network)
    {
        ArgumentNullException.ThrowIfNull(network);
        ImageShape? input = null;
        var layers = new List<ConvLayerSpec>();
        ImageShape? previous = null;
        foreach (var layer in network.Layers)
        {
            var (spec, shape) = DescribeLayer(layer, previous);
            if (spec is null || shape is null) return null;
            input ??= shape;
            layers.Add(spec);
            previous = null;
            try { previous = new ConvSpec(input, layers).Shapes[^1]; }
            catch (InvalidModelException) { return null; }
        }
        var result = new ConvSpec(input!, layers);
        return result.Shapes.Select(s => s.Size).SequenceEqual(network.Layers.Select(l => l.Size)) ? result : null;
    }

    // The layer's spec and its input shape; a dense layer reads whatever the previous layer produced (1x1xN first).
    private static (ConvLayerSpec? Spec, ImageShape? Input) DescribeLayer(SpikingLayer layer, ImageShape? previous)
    {
        var connection = layer.Connection;
        PoolSpec? pool = null;
        ImageShape? input = null;
        if (connection is PooledSynapses pooled)
        {
            pool = new PoolSpec(pooled.Pool, pooled.Size);
            input = new ImageShape(pooled.InHeight, pooled.InWidth, pooled.Channels);
            connection = pooled.Inner;
        }
        switch (connection)
        {
            case Conv2dSynapses conv:
                input ??= new ImageShape(conv.InHeight, conv.InWidth, conv.InChannels);
                return (ConvLayerSpec.Conv(conv.OutChannels, conv.Kernel, layer.Neurons, conv.Stride, conv.Padding, pool), Checked(input, previous));
            case DenseSynapses dense:
                input ??= previous ?? new ImageShape(1, 1, dense.Inputs);
                return (ConvLayerSpec.Dense(dense.Outputs, layer.Neurons, pool), Checked(input, previous));
            default:
                return (null, null);
        }
    }

    private static ImageShape? Checked(ImageShape input, ImageShape? previous) => previous is null || previous == input ? input : null;

    /// <summary>The weights layout note written to model files that hold convolutional or pooled layers.</summary>
    public const string WeightsLayout = "dense: row-major [neuron, input] (PyTorch nn.Linear), inputs flattened channel-last [y, x, c]; "
        + "conv2d: [out_channel, in_channel, ky, kx] (PyTorch nn.Conv2d); activations channel-last [y, x, c]";

    /// <summary>A model-file layer object for a convolutional or pooled layer (weights in PyTorch's layouts).</summary>
    internal static JObject LayerToJson(SpikingLayer layer)
    {
        var connection = layer.Connection;
        var json = new JObject { ["type"] = "dense", ["size"] = layer.Size };
        NetworkSpec.WriteNeuron(json, layer.Neuron);
        if (connection is PooledSynapses pooled)
        {
            json["input_shape"] = new JArray(pooled.InHeight, pooled.InWidth, pooled.Channels);
            json["pool"] = new JObject { ["kind"] = pooled.Pool == PoolKind.Max ? "max" : "avg", ["size"] = pooled.Size };
            connection = pooled.Inner;
        }
        switch (connection)
        {
            case Conv2dSynapses conv:
                json["type"] = "conv2d";
                json["input_shape"] ??= new JArray(conv.InHeight, conv.InWidth, conv.InChannels);
                json["channels"] = conv.OutChannels;
                json["kernel"] = conv.Kernel;
                json["stride"] = conv.Stride;
                json["padding"] = conv.Padding;
                json["weights"] = new JArray(conv.ToTorchLayout());
                break;
            case DenseSynapses dense:
                json["weights"] = new JArray(dense.ToOutputMajor());
                break;
            default:
                throw new NotSupportedException($"model files cannot hold {layer.Connection.Kind} synapses.");
        }
        json["bias"] = new JArray(connection.Bias);
        return json;
    }

    /// <summary>True when a model-file layer object needs <see cref="LayerFromJson"/> (a conv layer or a pool).</summary>
    internal static bool IsConvLayerJson(JObject json) => json.Value<string?>("type") is "conv2d" or "conv2d-lif" || json["pool"] is not null;

    /// <summary>Reads a model-file layer written by <see cref="LayerToJson"/>; <paramref name="inputs"/> is what the layer below provides.</summary>
    internal static SpikingLayer LayerFromJson(JObject json, int inputs, LayerSpec spec, string source, int index,
        Func<JObject, string, long, float[]> readFloats)
    {
        string where = $"{source}: layer {index}";
        // Version 1 named the synapses with the neuron kind ("conv2d-lif"); version 2 names the neuron apart.
        string type = (json.Value<string?>("type") ?? "dense").Replace("-lif", "");
        if (type is not ("conv2d" or "dense")) throw new InvalidModelException($"{where} has unknown type '{json.Value<string?>("type")}'.");
        var pool = ReadPool(json, where);
        ImageShape input = json["input_shape"] is JArray shape ? ReadShape(shape, where, "input_shape")
            : type == "conv2d" || pool is not null ? throw new InvalidModelException($"{where} has no 'input_shape' [height, width, channels].")
            : new ImageShape(1, 1, inputs);
        if (input.Size != inputs)
            throw new InvalidModelException($"{where}: 'input_shape' {input} holds {input.Size} values but the layer below provides {inputs}.");
        var layerSpec = type == "conv2d"
            ? ConvLayerSpec.Conv(Int(json["channels"], where, "channels"), Int(json["kernel"], where, "kernel"), spec.Neurons,
                Int(json["stride"], where, "stride"), Int(json["padding"], where, "padding", allowZero: true), pool)
            : ConvLayerSpec.Dense(spec.Size, spec.Neurons, pool);
        ImageShape output;
        try { output = new ConvSpec(input, [layerSpec]).Shapes[0]; }
        catch (InvalidModelException e) { throw new InvalidModelException($"{where}: {e.Message}"); }
        if (output.Size != spec.Size)
            throw new InvalidModelException($"{where}: 'size' is {spec.Size} but its shape gives {output} = {output.Size} neurons.");
        var connection = Connection(layerSpec, input);
        var inner = connection is PooledSynapses p ? p.Inner : connection;
        var weights = readFloats(json, "weights", inner.Weights.Length);
        if (inner is Conv2dSynapses conv) conv.FromTorchLayout(weights);
        else ((DenseSynapses)inner).FromOutputMajor(weights);
        readFloats(json, "bias", inner.Bias.Length).CopyTo(inner.Bias, 0);
        return new SpikingLayer(connection, spec.Neuron);
    }
}
