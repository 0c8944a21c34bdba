using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using SpikeLfp.Network.IO;
using SpikeLfp.Network.Synapses;
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
    /// <summary>
    /// Current format version. Version 2 names each layer's neuron kind (<c>neuron</c>, <c>alpha</c>) apart from its
    /// synapses and may hold recurrent weights; version 1 files (LIF only, written before) still load.
    /// </summary>
    public const int Version = 2;

    /// <summary>Versions this SpikeLfp reads.</summary>
    public static readonly int[] ReadableVersions = [1, 2];

    /// <summary>Serialises a network to the model JSON text.</summary>
    public static string ToJson(SpikingNetwork network)
    {
        var layers = new JArray();
        foreach (var layer in network.Layers)
        {
            if (!layer.IsDense) { layers.Add(ConvSpec.LayerToJson(layer)); continue; }
            var json = new JObject { ["type"] = "dense", ["size"] = layer.Size };
            NetworkSpec.WriteNeuron(json, layer.Neuron);
            json["weights"] = new JArray(layer.DenseConnection.ToOutputMajor());
            json["bias"] = new JArray(layer.DenseConnection.Bias);
            if (layer.Recurrent is { } recurrent)
            {
                json["recurrent"] = true;
                json["recurrent_weights"] = new JArray(recurrent.ToOutputMajor());
                json["recurrent_bias"] = new JArray(recurrent.Bias);
            }
            layers.Add(json);
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
        try { text = InputFile.ReadAllText(path, InputFile.MaxWeightsFileBytes); }
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
        // "1" or 1.0 is a version written wrongly, not another version: say so.
        if (versionToken is null || versionToken.Type != JTokenType.Integer)
            throw new InvalidModelException($"{source}: 'version' must be a whole number ({string.Join(" or ", ReadableVersions)}), got {versionToken?.ToString(Formatting.None) ?? "nothing"}.");
        if (!ReadableVersions.Contains((int)Math.Clamp(versionToken.Value<long>(), 0, int.MaxValue)))
            throw new InvalidModelException($"{source}: model format version {versionToken} is not supported (this SpikeLfp reads versions {string.Join(" and ", ReadableVersions)}).");

        var spec = NetworkSpec.FromJson(root, NeuronModel.Default, source);
        var layerTokens = (JArray)root["layers"]!;
        var layers = new List<SpikingLayer>();
        int inputs = spec.Inputs;
        for (int k = 0; k < spec.Layers.Count; k++)
        {
            var json = (JObject)layerTokens[k];
            if (ConvSpec.IsConvLayerJson(json))
            {
                if (spec.Layers[k].Recurrent) throw new InvalidModelException($"{source}: layer {k} is recurrent, which only dense layers can be.");
                layers.Add(ConvSpec.LayerFromJson(json, inputs, spec.Layers[k], source, k, (j, key, n) => ReadFloats(j, key, n, source, k)));
                inputs = layers[^1].Size;
                continue;
            }
            var type = json.Value<string?>("type");
            if (type is not null && type is not ("dense" or "dense-lif"))
                throw new InvalidModelException($"{source}: layer {k} has unknown type '{type}'.");
            int size = spec.Layers[k].Size;
            var synapses = ReadDense(json, "weights", "bias", inputs, size, source, k);
            var recurrent = spec.Layers[k].Recurrent ? ReadDense(json, "recurrent_weights", "recurrent_bias", size, size, source, k) : null;
            layers.Add(new SpikingLayer(synapses, spec.Layers[k].Neuron, recurrent));
            inputs = size;
        }
        return new SpikingNetwork(layers);
    }

    private static DenseSynapses ReadDense(JObject json, string weightsKey, string biasKey, int inputs, int size, string source, int index)
    {
        var synapses = new DenseSynapses(inputs, size);
        synapses.FromOutputMajor(ReadFloats(json, weightsKey, (long)inputs * size, source, index));
        ReadFloats(json, biasKey, size, source, index).CopyTo(synapses.Bias, 0);
        return synapses;
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
