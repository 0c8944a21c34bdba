using System.Globalization;
using System.Text;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using SpikeLfp.Learning.Training;
using SpikeLfp.Network.Encoding;
using SpikeLfp.Network.IO;
using SpikeLfp.Network.Model;
using SpikeLfp.Network.Simulation;
using SpikeLfp.Viz;

namespace SpikeLfp.Cli.Commands;

/// <summary>spikelfp simulate: runs a trained model on test samples and writes every spike, plus rasters.</summary>
public sealed class SimulateCommand : IInterruptibleCommand
{
    public string Name => "simulate";
    public string Summary => "simulate a model on test samples; write spikes (CSV, JSON) and rasters";
    public string Description => """
        Simulates the first --samples test samples from rest and writes into --out:
          spikes.csv       one row per spike: sample,layer,step,neuron
          simulation.json  per sample: label, prediction, spike counts per layer and output neuron, synaptic work (spike accumulates, input multiply-accumulates, 45 nm energy estimate in pJ)
          raster-<i>.png and raster-<i>.svg for each sample
        """;

    public IReadOnlyList<Flag> Flags { get; } =
    [
        new("model", "FILE", "a model.json written by train or nir import, or a NIR graph F.nir (required)"),
        .. CommonOptions.DataFlags,
        new("samples", "N", "how many test samples (default 4)"),
        new("steps", "T", "simulation steps (default 15; with --encoder rows, the image's rows)"),
        CommonOptions.EncoderFlag with { Description = "current (default), rows (step t sees image row t), rate, latency" },
        new("seed", "S", "seed of the spike encoder (default 0)"),
        Flag.Switch("membranes", "also write membranes.csv (sample,layer,step,neuron,membrane)"),
        .. CommonOptions.OutFlags,
        new("threads", "N", "CPU threads (default: all cores)"),
        Backends.DeviceFlag,
        .. NirModelOptions.Flags,
        .. EventOptions.BinningOnlyFlags,
    ];

    public int Run(Arguments a, TextWriter output) => Run(a, output, CancellationToken.None);

    /// <summary>
    /// Simulates and writes; SIGINT or SIGTERM before the simulation ends it with nothing written, one after it lets
    /// the finished simulation's files be written first (exit 130 either way).
    /// </summary>
    public int Run(Arguments a, TextWriter output, CancellationToken cancellation)
    {
        string modelPath = a.OptionalString("model") ?? throw new UsageException("simulate: --model FILE is required (a model.json written by train, or a NIR graph F.nir with --nir-dt).");
        int samples = a.Int("samples", 4, 1, 100_000);
        var network = NirModelOptions.Load(a, modelPath);
        Backends.Device(a); // validate --device before any output exists
        var input = InputData.Load(a, CommonOptions.ReadsImage(network));
        var data = input.Split.Test;
        var (encoder, steps) = CommonOptions.SimulationInput(a, network, input);
        samples = Math.Min(samples, data.Count);
        ForwardTrace.CheckSize(network, Math.Max(1, samples), steps, encoder.Kind);
        using var claimed = OutputFolder.ForNewRun(a, Name);
        string folder = claimed.Path;

        var simulator = new Simulator(network, steps, encoder, Backends.Select(a).Compute);
        var keys = Enumerable.Range(0, samples).Select(i => Evaluator.EvaluationKeyBase + i).ToArray();
        var labels = data.Labels.Take(samples).ToArray();
        var features = data.Features.AsSpan(0, samples * data.FeatureCount);
        if (cancellation.IsCancellationRequested) throw new RunInterruptedException($"interrupted before the simulation started; nothing was written to {folder}.");
        var trace = simulator.Forward(features, keys);
        // As train does (exit 3): membranes that overflowed float32 make every spike, count and plot meaningless.
        if (TraceStatistics.FirstNonFiniteMembrane(trace) is { } bad)
            throw new NumericalInstabilityException($"non-finite membrane in layer {network.LayerName(bad.Layer)} at simulation step {bad.Step + 1} of sample {bad.Sample}; the model's weights or the input overflow float32. Nothing was written to {folder}.");
        var costs = Enumerable.Range(0, samples).Select(s => SynapticCost.None(network).AddSample(network, trace, s)).ToArray();
        var recording = simulator.Record(trace, labels, membranes: true);

        AtomicFile.WriteAllText(Path.Combine(folder, "spikes.csv"), SpikesCsv(recording));
        if (a.Has("membranes")) AtomicFile.WriteAllText(Path.Combine(folder, "membranes.csv"), MembranesCsv(recording));
        AtomicFile.WriteAllText(Path.Combine(folder, "simulation.json"), SimulationSummary(recording, costs, network, data.Name, steps, encoder.Name).ToString(Formatting.Indented));
        for (int s = 0; s < samples; s++)
        {
            var plot = Plots.SpikeRaster(recording, s);
            PlotExport.Save(plot, Path.Combine(folder, $"raster-{s}.png"), PlotExport.RasterWidth, PlotExport.RasterHeight);
            PlotExport.Save(Plots.SpikeRaster(recording, s), Path.Combine(folder, $"raster-{s}.svg"), PlotExport.RasterWidth, PlotExport.RasterHeight);
            output.WriteLine($"sample {s}: label {labels[s]}, prediction {recording.Prediction(s)}, spikes {string.Join(" ", recording.Layers.Select(l => $"{l.Name}={l.SpikeCount(s)}"))}, synaptic ops {costs[s].OperationsPerSample.ToString("F0", CultureInfo.InvariantCulture)}");
        }
        output.WriteLine($"wrote spikes.csv, simulation.json and {samples} rasters (PNG, SVG) to {folder}");
        if (cancellation.IsCancellationRequested) throw new RunInterruptedException($"interrupted; the simulation had finished, and all its files were written to {folder}.");
        return 0;
    }

    private static string SpikesCsv(NetworkRecording recording)
    {
        var sb = new StringBuilder("sample,layer,step,neuron\n");
        foreach (var layer in recording.Layers)
            for (int b = 0; b < layer.Batch; b++)
                for (int t = 0; t < layer.Steps; t++)
                    for (int n = 0; n < layer.Neurons; n++)
                        if (layer.SpikeAt(t, b, n) != 0f) sb.Append(CultureInfo.InvariantCulture, $"{b},{layer.Name},{t},{n}\n");
        return sb.ToString();
    }

    private static string MembranesCsv(NetworkRecording recording)
    {
        var sb = new StringBuilder("sample,layer,step,neuron,membrane\n");
        foreach (var layer in recording.Layers.Where(l => l.Membranes is not null))
            for (int b = 0; b < layer.Batch; b++)
                for (int t = 0; t < layer.Steps; t++)
                    for (int n = 0; n < layer.Neurons; n++)
                        sb.Append(CultureInfo.InvariantCulture, $"{b},{layer.Name},{t},{n},{layer.Membranes![layer.IndexOf(t, b, n)]:R}\n");
        return sb.ToString();
    }

    private static JObject SimulationSummary(NetworkRecording recording, SynapticCost[] costs, SpikingNetwork network, string dataset, int steps, string encoder) => new()
    {
        ["model"] = network.Spec,
        ["dataset"] = dataset,
        ["steps"] = steps,
        ["encoder"] = encoder,
        ["dense_multiply_accumulates"] = costs[0].DenseMultiplyAccumulates,
        ["samples"] = new JArray(Enumerable.Range(0, recording.Output.Batch).Select(s => new JObject
        {
            ["sample"] = s,
            ["label"] = recording.Labels?[s],
            ["prediction"] = recording.Prediction(s),
            ["spike_counts"] = new JObject(recording.Layers.Select(l => new JProperty(l.Name, l.SpikeCount(s)))),
            ["output_counts"] = new JArray(recording.Output.SpikeCountsPerNeuron(s)),
            ["spike_accumulates"] = costs[s].SpikeAccumulates,
            ["input_multiply_accumulates"] = costs[s].InputMultiplyAccumulates,
            ["estimated_energy_pj"] = costs[s].EstimatedPicojoulesPerSample,
        })),
    };
}
