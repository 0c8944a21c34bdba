using System.Globalization;
using SpikeLfp.Network.Model;
using SpikeLfp.Nir;

namespace SpikeLfp.Cli.Commands;

/// <summary>
/// spikelfp nir inspect | import | export: NIR graphs (HDF5) to and from SpikeLfp model files, with the time step
/// and discretisation rule of docs/nir.md.
/// </summary>
public sealed class NirCommand : ICommand
{
    private const string PaperDt = "1e-4";

    public string Name => "nir";
    public string Summary => "inspect NIR graphs, import them as SpikeLfp models, export models to NIR";
    public string Description => """
        NIR graphs (HDF5) to and from SpikeLfp model files. train, compare, simulate and plot take F.nir as --model too, with the same flags (--nir-dt in place of --dt, which is their event bin width). See docs/nir.md for the formulas and for what each framework's files need.
        """;

    // How a graph's time constants become per-step factors (docs/nir.md), for inspect and import.
    private static readonly Flag[] TimeFlags =
    [
        new("dt", "D", $"time step in seconds (default {PaperDt}, the NIR paper's)"),
        NirModelOptions.DiscretisationFlag,
        CommonOptions.ResetFlag with { Description = "zero-all (NIR's v = v_reset; default), zero or subtract (as train's --reset; snnTorch's \"subtract\" models need subtract: NIR cannot say so)" },
        Flag.Switch("immediate-reset", "reset in the step the neuron spikes (Norse, and the NIR paper's Braille models); without it the reset follows the spike by a step (snnTorch's default)"),
    ];

    public IReadOnlyList<ICommand> Subcommands { get; } =
    [
        new Subcommand("inspect", "describe a NIR graph and whether SpikeLfp can run it",
            "Prints the version, every node (type, parameters with dtype and shape), the edges, whether the graph has cycles, and whether SpikeLfp can simulate and train it (and as what), or which node stops it.",
            TimeFlags, (a, output, _) => Inspect(a, output)) { Operands = [new("F.nir", "the NIR graph")] },
        new Subcommand("import", "write the SpikeLfp model of a NIR graph",
            "Writes the SpikeLfp model of the graph (simulate/train take it with --model MODEL.json).",
            [new("model", "F.nir", "the NIR graph (required)"), new("out", "MODEL.json", "the model file to write (required)"), .. TimeFlags],
            (a, output, _) => Import(a, output)),
        new Subcommand("export", "write a model as a NIR graph",
            "Writes a dense model (LIF, CubaLIF, LI readout, recurrent layers) as a NIR graph; import with the same --dt and --discretisation gives the same model back.",
            [new("model", "MODEL.json", "the model file (required)"), new("out", "F.nir", "the NIR graph to write (required)"), .. TimeFlags[..2]],
            (a, output, _) => Export(a, output)),
    ];

    public int Run(Arguments a, TextWriter output)
        => a.Subcommand is Subcommand command ? command.Run(a, output)
            : throw new UsageException("nir: usage: spikelfp nir inspect F.nir | import --model F.nir --out MODEL.json | export --model MODEL.json --out F.nir");

    private static int Inspect(Arguments flags, TextWriter output)
    {
        string path = flags.Operand("F.nir") ?? throw new UsageException("nir inspect: name the NIR file: spikelfp nir inspect F.nir");
        var options = Options(flags);
        var graph = NirReader.Read(path);
        output.WriteLine($"{path}: NIR version {(graph.Version.Length > 0 ? graph.Version : "(none)")}, {graph.Nodes.Count} nodes, {graph.Edges.Count} edges");
        foreach (var node in graph.Nodes)
        {
            string parameters = string.Join(", ", node.Parameters.Select(p => $"{p.Key} {Describe(p.Value)}"));
            output.WriteLine($"  {node.Name,-16} {node.Type,-10} {parameters}");
        }
        output.WriteLine("edges:");
        foreach (var edge in graph.Edges) output.WriteLine($"  {edge}");
        output.WriteLine(graph.HasCycle() ? "cycles: yes (recurrent connections)" : "cycles: none");
        try
        {
            var network = NirImporter.ToNetwork(graph, options, path);
            output.WriteLine($"SpikeLfp can simulate and train it: {network.Spec} ({string.Join(", ", network.Layers.Select(l => l.Neuron.Kind))}; " +
                             $"dt {options.Dt.ToString(CultureInfo.InvariantCulture)} s, {options.Rule.ToString().ToLowerInvariant()})");
            // IF and I have no time constant, so nothing in the file says the step; Sinabs means one step per r I.
            if (!flags.Has("dt") && graph.Nodes.Any(n => n.Type is "IF" or "I"))
                output.WriteLine("  note: IF and I neurons integrate r I dt per step; a graph from Sinabs (v += r I each step) needs --dt 1 --reset subtract --immediate-reset");
        }
        catch (InvalidModelException e)
        {
            output.WriteLine($"SpikeLfp cannot simulate it yet: {e.Message}");
        }
        return 0;
    }

    private static int Import(Arguments a, TextWriter output)
    {
        string model = Required(a, "model", "nir import"), outPath = Required(a, "out", "nir import");
        var options = Options(a);
        var network = NirImporter.ToNetwork(NirReader.Read(model), options, model);
        ModelFile.Save(network, outPath);
        output.WriteLine($"wrote {outPath}: {network.Spec} ({string.Join(", ", network.Layers.Select(l => l.Neuron.Kind))})");
        return 0;
    }

    private static int Export(Arguments a, TextWriter output)
    {
        string model = Required(a, "model", "nir export"), outPath = Required(a, "out", "nir export");
        var options = Options(a);
        var network = ModelFile.Load(model);
        NirWriter.Write(NirExporter.ToGraph(network, options), outPath);
        output.WriteLine($"wrote {outPath}: {network.Spec} at dt {options.Dt.ToString(CultureInfo.InvariantCulture)} s ({options.Rule.ToString().ToLowerInvariant()})");
        return 0;
    }

    private static string Required(Arguments a, string flag, string command)
        => a.OptionalString(flag) ?? throw new UsageException($"{command}: --{flag} is required.");

    private static NirImportOptions Options(Arguments a) => NirModelOptions.Parse(a, "dt", PaperDt);

    private static string Describe(NirArray array)
        => array.Length == 1
            ? $"{array.Values[0].ToString("G6", CultureInfo.InvariantCulture)} ({array})"
            : $"{array} in [{array.Values.Min().ToString("G4", CultureInfo.InvariantCulture)}, {array.Values.Max().ToString("G4", CultureInfo.InvariantCulture)}]";
}
