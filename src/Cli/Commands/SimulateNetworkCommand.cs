using System.Diagnostics;
using System.Globalization;
using System.Text;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using SpikeLfp.Gpu;
using SpikeLfp.Network.IO;
using SpikeLfp.Network.Populations;
using SpikeLfp.Viz;

namespace SpikeLfp.Cli.Commands;

/// <summary>
/// spikelfp simulate-network: runs a network of populations and sparse projections (the CUBA benchmark, or a network
/// file) and writes its spikes, firing statistics, a raster and the population rates.
/// </summary>
public sealed class SimulateNetworkCommand : ICommand
{
    /// <summary>Neurons drawn in the raster by default: the classic picture.</summary>
    public const int DefaultRasterNeurons = 400;

    public string Name => "simulate-network";
    public string Summary => "simulate a recurrent network of populations (CUBA benchmark or a network file)";
    public string Description => """
        Simulates the Vogels-Abbott CUBA benchmark (Brian2's example: 80% excitatory, 20% inhibitory LIF neurons, exponential currents, random connections with p = 80/N) or the populations and projections of a network file (docs/population-networks.md), and writes into --out:
          spikes.csv       one row per spike: time_ms,population,neuron
          statistics.json  per population: neurons, spikes, rate (Hz), mean CV of inter-spike intervals; synapses, seconds spent building and simulating
          raster.png       spikes of the first neurons of every population (--raster-neurons in all)
          rate.png         population rates over time (1 ms bins)
        """;

    public IReadOnlyList<Operand> Operands { get; } = [new("cuba|FILE.json", "what to simulate: the CUBA benchmark or a network file")];

    public IReadOnlyList<Flag> Flags { get; } =
    [
        new("neurons", "N", "size of the CUBA network (default 4000; cuba only)"),
        new("duration", "T", "biological time, with a unit: 1s, 250ms (default 1s)"),
        new("seed", "S", "seed of the connections and initial membranes (default 0)"),
        new("raster-neurons", "N", "neurons in the raster (default 400)"),
        new("threads", "N", "most CPU threads (default: all cores; one per 50,000 neurons is used; results do not depend on it)"),
        new("out", "DIR", "output folder (default: a new folder under runs/)"),
        Flag.Switch(OutputFolder.OverwriteSwitch, "replace an earlier run in --out"),
        Backends.DeviceFlag,
    ];

    public int Run(Arguments a, TextWriter output)
    {
        string what = a.Operand(Operands[0].Name)
            ?? throw new UsageException("simulate-network: say what to simulate: 'cuba' or a network file (FILE.json).");
        var spec = what == "cuba" ? Cuba(a) : FromFile(what, a);
        double durationMs = Duration(a.String("duration", "1s"));
        int steps = (int)Math.Round(durationMs / spec.DtMs);
        if (steps < 1 || steps > 100_000_000) throw new UsageException($"simulate-network: --duration must be between one step ({spec.DtMs} ms) and 10^8 steps, got {durationMs} ms.");
        ulong seed = (ulong)a.Int("seed", 0, 0, int.MaxValue);
        int rasterNeurons = a.Int("raster-neurons", DefaultRasterNeurons, 1, 100_000);
        int threads = NetworkSimulation.UsefulThreads(spec.NeuronCount, a.Int("threads", Environment.ProcessorCount, 1, 1024));

        var clock = Stopwatch.StartNew();
        PopulationNetwork network;
        try { network = PopulationNetwork.Build(spec, seed); }
        catch (ArgumentException e) { throw new UsageException($"simulate-network: {(what == "cuba" ? "" : Path.GetFileName(what) + ": ")}{e.Message}"); }
        double buildSeconds = clock.Elapsed.TotalSeconds;
        bool gpu = Backends.Device(a) == "gpu";
        if (gpu && network.Populations.Any(p => p.Propagator.Receptors > GpuNetworkSimulation.MaxReceptors))
            throw new UsageException($"simulate-network: --device gpu: the GPU kernel supports at most {GpuNetworkSimulation.MaxReceptors} receptors per neuron.");
        using var claimed = OutputFolder.ForNewRun(a, Name);
        string folder = claimed.Path;

        var record = new SpikeRecord();
        var bar = new ProgressBar("simulating", (int)Math.Ceiling(steps * spec.DtMs), "ms");
        var progress = new BiologicalTime(bar, spec.DtMs);
        using var device = gpu ? GpuDevice.OpenCuda() : null;
        using var onDevice = device is null ? null : new GpuNetworkSimulation(network, device.Accelerator); // compiles its kernels here, untimed
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        clock.Restart();
        if (onDevice is not null) onDevice.Run(steps, record, progress);
        else new NetworkSimulation(network, threads).Run(steps, record, progress, reportEvery: Math.Max(1, (int)Math.Round(10 / spec.DtMs)));
        double simulateSeconds = clock.Elapsed.TotalSeconds;
        // CPU time of the whole process over the loop: on a shared machine, wall time counts other programs too.
        double simulateCpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
        bar.Clear();

        var statistics = SpikeStatistics.Compute(network, record, steps);
        AtomicFile.WriteAllText(Path.Combine(folder, "spikes.csv"), SpikesCsv(network, record));
        AtomicFile.WriteAllText(Path.Combine(folder, "statistics.json"), StatisticsJson(network, statistics, what, seed, steps, buildSeconds, simulateSeconds, simulateCpuSeconds, threads, gpu).ToString(Formatting.Indented));
        PlotExport.Save(Raster(network, record, steps, rasterNeurons, what), Path.Combine(folder, "raster.png"), PlotExport.RasterWidth, PlotExport.RasterHeight);
        int bin = Math.Max(1, (int)Math.Round(1 / spec.DtMs));
        var rates = Enumerable.Range(0, network.Populations.Count)
            .Select(p => new Plots.PopulationRate(spec.Populations[p].Name, SpikeStatistics.PopulationRate(network, record, p, steps, bin))).ToList();
        PlotExport.Save(Plots.PopulationRates(rates, bin * spec.DtMs, $"Population rates, {Title(what, network)}"), Path.Combine(folder, "rate.png"), 1400, 500);

        foreach (var s in statistics)
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{s.Name}: {s.Neurons} neurons, {s.Spikes} spikes, {s.RateHz:F2} Hz, CV of ISI {s.MeanCv:F2}"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"simulated {steps * spec.DtMs:0.###} ms ({steps} steps, {network.SynapseCount} synapses) in {simulateSeconds:F3} s; wrote spikes.csv, statistics.json, raster.png, rate.png to {folder}"));
        return 0;
    }

    private static PopulationNetworkSpec Cuba(Arguments a)
    {
        int neurons = a.Int("neurons", 4000, 5, 50_000_000);
        return PopulationNetworkSpec.Cuba(neurons);
    }

    private static PopulationNetworkSpec FromFile(string path, Arguments a)
    {
        if (a.Has("neurons")) throw new UsageException("simulate-network: --neurons is for the cuba network; a network file gives its own sizes.");
        if (!path.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
            throw new UsageException($"simulate-network: '{path}' is neither 'cuba' nor a network file (FILE.json).");
        if (!File.Exists(path)) throw new UsageException($"simulate-network: network file '{path}' does not exist.");
        return NetworkFile.Load(path);
    }

    /// <summary>Parses "1s", "250ms", "0.5 s" into ms; a unit is required (a bare number is ambiguous).</summary>
    public static double Duration(string text)
    {
        string t = text.Trim();
        (string number, double scale) = t.EndsWith("ms", StringComparison.Ordinal) ? (t[..^2], 1.0)
            : t.EndsWith('s') ? (t[..^1], 1000.0)
            : throw new UsageException($"simulate-network: --duration needs a unit, like 1s or 250ms; got '{text}'.");
        if (!double.TryParse(number.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || !double.IsFinite(value) || value <= 0)
            throw new UsageException($"simulate-network: --duration must be a positive time like 1s or 250ms; got '{text}'.");
        return value * scale;
    }

    private static string Title(string what, PopulationNetwork network)
        => what == "cuba" ? $"CUBA network, {network.NeuronCount:N0} neurons" : $"{Path.GetFileName(what)}, {network.NeuronCount:N0} neurons";

    // The first neurons of every population, in proportion to its size (at least one each).
    private static OxyPlot.PlotModel Raster(PopulationNetwork network, SpikeRecord record, int steps, int neurons, string what)
    {
        var layers = new List<RasterLayer>();
        int total = network.NeuronCount;
        var spikeSteps = record.Steps;
        var spikeNeurons = record.Neurons;
        for (int p = 0; p < network.Populations.Count; p++)
        {
            int size = network.Populations[p].Size, first = network.Offsets[p];
            int shown = Math.Clamp((int)Math.Round((double)neurons * size / total), 1, size);
            var t = new List<int>();
            var n = new List<int>();
            for (int s = 0; s < record.Count; s++)
                if (spikeNeurons[s] >= first && spikeNeurons[s] < first + shown) { t.Add(spikeSteps[s]); n.Add(spikeNeurons[s] - first); }
            layers.Add(new RasterLayer(network.Spec.Populations[p].Name, shown, t.ToArray(), n.ToArray()));
        }
        return Plots.SpikeRaster(layers, steps, $"Spike raster, {Title(what, network)}", stepMs: network.Spec.DtMs);
    }

    private static string SpikesCsv(PopulationNetwork network, SpikeRecord record)
    {
        var sb = new StringBuilder("time_ms,population,neuron\n");
        var names = network.Spec.Populations.Select(p => p.Name).ToArray();
        var steps = record.Steps;
        var neurons = record.Neurons;
        int p = 0;
        for (int s = 0; s < record.Count; s++)
        {
            int i = neurons[s];
            while (i >= network.Offsets[p + 1] || i < network.Offsets[p]) p = i < network.Offsets[p] ? 0 : p + 1;
            sb.Append(CultureInfo.InvariantCulture, $"{steps[s] * network.Spec.DtMs:0.###},{names[p]},{i - network.Offsets[p]}\n");
        }
        return sb.ToString();
    }

    private static JObject StatisticsJson(PopulationNetwork network, IReadOnlyList<PopulationStatistics> statistics, string what, ulong seed, int steps,
        double buildSeconds, double simulateSeconds, double simulateCpuSeconds, int threads, bool gpu) => new()
    {
        ["network"] = what == "cuba" ? "cuba" : Path.GetFileName(what),
        ["neurons"] = network.NeuronCount,
        ["synapses"] = network.SynapseCount,
        ["seed"] = seed,
        ["dt_ms"] = network.Spec.DtMs,
        ["steps"] = steps,
        ["duration_ms"] = steps * network.Spec.DtMs,
        ["device"] = gpu ? "gpu" : "cpu",
        ["threads"] = gpu ? 0 : threads,
        ["build_seconds"] = buildSeconds,
        ["simulate_seconds"] = simulateSeconds,
        ["simulate_cpu_seconds"] = simulateCpuSeconds,
        ["spikes"] = statistics.Sum(s => s.Spikes),
        ["rate_hz"] = statistics.Sum(s => (double)s.Spikes) / network.NeuronCount / (steps * network.Spec.DtMs / 1000),
        ["populations"] = new JArray(statistics.Select(s => new JObject
        {
            ["name"] = s.Name,
            ["neurons"] = s.Neurons,
            ["spikes"] = s.Spikes,
            ["rate_hz"] = s.RateHz,
            ["cv_isi"] = double.IsNaN(s.MeanCv) ? null : s.MeanCv,
            ["neurons_with_cv"] = s.NeuronsWithCv,
        })),
        ["projections"] = new JArray(network.Projections.Select((p, k) => new JObject
        {
            ["name"] = p.Name,
            ["rule"] = network.Spec.Projections[k].Rule.Describe(),
            ["receptor"] = network.Spec.Projections[k].Receptor,
            ["weight_mv"] = p.Weight,
            ["synapses"] = p.SynapseCount,
        })),
    };

    // Steps done -> ms of biological time, reported synchronously (Progress<T> would post to the thread pool, and a late
    // report could redraw the bar after it was cleared).
    private sealed class BiologicalTime(ProgressBar bar, double dtMs) : IProgress<int>
    {
        public void Report(int steps) => bar.Report((int)(steps * dtMs));
    }
}
