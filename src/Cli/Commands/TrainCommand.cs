using SpikeLfp.Network.Encoding;
using System.Globalization;
using SpikeLfp.Data;
using SpikeLfp.Learning.Optimizers;
using SpikeLfp.Learning.Training;
using SpikeLfp.Network.Model;
using SpikeLfp.Network.Backends;
using SpikeLfp.Network.Simulation;
using SpikeLfp.Viz;

namespace SpikeLfp.Cli.Commands;

/// <summary>
/// spikelfp train: trains a spiking network and writes metrics.json, model.json, rasters of one test sample
/// before and after training and the training curve. With --checkpoint-every it writes checkpoint.json, from
/// which --resume continues bit-identically; Ctrl-C stops at the next batch boundary and writes one too.
/// </summary>
public sealed class TrainCommand : IInterruptibleCommand
{
    // Flags whose values decide the result; a checkpoint keeps them and --resume refuses to change them.
    private static readonly string[] ResultFlags =
        ["rule", "dataset", "model", "steps", "batch", "optimizer", "lr", "momentum", "clip", "seed", "encoder",
         "neuron", "alpha", "readout", "beta", "threshold", "reset", "immediate-reset", "limit",
         NirModelOptions.DtFlag, "discretisation", .. EventOptions.BinningOnlyFlags.Select(f => f.Name)];
    // Flags a checkpoint keeps but --resume may change: where data lives, the length of the run, how often to save.
    private static readonly string[] ResumableFlags = ["data-dir", "epochs", "checkpoint-every"];
    private const string TrainSamplesKey = "train-samples";
    // What the data set held (DatasetContent.Hash): --resume refuses a data set whose pixels or labels changed.
    private const string DataHashKey = "data-hash";
    private const int RasterSample = 0;

    public string Name => "train";
    public string Summary => "train a spiking network with LFP on a data set";
    public string Description => $"""
        Trains a LIF network with Layer-wise Feedback Propagation (no surrogate gradient) and writes into --out: metrics.json, model.json, raster-before/raster-after (.png, .svg: test sample {RasterSample} before and after training) and curves.png/.svg (test accuracy per epoch). Without --resume or --overwrite, an --out that is not empty is refused.
        """;

    // --rule: the rules train runs (LFP only; compare trains the surrogate).
    private static readonly Flag RuleFlag = Flag.OneOf("rule", [TrainingRule.LfpName], "the learning rule (lfp)");

    /// <summary>The flags of train (a sweep checks its files against them).</summary>
    public static IReadOnlyList<Flag> TrainFlags { get; } =
    [
        RuleFlag,
        new("checkpoint-every", "N", "write --out/checkpoint.json every N epochs, atomically (Ctrl-C also writes one)"),
        Flag.Switch("resume", "continue the run in --out from its checkpoint.json; flags that change the result must be left out or equal the checkpoint's; --epochs may be raised to train longer"),
        .. CommonOptions.TrainingFlags,
    ];

    public IReadOnlyList<Flag> Flags => TrainFlags;

    public int Run(Arguments a, TextWriter output) => Run(a, output, CancellationToken.None);

    public int Run(Arguments a, TextWriter output, CancellationToken cancellation)
    {
        if (a.Has("resume") && a.Has(OutputFolder.OverwriteSwitch))
            throw new UsageException("--resume continues the run in --out and --overwrite replaces it: give one of them.");
        if (a.Has("resume")) return Resume(a, output, cancellation);

        RuleFlag.Chosen(a, TrainingRule.LfpName);
        int checkpointEvery = a.Int("checkpoint-every", 0, 1);
        var options = CommonOptions.Training(a);
        var input = InputData.Load(a, CommonOptions.ModelReadsImage(a));
        var data = input.Split;
        var network = CommonOptions.Network(a, input, options.Seed);
        options = CommonOptions.ForData(a, options, input, network);
        var trainer = Backends.LfpTrainer(a, network, options, CommonOptions.Encoder(options, input, network));
        using var claimed = OutputFolder.ForNewRun(a, Name, f => File.Exists(Checkpoint.PathIn(f)) ? " (or --resume to continue it from its checkpoint)" : "");
        string folder = claimed.Path;

        var arguments = ResultFlags.Concat(ResumableFlags).Where(a.Has).ToDictionary(f => f, f => a.OptionalString(f) ?? "");
        // Folders are saved absolute, so --resume works from any working directory.
        foreach (string flag in new[] { "dataset", "data-dir" }.Where(arguments.ContainsKey)) arguments[flag] = InputData.AbsoluteDataset(arguments[flag]);
        arguments[TrainSamplesKey] = data.Train.Count.ToString(CultureInfo.InvariantCulture);
        arguments[DataHashKey] = input.ContentHash();
        // A step count derived from the data (rows) is saved as if given, so --resume rebuilds the same options.
        arguments["steps"] = options.Steps.ToString(CultureInfo.InvariantCulture);
        output.WriteLine($"LFP on {data.Train.Name}: model {network.Spec}, T={options.Steps}, batch {options.BatchSize}, {options.Optimizer.Name()} lr {options.LearningRate.ToString(CultureInfo.InvariantCulture)}, seed {options.Seed}, {data.Train.Count} train / {data.Test.Count} test samples");
        SaveRaster(trainer, data.Test, folder, "raster-before");
        return Train(trainer, data, folder, checkpointEvery, arguments, [], null, output, cancellation);
    }

    private static readonly IReadOnlySet<string> ValueFlags = TrainFlags.Values();
    private static readonly IReadOnlySet<string> Switches = TrainFlags.Switches();

    private Arguments Parse(IReadOnlyList<string> args) => new(Name, args, ValueFlags, Switches);

    /// <summary>
    /// --resume: loads D/checkpoint.json, checks that no given flag contradicts it, rebuilds the data from the
    /// flags it saved and continues. Creates nothing until all of that succeeded.
    /// </summary>
    private int Resume(Arguments given, TextWriter output, CancellationToken cancellation)
    {
        string folder = given.OptionalString("out") ?? throw new UsageException("--resume needs --out D, the folder of the run to continue.");
        string path = Checkpoint.PathIn(folder);
        using var claimed = OutputFolder.ForResume(folder, Checkpoint.FileName,
            $"--resume: '{folder}' has no {Checkpoint.FileName} (write one with --checkpoint-every N).");
        var checkpoint = Checkpoint.Load(path);
        if (!checkpoint.Rule.IsLfp) throw new UsageException($"--resume: {path} is a checkpoint of rule '{checkpoint.Rule.Key}', not lfp.");

        var saved = checkpoint.Arguments.Where(p => p.Key is not (TrainSamplesKey or DataHashKey)).ToDictionary(p => p.Key, p => p.Value);
        var savedArguments = Parse(ToArgs(saved));
        var savedSettings = Settings(savedArguments);
        if (savedSettings.Options with { Epochs = checkpoint.Options.Epochs } != checkpoint.Options)
            throw new CheckpointException($"{path}: its saved flags do not match its training options.");
        foreach (string flag in ResultFlags.Where(given.Has))
        {
            var merged = new Dictionary<string, string>(saved) { [flag] = given.OptionalString(flag) ?? "" };
            if (Settings(Parse(ToArgs(merged))) != savedSettings)
            {
                string was = saved.TryGetValue(flag, out var v) ? (v.Length == 0 ? "--" + flag : $"--{flag} {v}") : "the default";
                string shown = given.OptionalString(flag) is { } value ? $"--{flag} {value}" : $"--{flag}";
                throw new UsageException($"--resume: {shown} contradicts the checkpoint, which was trained with {was}; leave the flag out to continue the run.");
            }
        }
        foreach (string flag in ResumableFlags.Where(given.Has)) saved[flag] = given.OptionalString(flag) ?? "";
        var a = Parse(ToArgs(saved));

        int checkpointEvery = a.Int("checkpoint-every", 0, 1);
        var options = checkpoint.Options with { Epochs = a.Int("epochs", checkpoint.Options.Epochs, 1) };
        int reached = checkpoint.InProgress?.Epoch ?? checkpoint.CompletedEpochs;
        if (options.Epochs < reached)
            throw new UsageException($"--epochs {options.Epochs}: the checkpoint already reached epoch {reached}.");
        var input = InputData.Load(a, CommonOptions.ReadsImage(checkpoint.Network));
        var data = input.Split;
        if (checkpoint.Arguments.TryGetValue(TrainSamplesKey, out var count) && count != data.Train.Count.ToString(CultureInfo.InvariantCulture))
            throw new UsageException($"--resume: the data set now has {data.Train.Count} training samples, the checkpoint was trained on {count}.");
        if (checkpoint.Arguments.TryGetValue(DataHashKey, out var hash) && hash != input.ContentHash())
            throw new UsageException($"--resume: data set '{data.Train.Name}' changed since the checkpoint was written (its pixels or labels differ from the ones trained on); restore it, or start a new run.");
        int batches = (data.Train.Count + options.BatchSize - 1) / options.BatchSize;
        if (checkpoint.InProgress is { } stopped && stopped.NextBatch > batches)
            throw new CheckpointException($"{path}: 'next_batch' is {stopped.NextBatch}, beyond the {batches} batches of an epoch.");
        var network = checkpoint.Network;
        try { CommonOptions.CheckFits(network, input, options.Encoder == EncoderKind.Rows); }
        catch (UsageException) { throw new UsageException($"--resume: the checkpoint's model {network.Spec} does not fit data set '{data.Train.Name}'."); }
        var trainer = Backends.LfpTrainer(given, network, options, CommonOptions.Encoder(options, input, network));
        checkpoint.RestoreOptimizer(trainer);
        string position = checkpoint.InProgress is { } p ? $"epoch {p.Epoch}, batch {p.NextBatch + 1}" : $"epoch {checkpoint.CompletedEpochs + 1}";
        output.WriteLine($"resuming LFP on {data.Train.Name} from {path} at {position} of {options.Epochs}");
        foreach (var m in checkpoint.Metrics) output.WriteLine(EpochLine(m, options.Epochs));
        return Train(trainer, data, folder, checkpointEvery, checkpoint.Arguments, checkpoint.Metrics, checkpoint.InProgress, output, cancellation);
    }

    private int Train(ILfpBatchTrainer trainer, DatasetSplit data, string folder, int checkpointEvery, IReadOnlyDictionary<string, string> arguments,
        IReadOnlyList<EpochMetrics> done, EpochProgress? current, TextWriter output, CancellationToken cancellation)
    {
        var options = trainer.Options;
        string checkpointPath = Checkpoint.PathIn(folder);
        int lastCheckpoint = File.Exists(checkpointPath) ? done.Count : -1;
        var epochs = new List<EpochMetrics>(done);
        for (int epoch = epochs.Count + 1; epoch <= options.Epochs; epoch++)
        {
            current ??= new EpochProgress(epoch, trainer.Network.Layers.Count);
            var bar = new ProgressBar($"epoch {epoch}/{options.Epochs}", data.Train.Count);
            try
            {
                epochs.Add(EpochLoop.TrainEpoch(trainer, data.Train, data.Test, current, bar, cancellation));
            }
            catch (OperationCanceledException)
            {
                bar.Clear();
                Checkpoint.Of(trainer, epochs, current, arguments).Save(checkpointPath);
                throw Interrupted(folder, $"epoch {epoch}, batch {current.NextBatch + 1}");
            }
            catch (NumericalInstabilityException e)
            {
                bar.Clear();
                string kept = lastCheckpoint >= 0
                    ? $" The last good checkpoint ({checkpointPath}, after epoch {lastCheckpoint}) is kept."
                    : "";
                throw new NumericalInstabilityException(e.Message + kept);
            }
            bar.Clear();
            current = null;
            output.WriteLine(EpochLine(epochs[^1], options.Epochs));
            bool interrupted = cancellation.IsCancellationRequested && epoch < options.Epochs;
            if ((checkpointEvery > 0 && epoch % checkpointEvery == 0) || interrupted)
            {
                Checkpoint.Of(trainer, epochs, null, arguments).Save(checkpointPath);
                lastCheckpoint = epoch;
            }
            if (interrupted) throw Interrupted(folder, $"the end of epoch {epoch}");
        }

        var report = new TrainingReport(TrainingRule.Lfp, data.Train.Name, trainer.Network.Spec, options.Steps, options.Seed, epochs);
        report.Save(Path.Combine(folder, "metrics.json"));
        ModelFile.Save(trainer.Network, Path.Combine(folder, "model.json"));
        SaveRaster(trainer, data.Test, folder, "raster-after");
        var curve = new RunCurve("LFP", Cumulative(epochs));
        PlotExport.Save(Plots.TrainingCurves([curve]), Path.Combine(folder, "curves.png"));
        PlotExport.Save(Plots.TrainingCurves([curve]), Path.Combine(folder, "curves.svg"));
        output.WriteLine($"test accuracy {report.TestAccuracy:P2}; wrote metrics.json, model.json, rasters and curves to {folder}");
        return 0;
    }

    private RunInterruptedException Interrupted(string folder, string where)
        => Interruption.Resumable(Name, folder, where, $"checkpoint written to {Checkpoint.PathIn(folder)}");

    // Test sample RasterSample, encoded with the evaluation key the test set uses, so before and after are comparable.
    // Drawn from the CPU simulation (on the run's CPU threads when it trains on the CPU), so the picture does not
    // depend on the device.
    private static void SaveRaster(ILfpBatchTrainer trainer, Dataset test, string folder, string name)
    {
        if (test.Count == 0) return;
        var simulator = new Simulator(trainer.Network, trainer.Options.Steps, trainer.Encoder, trainer.EvaluationBackend as CpuBackend);
        var recording = simulator.Record(test.Sample(RasterSample), [Evaluator.EvaluationKeyBase + RasterSample], [test.Labels[RasterSample]], membranes: false);
        PlotExport.Save(Plots.SpikeRaster(recording, 0), Path.Combine(folder, name + ".png"), PlotExport.RasterWidth, PlotExport.RasterHeight);
        PlotExport.Save(Plots.SpikeRaster(recording, 0), Path.Combine(folder, name + ".svg"), PlotExport.RasterWidth, PlotExport.RasterHeight);
    }

    private static List<CurvePoint> Cumulative(IReadOnlyList<EpochMetrics> epochs)
    {
        double seconds = 0;
        var points = new List<CurvePoint>();
        foreach (var m in epochs) points.Add(new CurvePoint(m.Epoch, seconds += m.Seconds, m.TestAccuracy));
        return points;
    }

    // What the result-deciding flags amount to, so "--lr 0.020" and "--lr 0.02" are the same setting.
    private sealed record RunSettings(TrainingOptions Options, string Dataset, int Limit, string? Model, Neurons.NeuronModel Neuron, bool LiReadout, TrainingRule Rule,
        Data.Events.EventBinningOptions? Binning, Nir.NirImportOptions? Nir);

    private static RunSettings Settings(Arguments a)
    {
        bool events = InputData.NamesEvents(a);
        var options = CommonOptions.Training(a) with { Epochs = 1 };
        return new(
            events ? options with { Encoder = EncoderKind.Events } : options,
            InputData.AbsoluteDataset(a.String("dataset", "digits")),
            a.Int("limit", int.MaxValue, 1),
            a.OptionalString("model"),
            CommonOptions.Neuron(a),
            CommonOptions.ReadoutFlag.Chosen(a, "spikes") == "li",
            TrainingRule.Parse(RuleFlag.Chosen(a, TrainingRule.LfpName)),
            events ? EventOptions.Binning(a, a.String("dataset", "digits")) : null,
            NirModelOptions.ForModel(a));
    }

    private static string[] ToArgs(IReadOnlyDictionary<string, string> flags)
        => flags.OrderBy(p => p.Key, StringComparer.Ordinal)
            .SelectMany(p => Switches.Contains(p.Key) ? [$"--{p.Key}"] : new[] { $"--{p.Key}={p.Value}" })
            .ToArray();

    /// <summary>The one line printed per epoch.</summary>
    public static string EpochLine(EpochMetrics m, int epochs)
        => string.Create(CultureInfo.InvariantCulture,
            $"epoch {m.Epoch,3}/{epochs}  train {m.TrainAccuracy:P2}  test {m.TestAccuracy:P2}  reward {m.MeanObjective:F4}  spikes {string.Join(" ", m.SpikeRates.Select(r => $"{r.Key}={r.Value:P1}"))}  {m.Seconds:F1}s  {m.SamplesPerSecond:F0} samples/s");
}
