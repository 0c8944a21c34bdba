using System.Globalization;
using Newtonsoft.Json.Linq;
using SpikeLfp.Neurons;

namespace SpikeLfp.Network.Model;

/// <summary>One layer of an architecture: its size and neuron parameters.</summary>
public sealed record LayerSpec(int Size, LifParameters Neurons);

/// <summary>
/// A network architecture without weights: input size and layers. Parsed from a compact spec
/// ("64-100-10") or a JSON file (<c>{"input": 64, "layers": [{"size": 100, "beta": 0.9, ...}, ...]}</c>).
/// </summary>
public sealed record NetworkSpec(int Inputs, IReadOnlyList<LayerSpec> Layers)
{
    /// <summary>Upper bound on any layer size (guards against typos that would allocate gigabytes).</summary>
    public const int MaxLayerSize = 1 << 20;

    /// <summary>
    /// Parses "IN-H1-...-OUT" (at least two numbers, each 1..2^20) with the given neuron parameters.
    /// </summary>
    /// <exception cref="InvalidModelException">The spec is malformed; the message says why.</exception>
    public static NetworkSpec Parse(string spec, LifParameters neurons)
    {
        var parts = spec.Split('-');
        if (parts.Length < 2)
            throw new InvalidModelException($"invalid model spec '{spec}': expected sizes like 64-100-10 (input, hidden..., output).");
        var sizes = new int[parts.Length];
        for (int k = 0; k < parts.Length; k++)
        {
            if (!int.TryParse(parts[k], NumberStyles.None, CultureInfo.InvariantCulture, out sizes[k]) || sizes[k] < 1 || sizes[k] > MaxLayerSize)
                throw new InvalidModelException($"invalid model spec '{spec}': '{parts[k]}' is not a layer size between 1 and {MaxLayerSize}.");
        }
        return new NetworkSpec(sizes[0], sizes.Skip(1).Select(s => new LayerSpec(s, neurons)).ToArray());
    }

    /// <summary>Compact form, for example "64-100-10".</summary>
    public override string ToString() => string.Join('-', new[] { Inputs }.Concat(Layers.Select(l => l.Size)));

    /// <summary>
    /// Reads an architecture from JSON: <c>input</c>, and <c>layers</c> each with <c>size</c> and optional
    /// <c>beta</c>, <c>threshold</c>, <c>reset</c> ("subtract"|"zero"), <c>delayed_reset</c>; missing neuron
    /// fields fall back to <paramref name="defaults"/>.
    /// </summary>
    public static NetworkSpec FromJson(JObject json, LifParameters defaults, string source)
    {
        int inputs = ReadSize(json, "input", source);
        if (json["layers"] is not JArray layers || layers.Count == 0)
            throw new InvalidModelException($"{source}: 'layers' must be a non-empty array.");
        var specs = new List<LayerSpec>();
        foreach (var token in layers)
        {
            if (token is not JObject layer) throw new InvalidModelException($"{source}: every entry of 'layers' must be an object.");
            specs.Add(new LayerSpec(ReadSize(layer, "size", source), ReadNeurons(layer, defaults, source)));
        }
        return new NetworkSpec(inputs, specs);
    }

    /// <summary>Neuron parameters of a layer object, validated; missing fields come from <paramref name="defaults"/>.</summary>
    public static LifParameters ReadNeurons(JObject layer, LifParameters defaults, string source)
    {
        try
        {
            float beta = layer.Value<float?>("beta") ?? defaults.Beta;
            float threshold = layer.Value<float?>("threshold") ?? defaults.Threshold;
            string? resetText = layer.Value<string?>("reset");
            var reset = resetText switch
            {
                null => defaults.Reset,
                "subtract" => ResetMode.Subtract,
                "zero" => ResetMode.Zero,
                _ => throw new InvalidModelException($"{source}: reset must be 'subtract' or 'zero', got '{resetText}'."),
            };
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
