using System.Globalization;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using SpikeLfp.Network.Model;
using SpikeLfp.Neurons;

namespace SpikeLfp.Network.Populations;

/// <summary>
/// Reads a population network from JSON (docs/population-networks.md):
/// <code>
/// { "dt_ms": 0.1,
///   "populations": [ { "name": "exc", "size": 3200, "neuron": "cuba" or { "tau_m_ms": 20, "resting_mv": -49,
///       "reset_mv": -60, "threshold_mv": -50, "refractory_ms": 5, "receptors": [ { "name": "e", "tau_ms": 5 } ] },
///       "initial_v_mv": [-60, -50] or -60 } ],
///   "projections": [ { "from": "exc", "to": "exc", "receptor": "e", "weight_mv": 1.62,
///       "connect": { "probability": 0.02, "autapses": true } or { "in_degree": 80 } or { "pairs": [[0, 1]] } } ] }
/// </code>
/// Unknown keys are refused (a typo never silently falls back to a default). Every problem is an
/// <see cref="InvalidModelException"/> whose one-line message names the file and the entry.
/// </summary>
public static class NetworkFile
{
    /// <summary>Reads and validates <paramref name="path"/>.</summary>
    public static PopulationNetworkSpec Load(string path) => Parse(File.ReadAllText(path), Path.GetFileName(path));

    /// <summary>Parses and validates <paramref name="json"/>; <paramref name="source"/> names it in messages.</summary>
    public static PopulationNetworkSpec Parse(string json, string source)
    {
        JObject root;
        try { root = JObject.Parse(json); }
        catch (JsonReaderException e) { throw new InvalidModelException($"{source}: not valid JSON ({e.Message})"); }
        try
        {
            Keys(root, "network", "dt_ms", "populations", "projections");
            double dt = root["dt_ms"] is null ? 0.1 : Number(root, "dt_ms", "network");
            var populations = Array(root, "populations", "network").Select((p, i) => Population(Object(p, $"populations[{i}]"), i)).ToList();
            var projections = root["projections"] is null ? [] : Array(root, "projections", "network").Select((p, i) => Projection(Object(p, $"projections[{i}]"), i)).ToList();
            var spec = new PopulationNetworkSpec(dt, populations, projections);
            spec.Validate();
            return spec;
        }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            throw new InvalidModelException($"{source}: {e.Message}");
        }
    }

    private static PopulationSpec Population(JObject o, int index)
    {
        string where = $"populations[{index}]";
        Keys(o, where, "name", "size", "neuron", "initial_v_mv");
        string name = Text(o, "name", where);
        where = $"population '{name}'";
        int size = Integer(o, "size", where);
        var neuron = o["neuron"] switch
        {
            null => throw new FormatException($"{where}: \"neuron\" is missing (\"cuba\" or an object of parameters)."),
            { Type: JTokenType.String } t when (string)t! == "cuba" => ReceptorLifParameters.Cuba,
            JObject parameters => Neuron(parameters, where),
            _ => throw new FormatException($"{where}: \"neuron\" must be \"cuba\" or an object of parameters."),
        };
        var (low, high) = o["initial_v_mv"] switch
        {
            null => (neuron.RestingPotentialMv, neuron.RestingPotentialMv),
            JArray { Count: 2 } range => (Value(range[0], where + " initial_v_mv"), Value(range[1], where + " initial_v_mv")),
            { Type: JTokenType.Integer or JTokenType.Float } v => (Value(v, where), Value(v, where)),
            _ => throw new FormatException($"{where}: \"initial_v_mv\" must be a number or [low, high]."),
        };
        return new PopulationSpec(name, size, neuron, low, high);
    }

    private static ReceptorLifParameters Neuron(JObject o, string where)
    {
        where += " neuron";
        Keys(o, where, "tau_m_ms", "resting_mv", "reset_mv", "threshold_mv", "refractory_ms", "receptors");
        var receptors = Array(o, "receptors", where).Select((r, i) =>
        {
            var ro = Object(r, $"{where} receptors[{i}]");
            Keys(ro, $"{where} receptors[{i}]", "name", "tau_ms");
            return new Receptor(Text(ro, "name", where), Number(ro, "tau_ms", where));
        }).ToList();
        try
        {
            return new ReceptorLifParameters(Number(o, "tau_m_ms", where), Number(o, "resting_mv", where), Number(o, "reset_mv", where),
                Number(o, "threshold_mv", where), o["refractory_ms"] is null ? 0 : Number(o, "refractory_ms", where), receptors);
        }
        catch (ArgumentException e) { throw new FormatException($"{where}: {e.Message}"); }
    }

    private static ProjectionSpec Projection(JObject o, int index)
    {
        string where = $"projections[{index}]";
        Keys(o, where, "from", "to", "receptor", "weight_mv", "connect");
        string from = Text(o, "from", where), to = Text(o, "to", where);
        where = $"projection {from}->{to}";
        var connect = o["connect"] as JObject ?? throw new FormatException($"{where}: \"connect\" must be an object (probability, in_degree or pairs).");
        Keys(connect, where + " connect", "probability", "in_degree", "pairs", "autapses");
        bool autapses = connect["autapses"] is not { } a || (a.Type == JTokenType.Boolean ? (bool)a : throw new FormatException($"{where}: \"autapses\" must be true or false."));
        int rules = (connect["probability"] is null ? 0 : 1) + (connect["in_degree"] is null ? 0 : 1) + (connect["pairs"] is null ? 0 : 1);
        if (rules != 1) throw new FormatException($"{where}: \"connect\" needs exactly one of probability, in_degree, pairs.");
        ConnectionRule rule;
        if (connect["probability"] is not null)
        {
            double p = Number(connect, "probability", where);
            if (p < 0 || p > 1) throw new FormatException($"{where}: probability must be in [0, 1], got {p.ToString(CultureInfo.InvariantCulture)}.");
            rule = new RandomConnections(p, autapses);
        }
        else if (connect["in_degree"] is not null) rule = new FixedInDegree(Integer(connect, "in_degree", where, allowZero: true), autapses);
        else
        {
            var pairs = Array(connect, "pairs", where);
            var pre = new int[pairs.Count];
            var post = new int[pairs.Count];
            for (int i = 0; i < pairs.Count; i++)
            {
                if (pairs[i] is not JArray { Count: 2 } pair || pair[0].Type != JTokenType.Integer || pair[1].Type != JTokenType.Integer)
                    throw new FormatException($"{where}: pairs[{i}] must be [source, target] (two neuron indices).");
                (pre[i], post[i]) = ((int)pair[0], (int)pair[1]);
            }
            rule = new Pairs(pre, post);
        }
        return new ProjectionSpec(from, to, Text(o, "receptor", where), Number(o, "weight_mv", where), rule);
    }

    private static void Keys(JObject o, string where, params string[] allowed)
    {
        foreach (var property in o.Properties())
            if (!allowed.Contains(property.Name))
                throw new FormatException($"{where}: unknown key \"{property.Name}\" (expected {string.Join(", ", allowed)}).");
    }

    private static JObject Object(JToken token, string where) => token as JObject ?? throw new FormatException($"{where} must be an object.");

    private static JArray Array(JObject o, string key, string where)
        => o[key] as JArray ?? throw new FormatException($"{where}: \"{key}\" must be a list.");

    private static string Text(JObject o, string key, string where)
        => o[key] is { Type: JTokenType.String } t && ((string)t!).Length > 0 ? (string)t! : throw new FormatException($"{where}: \"{key}\" must be a non-empty string.");

    private static double Number(JObject o, string key, string where)
        => o[key] is { } t ? Value(t, $"{where} {key}") : throw new FormatException($"{where}: \"{key}\" is missing.");

    private static double Value(JToken t, string where)
        => t.Type is JTokenType.Integer or JTokenType.Float && double.IsFinite((double)t) ? (double)t : throw new FormatException($"{where}: expected a finite number, got {t.ToString(Formatting.None)}.");

    private static int Integer(JObject o, string key, string where, bool allowZero = false)
    {
        if (o[key] is not { Type: JTokenType.Integer } t) throw new FormatException($"{where}: \"{key}\" must be a whole number.");
        long v = (long)t;
        if (v < (allowZero ? 0 : 1) || v > int.MaxValue / 4) throw new FormatException($"{where}: \"{key}\" must be {(allowZero ? ">= 0" : ">= 1")} and at most {int.MaxValue / 4}, got {v}.");
        return (int)v;
    }
}
