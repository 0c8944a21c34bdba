using System.Globalization;
using Newtonsoft.Json.Linq;
using SpikeLfp.Neurons;

namespace SpikeLfp.Network.Model;

/// <summary>One layer of an architecture: its size, neuron kind and parameters, and whether it is recurrent.</summary>
public sealed record LayerSpec(int Size, NeuronModel Neuron, bool Recurrent = false)
{
    /// <summary>A feed-forward LIF layer.</summary>
    public LayerSpec(int size, LifParameters neurons) : this(size, new LifNeuron(neurons)) { }

    /// <summary>Membrane parameters of the layer's neurons.</summary>
    public LifParameters Neurons => Neuron.Membrane;
}

/// <summary>
/// A network architecture without weights: input size and layers. Parsed from a compact spec
/// ("64-100-10"; "64-r100-10" makes the hidden layer recurrent) or a JSON file
/// (<c>{"input": 64, "layers": [{"size": 100, "neuron": "cuba", "alpha": 0.7, "recurrent": true, ...}, ...]}</c>).
/// </summary>
public sealed record NetworkSpec(int Inputs, IReadOnlyList<LayerSpec> Layers)
{
    /// <summary>Upper bound on any layer size (guards against typos that would allocate gigabytes).</summary>
    public const int MaxLayerSize = 1 << 20;

    /// <summary>Upper bound on the weights of all layers together, recurrent ones included (1 GiB of float32 weights).</summary>
    public const long MaxWeights = 1L << 28;

    /// <summary>Neurons of the hidden layer of the default network, inputs-100-classes (the reference's MLP).</summary>
    public const int DefaultHiddenSize = 100;

    /// <summary>
    /// The default network for <paramref name="inputs"/> inputs and <paramref name="classes"/> classes: one hidden layer of
    /// <see cref="DefaultHiddenSize"/> neurons, every layer of <paramref name="neuron"/>.
    /// </summary>
    /// <exception cref="InvalidModelException">A size out of range.</exception>
    public static NetworkSpec Default(int inputs, int classes, NeuronModel neuron)
        => Parse(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{inputs}-{DefaultHiddenSize}-{classes}"), neuron);

    /// <summary>Weights of all layers (biases excluded), counted in 64 bits.</summary>
    public long WeightCount
    {
        get
        {
            long total = 0, inputs = Inputs;
            foreach (var layer in Layers)
            {
                total += inputs * layer.Size + (layer.Recurrent ? (long)layer.Size * layer.Size : 0);
                inputs = layer.Size;
            }
            return total;
        }
    }

    /// <summary>Throws when the architecture has more than <see cref="MaxWeights"/> weights, before any of them is allocated.</summary>
    /// <exception cref="InvalidModelException">Too many weights; the message names the count and the limit.</exception>
    public NetworkSpec CheckWeights(string source)
    {
        long weights = WeightCount;
        if (weights > MaxWeights)
            throw new InvalidModelException($"{source}: {this} has {weights} weights, more than the limit of {MaxWeights}.");
        return this;
    }

    /// <summary>Parses "IN-H1-...-OUT" with LIF neurons of the given parameters; see <see cref="Parse(string, NeuronModel)"/>.</summary>
    public static NetworkSpec Parse(string spec, LifParameters neurons) => Parse(spec, new LifNeuron(neurons));

    /// <summary>
    /// Parses "IN-H1-...-OUT" (at least two numbers, each 1..2^20); a layer written "rN" is recurrent
    /// (for example "64-r100-10"). Every layer gets <paramref name="neuron"/>.
    /// </summary>
    /// <exception cref="InvalidModelException">The spec is malformed; the message says why.</exception>
    public static NetworkSpec Parse(string spec, NeuronModel neuron)
    {
        var parts = spec.Split('-');
        if (parts.Length < 2)
            throw new InvalidModelException($"invalid model spec '{spec}': expected sizes like 64-100-10 (input, hidden..., output; rN for a recurrent layer).");
        var sizes = new int[parts.Length];
        var recurrent = new bool[parts.Length];
        for (int k = 0; k < parts.Length; k++)
        {
            string text = parts[k];
            recurrent[k] = k > 0 && text.StartsWith('r');
            if (recurrent[k]) text = text[1..];
            if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out sizes[k]) || sizes[k] < 1 || sizes[k] > MaxLayerSize)
                throw new InvalidModelException($"invalid model spec '{spec}': '{parts[k]}' is not a layer size between 1 and {MaxLayerSize} (rN for a recurrent layer).");
        }
        return new NetworkSpec(sizes[0], Enumerable.Range(1, sizes.Length - 1).Select(k => new LayerSpec(sizes[k], neuron, recurrent[k])).ToArray())
            .CheckWeights($"invalid model spec '{spec}'");
    }

    /// <summary>The same architecture with a non-spiking LI readout (<see cref="LiNeuron"/>, leak <paramref name="beta"/>) as output layer.</summary>
    public NetworkSpec WithLiReadout(float beta)
        => this with { Layers = [.. Layers.SkipLast(1), Layers[^1] with { Neuron = new LiNeuron(new LifParameters(beta, 1f)), Recurrent = false }] };

    /// <summary>Compact form, for example "64-100-10" or "28-r128-10" (neuron kinds are not part of it).</summary>
    public override string ToString() => string.Join('-', new[] { Inputs.ToString(CultureInfo.InvariantCulture) }
        .Concat(Layers.Select(l => (l.Recurrent ? "r" : "") + l.Size.ToString(CultureInfo.InvariantCulture))));

    /// <summary>Reads an architecture from JSON with LIF defaults; see <see cref="FromJson(JObject, NeuronModel, string)"/>.</summary>
    public static NetworkSpec FromJson(JObject json, LifParameters defaults, string source) => FromJson(json, new LifNeuron(defaults), source);

    /// <summary>
    /// Reads an architecture from JSON: <c>input</c>, and <c>layers</c> each with <c>size</c> and optional
    /// <c>neuron</c> ("lif"|"cuba"), <c>alpha</c> (cuba), <c>beta</c>, <c>threshold</c>, <c>reset</c>
    /// ("subtract"|"zero"|"zero-all"), <c>delayed_reset</c>, <c>recurrent</c> (true|false); missing neuron
    /// fields fall back to <paramref name="defaults"/>.
    /// </summary>
    public static NetworkSpec FromJson(JObject json, NeuronModel defaults, string source)
    {
        int inputs = ReadSize(json, "input", source);
        if (json["layers"] is not JArray layers || layers.Count == 0)
            throw new InvalidModelException($"{source}: 'layers' must be a non-empty array.");
        var specs = new List<LayerSpec>();
        foreach (var token in layers)
        {
            if (token is not JObject layer) throw new InvalidModelException($"{source}: every entry of 'layers' must be an object.");
            specs.Add(new LayerSpec(ReadSize(layer, "size", source), ReadNeuron(layer, defaults, source), ReadRecurrent(layer, source)));
        }
        try { SpikingNetwork.CheckReadout(specs.Select(l => (l.Neuron, l.Recurrent)).ToArray()); }
        catch (ArgumentException e) { throw new InvalidModelException($"{source}: {e.Message}"); }
        return new NetworkSpec(inputs, specs).CheckWeights(source);
    }

    /// <summary>Reset modes by their name in files and on the command line.</summary>
    public static readonly IReadOnlyDictionary<string, ResetMode> ResetNames = new Dictionary<string, ResetMode>
    {
        ["subtract"] = ResetMode.Subtract,
        ["zero"] = ResetMode.Zero,
        ["zero-all"] = ResetMode.ZeroAll,
    };

    /// <summary>The name of a reset mode in files: "subtract", "zero", "zero-all".</summary>
    public static string ResetName(ResetMode reset) => ResetNames.First(p => p.Value == reset).Key;

    /// <summary>
    /// The neuron of a layer object: kind (<c>neuron</c>: "lif" or "cuba"), <c>alpha</c> for cuba, and the
    /// membrane fields of <see cref="ReadNeurons"/>; missing fields come from <paramref name="defaults"/>.
    /// </summary>
    public static NeuronModel ReadNeuron(JObject layer, NeuronModel defaults, string source)
    {
        var membrane = ReadNeurons(layer, defaults.Membrane, source);
        string kind = layer.Value<string?>("neuron") ?? defaults.Kind;
        try
        {
            return kind switch
            {
                "lif" => new LifNeuron(membrane),
                "li" => new LiNeuron(membrane),
                "cuba" => new CubaLifNeuron(membrane, layer.Value<float?>("alpha") ?? (defaults as CubaLifNeuron)?.Alpha
                    ?? throw new InvalidModelException($"{source}: a cuba layer needs 'alpha'.")),
                _ => throw new InvalidModelException($"{source}: neuron must be 'lif', 'cuba' or 'li', got '{kind}'."),
            };
        }
        catch (ArgumentException e) { throw new InvalidModelException($"{source}: {e.Message.Split(" (Parameter")[0]}"); }
    }

    /// <summary>Writes a neuron's kind and parameters into a layer object, the fields <see cref="ReadNeuron"/> reads.</summary>
    public static void WriteNeuron(JObject layer, NeuronModel neuron)
    {
        layer["neuron"] = neuron.Kind;
        if (neuron is CubaLifNeuron cuba) layer["alpha"] = cuba.Alpha;
        layer["beta"] = neuron.Membrane.Beta;
        layer["threshold"] = neuron.Membrane.Threshold;
        layer["reset"] = ResetName(neuron.Membrane.Reset);
        layer["delayed_reset"] = neuron.Membrane.DelayedReset;
    }

    private static bool ReadRecurrent(JObject layer, string source)
    {
        var token = layer["recurrent"];
        if (token is null) return false;
        if (token.Type != JTokenType.Boolean) throw new InvalidModelException($"{source}: 'recurrent' must be true or false.");
        return token.Value<bool>();
    }

    /// <summary>Membrane parameters of a layer object, validated; missing fields come from <paramref name="defaults"/>.</summary>
    public static LifParameters ReadNeurons(JObject layer, LifParameters defaults, string source)
    {
        try
        {
            float beta = layer.Value<float?>("beta") ?? defaults.Beta;
            float threshold = layer.Value<float?>("threshold") ?? defaults.Threshold;
            string? resetText = layer.Value<string?>("reset");
            var reset = resetText is null ? defaults.Reset
                : ResetNames.TryGetValue(resetText, out var mode) ? mode
                : throw new InvalidModelException($"{source}: reset must be 'subtract', 'zero' or 'zero-all', got '{resetText}'.");
            bool delayed = layer.Value<bool?>("delayed_reset") ?? defaults.DelayedReset;
            return new LifParameters(beta, threshold, reset, delayed);
        }
        catch (ArgumentException e) { throw new InvalidModelException($"{source}: {e.Message.Split(" (Parameter")[0]}"); }
        catch (FormatException e) { throw new InvalidModelException($"{source}: {e.Message}"); }
        catch (InvalidCastException e) { throw new InvalidModelException($"{source}: {e.Message}"); }
    }

    private static int ReadSize(JObject json, string key, string source)
    {
        var token = json[key];
        if (token is null || token.Type != JTokenType.Integer)
            throw new InvalidModelException($"{source}: '{key}' must be an integer.");
        long value = token.Value<long>();
        if (value < 1 || value > MaxLayerSize)
            throw new InvalidModelException($"{source}: '{key}' must be between 1 and {MaxLayerSize}, got {value}.");
        return (int)value;
    }
}
