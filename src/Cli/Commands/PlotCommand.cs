using System.Globalization;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using OxyPlot;
using SpikeLfp.Learning.Training;
using SpikeLfp.Network.Encoding;
using SpikeLfp.Network.IO;
using SpikeLfp.Network.Model;
using SpikeLfp.Network.Simulation;
using SpikeLfp.Viz;

namespace SpikeLfp.Cli.Commands;

/// <summary>spikelfp plot: spike rasters, membrane traces, histograms, weights and training curves as PNG or SVG.</summary>
public sealed class PlotCommand : ICommand
{
    public string Name => "plot";
    public string Summary => "draw rasters, membrane traces, spike histograms, weights or training curves (PNG/SVG)";
    public string Description => """
        Draws one plot into --out FILE.png or FILE.svg (the format from the extension):
          raster      spike raster of one test sample, one panel per layer (input included for spiking input)
          traces      membrane potential of chosen neurons with the threshold and the spikes
          histograms  spike counts per neuron, per layer
          weights     weight-magnitude histograms per layer
          curves      test accuracy against epoch and wall time of one or more training runs (--runs)
        raster, traces and histograms simulate --model on the test set; weights reads --model.
        """;

    public IReadOnlyList<Operand> Operands { get; } = [new("KIND", "raster, traces, histograms, weights or curves") { Choices = ["raster", "traces", "histograms", "weights", "curves"] }];

    public IReadOnlyList<Flag> Flags { get; } =
    [
        new("out", "FILE", "the picture to write, FILE.png or FILE.svg (required)"),
        new("model", "FILE", "a model.json, or a NIR graph F.nir (with --nir-dt)"),
        CommonOptions.DataFlags[0] with { Description = "digits (default), fashion-mnist, mnist, or a folder of IDX files" },
        new("data-dir", "D", "where fetched data sets live"),
        new("sample", "I", "test sample index (default 0)"),
        new("steps", "T", "simulation steps (default 15; with --encoder rows, the image's rows)"),
        CommonOptions.EncoderFlag with { Description = "current (default), rows (step t sees image row t), rate, latency" },
        new("seed", "S", "seed of the spike encoder (default 0)"),
        new("layer", "NAME", "traces: layer (default hidden1, or output for a one-layer network)"),
        new("neurons", "LIST", "traces: comma-separated neuron indices (default: the 4 most active)"),
        new("runs", "DIR", "curves: run folders holding metrics.json (from train)") { Many = true },
        new("width", "PX", "image width (default 1400)"),
        new("height", "PX", "image height (default 800)"),
        Flag.Switch(OutputFolder.OverwriteSwitch, "replace an existing --out file (without it, an existing file is refused)"),
        .. NirModelOptions.Flags,
        .. EventOptions.BinningOnlyFlags,
    ];

    public int Run(Arguments a, TextWriter output)
    {
        string kind = a.Operand(Operands[0].Name)
            ?? throw new UsageException("plot: which plot? raster, traces, histograms, weights or curves (see 'spikelfp plot --help').");
        string outPath = a.OptionalString("out") ?? throw new UsageException($"plot {kind}: --out FILE.png or FILE.svg is required.");
        try { PlotExport.FormatOf(outPath); }
        catch (ArgumentException e) { throw new UsageException($"plot {kind}: --out: {e.Message.Split(" (Parameter")[0]}"); }
        OutputFile.CheckMayWrite(a, "out", outPath);
        int width = a.Int("width", 1400, 200, 20000), height = a.Int("height", 800, 200, 20000);

        PlotModel model = kind switch
        {
            "raster" => Plots.SpikeRaster(Record(a, out int sample), sample),
            "traces" => Traces(a),
            "histograms" => Plots.SpikeCountHistogram(Record(a, out int s), s),
            "weights" => Weights(a),
            "curves" => Curves(a),
            _ => throw new UsageException($"plot: unknown plot '{kind}': expected raster, traces, histograms, weights or curves."),
        };
        string? folder = Path.GetDirectoryName(Path.GetFullPath(outPath));
        if (folder is not null && !Directory.Exists(folder))
            throw new UsageException($"plot {kind}: --out: folder '{folder}' does not exist.");
        try { PlotExport.Save(model, outPath, width, height); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"plot {kind}: --out: cannot write '{outPath}': {e.Message}");
        }
        output.WriteLine($"wrote {outPath}");
        return 0;
    }

    private static NetworkRecording Record(Arguments a, out int sample)
    {
        var network = LoadModel(a);
        var input = InputData.Load(a);
        var data = input.Split.Test;
        var (encoder, steps) = CommonOptions.SimulationInput(a, network, input);
        sample = a.Int("sample", 0, 0);
        if (sample >= data.Count) throw new UsageException($"--sample {sample}: the test set has {data.Count} samples.");
        var simulator = new Simulator(network, steps, encoder);
        var recording = simulator.Record(data.Sample(sample), [Evaluator.EvaluationKeyBase + sample], [data.Labels[sample]]);
        sample = 0; // the recording holds just this sample
        return recording;
    }

    private static PlotModel Traces(Arguments a)
    {
        var recording = Record(a, out int sample);
        string defaultLayer = recording.Layers.Any(l => l.Name == "hidden1") ? "hidden1" : "output";
        string name = a.String("layer", defaultLayer);
        var layer = recording.Layers.FirstOrDefault(l => l.Name == name && l.Membranes is not null)
            ?? throw new UsageException($"--layer: no layer '{name}' with membranes; layers: {string.Join(", ", recording.Layers.Where(l => l.Membranes is not null).Select(l => l.Name))}.");
        int[] neurons;
        if (a.OptionalString("neurons") is { } list)
        {
            neurons = a.IntList("neurons", []);
            if (neurons.Length == 0 || neurons.Any(n => n >= layer.Neurons))
                throw new UsageException($"--neurons: indices must be between 0 and {layer.Neurons - 1}, got '{list}'.");
        }
        else
        {
            var counts = layer.SpikeCountsPerNeuron(sample);
            neurons = Enumerable.Range(0, layer.Neurons).OrderByDescending(n => counts[n]).ThenBy(n => n).Take(4).Order().ToArray();
        }
        return Plots.MembraneTraces(layer, sample, neurons);
    }

    private static PlotModel Weights(Arguments a)
    {
        var network = LoadModel(a);
        return Plots.WeightMagnitudes(network.Layers.Select((l, k) => (network.LayerName(k), l.Connection.Weights)).ToArray());
    }

    private static SpikingNetwork LoadModel(Arguments a)
        => NirModelOptions.Load(a, a.OptionalString("model") ?? throw new UsageException("--model FILE is required (a model.json written by train, or a NIR graph F.nir with --nir-dt)."));

    private static PlotModel Curves(Arguments a)
    {
        var given = a.Strings("runs");
        if (given.Count == 0) throw new UsageException("plot curves: --runs DIR [DIR...] is required.");
        // Each argument is one folder, commas and all; "a,b" (the older form) is split only when no folder has that name.
        var folders = given.SelectMany(f => Directory.Exists(f) || !f.Contains(',') ? [f] : f.Split(',')).ToArray();
        var runs = new List<RunCurve>();
        foreach (string folder in folders)
        {
            string path = Path.Combine(folder, "metrics.json");
            if (!File.Exists(path)) throw new UsageException($"--runs: '{folder}' has no metrics.json (a folder written by spikelfp train).");
            JObject json;
            try { json = JObject.Parse(InputFile.ReadAllText(path, InputFile.MaxSmallFileBytes)); }
            catch (JsonException e) { throw new UsageException($"--runs: {path} is not valid JSON ({e.Message})."); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new UsageException($"--runs: cannot read {FileErrorMessage.Describe(e)}."); }
            if (json["epochs"] is not JArray epochs)
                throw new UsageException($"--runs: {path} has no 'epochs' array.");
            double seconds = 0;
            var points = new List<CurvePoint>();
            try
            {
                foreach (var e in epochs.OfType<JObject>().Select(EpochMetrics.FromJson))
                {
                    seconds += e.Seconds;
                    points.Add(new CurvePoint(e.Epoch, seconds, e.TestAccuracy));
                }
            }
            catch (Exception e) when (e is FormatException or InvalidCastException or NullReferenceException or ArgumentException)
            {
                throw new UsageException($"--runs: {path} has a malformed epoch entry: {e.Message}");
            }
            string label = $"{json.Value<string>("rule") ?? "run"} ({Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder)))})";
            runs.Add(new RunCurve(label, points));
        }
        return Plots.TrainingCurves(runs);
    }
}
