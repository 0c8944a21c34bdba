using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using SpikeLfp.Network.IO;
using SpikeLfp.Neurons;

namespace SpikeLfp.Network.Model;

/// <summary>
/// The model file: JSON with the architecture, neuron parameters and every weight, which round-trips
/// exactly (floats are written in their shortest round-trip form). Weights are stored in PyTorch's
/// layout, [neuron, input] row-major, so other tools can read them directly.
/// </summary>
public static class ModelFile
{
    /// <summary>Identifies the file kind.</summary>
    public const string Format = "spikelfp-model";
    /// <summary>Current format version; other versions are rejected with a clear message.</summary>
    public const int Version = 1;

    /// <summary>Serialises a network to the model JSON text.</summary>
    public static string ToJson(SpikingNetwork network)
    {
        var layers = new JArray();
        foreach (var layer in network.Layers)
        {
            if (!layer.IsDense) { layers.Add(ConvSpec.LayerToJson(layer)); continue; }
            layers.Add(new JObject
            {
                ["type"] = "dense-lif",
                ["size"] = layer.Size,
                ["beta"] = layer.Neurons.Beta,
                ["threshold"] = layer.Neurons.Threshold,
                ["reset"] = layer.Neurons.Reset == ResetMode.Subtract ? "subtract" : "zero",
                ["delayed_reset"] = layer.Neurons.DelayedReset,
                ["weights"] = new JArray(layer.Synapses.ToOutputMajor()),
                ["bias"] = new JArray(layer.Synapses.Bias),
            });
        }
        var root = new JObject
        {
            ["format"] = Format,
            ["version"] = Version,
            ["spec"] = network.Spec,
            ["weights_layout"] = network.Layers.All(l => l.IsDense) ? "row-major [neuron, input] (PyTorch nn.Linear)" : ConvSpec.WeightsLayout,
            ["input"] = network.InputSize,
            ["layers"] = layers,
        };
        return root.ToString(Formatting.Indented);
    }

    /// <summary>Writes the model atomically (temp file + rename).</summary>
    public static void Save(SpikingNetwork network, string path) => AtomicFile.WriteAllText(path, ToJson(network));

    /// <summary>Reads and validates a model file.</summary>
    /// <exception cref="InvalidModelException">Missing, not JSON, truncated, another format or version, or shapes that disagree.</exception>
    public static SpikingNetwork Load(string path)
    {
        string text;
        try { text = File.ReadAllText(path); }
        catch (FileNotFoundException) { throw new InvalidModelException($"model file '{path}' does not exist."); }
        catch (DirectoryNotFoundException) { throw new InvalidModelException($"model file '{path}' does not exist."); }
        catch (UnauthorizedAccessException) { throw new InvalidModelException($"model file '{path}' cannot be read (permission denied)."); }
        catch (IOException e) { throw new InvalidModelException($"model file '{path}' cannot be read: {e.Message}"); }
        return Parse(text, path);
    }

    /// <summary>Parses model JSON text; <paramref name="source"/> names it in error messages.</summary>
    /// <exception cref="InvalidModelException">Anything wrong with the text; never another exception type.</exception>
    public static SpikingNetwork Parse(string text, string source)
    {
        try { return ParseChecked(text, source); }
        // A value of the wrong JSON kind (an array where a string belongs, an integer beyond long) surfaces as
        // one of these from Newtonsoft's conversions; they are still a bad file, not a bug.
        catch (Exception e) when (e is InvalidCastException or FormatException or OverflowException or ArgumentException)
        {
            throw new InvalidModelException($"{source}: not a valid model file ({e.Message.Split(" (Parameter")[0]})", e);
        }
    }

    private static SpikingNetwork ParseChecked(string text, string source)
    {
        JObject root;
        try
        {
            using var reader = new JsonTextReader(new StringReader(text)) { FloatParseHandling = FloatParseHandling.Double, MaxDepth = 16 };
            root = JObject.Load(reader);
            while (reader.Read()) { } // reject trailing garbage after the object
        }
        catch (JsonException e) { throw new InvalidModelException($"{source}: not a valid model file (JSON error: {e.Message})"); }

        if (root.Value<string?>("format") is not { } format || format != Format)
            throw new InvalidModelException($"{source}: not a SpikeLfp model file (format is not '{Format}').");
        var versionToken = root["version"];
        if (versionToken is null || versionToken.Type != JTokenType.Integer || versionToken.Value<long>() != Version)
            throw new InvalidModelException($"{source}: model format version {versionToken} is not supported (this SpikeLfp reads version {Version}).");

        var spec = NetworkSpec.FromJson(root, LifParameters.Default, source);
        var layerTokens = (JArray)root["layers"]!;
        var layers = new List<SpikingLayer>();
        int inputs = spec.Inputs;
        for (int k = 0; k < spec.Layers.Count; k++)
        {
            var json = (JObject)layerTokens[k];
            if (ConvSpec.IsConvLayerJson(json))
            {
                layers.Add(ConvSpec.LayerFromJson(json, inputs, spec.Layers[k], source, k, (j, key, n) => ReadFloats(j, key, n, source, k)));
                inputs = layers[^1].Size;
                continue;
            }
            var type = json.Value<string?>("type");
            if (type is not null && type != "dense-lif")
                throw new InvalidModelException($"{source}: layer {k} has unknown type '{type}'.");
            var layer = new SpikingLayer(inputs, spec.Layers[k].Size, spec.Layers[k].Neurons);
            var weights = ReadFloats(json, "weights", (long)inputs * layer.Size, source, k);
            layer.Synapses.FromOutputMajor(weights);
            ReadFloats(json, "bias", layer.Size, source, k).CopyTo(layer.Synapses.Bias, 0);
            layers.Add(layer);
            inputs = layer.Size;
        }
        return new SpikingNetwork(layers);
    }

    private static float[] ReadFloats(JObject layer, string key, long expected, string source, int index)
    {
        if (layer[key] is not JArray array)
            throw new InvalidModelException($"{source}: layer {index} has no '{key}' array.");
        if (array.Count != expected)
            throw new InvalidModelException($"{source}: layer {index} '{key}' has {array.Count} values but its shape needs {expected}.");
        var values = new float[expected];
        for (int i = 0; i < values.Length; i++)
        {
            var token = array[i];
            if (token.Type is not (JTokenType.Float or JTokenType.Integer))
                throw new InvalidModelException($"{source}: layer {index} '{key}'[{i}] is not a number.");
            float v = token.Value<float>();
            if (!float.IsFinite(v))
                throw new InvalidModelException($"{source}: layer {index} '{key}'[{i}] is not finite.");
            values[i] = v;
        }
        return values;
    }
}
