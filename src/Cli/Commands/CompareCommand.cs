using SpikeLfp.Network.Encoding;
using System.Globalization;
using System.Text;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using SpikeLfp.Learning.Experiments;
using SpikeLfp.Learning.Surrogate;
using SpikeLfp.Learning.Optimizers;
using SpikeLfp.Learning.Training;
using SpikeLfp.Network.IO;
using SpikeLfp.Network.Model;
using SpikeLfp.Viz;

namespace SpikeLfp.Cli.Commands;

/// <summary>
/// spikelfp compare: trains LFP and the surrogate-gradient baseline from identical initial weights and data
/// order, for several seeds, and writes comparison.json, report.md and training-curve plots.
/// </summary>
public sealed class CompareCommand : IInterruptibleCommand
{
    /// <summary>Default epochs for every rule (chosen so the default run fits in 4 minutes on 2 cores).</summary>
    public const int DefaultEpochs = 30;

    /// <summary>Default seeds.</summary>
    public static readonly int[] DefaultSeeds = [0, 1, 2];

    /// <summary>Default surrogate rows: atan (the working baseline) and step (the true, zero derivative).</summary>
    public const string DefaultSurrogates = "atan,step";

    public string Name => "compare";
    public string Summary => "train LFP and surrogate-gradient BPTT side by side; write a comparison report";
    public string Description => "Trains the same network from the same initial weights and data order with LFP (Heaviside spikes, no surrogate) and with surrogate-gradient BPTT (one row per --surrogates entry), for every seed, and writes comparison.json, report.md and training_curves.png/.svg into --out. Both rules see the same input: an analog current (the same at every step, or one image row per step) or the same spikes.";

    // The flags with a closed set of values, declared before the list that holds them (static fields start in order).
    private static readonly Flag LfpOptimizerFlag = CommonOptions.OptimizerFlag with { Name = "lfp-optimizer" };
    private static readonly Flag SurrogateOptimizerFlag = Flag.OneOf("surrogate-optimizer", ["adam", "sgd"], "adam (default) or sgd");
    private static readonly Flag SurrogateLossFlag = Flag.OneOf("surrogate-loss", ["ce-rate", "ce-count", "mse-count"], "ce-rate (snntorch ce_rate_loss, default), ce-count, mse-count");

    /// <summary>The surrogates by name, which completion offers for --surrogates (a list, each optionally with :value).</summary>
    private static readonly IReadOnlyList<string> SurrogateNames = ["atan", "fast-sigmoid", "triangle", "step"];

    /// <summary>The flags of compare (a sweep checks its files against them).</summary>
    public static IReadOnlyList<Flag> CompareFlags { get; } =
    [
        .. CommonOptions.DataFlags,
        new("model", "SPEC", $"layer sizes like 64-100-10 (default: inputs-{NetworkSpec.DefaultHiddenSize}-classes; rN is a recurrent layer, e.g. 28-r128-10) or a JSON architecture; convolutional: 28x28x1-c12k5-p2-c64k5-p2-10, or lifcnn (that network); or a NIR graph F.nir (with --nir-dt)"),
        CommonOptions.EncoderFlag with { Description = "current (same analog input every step, default), rows (step t sees image row t), rate (Bernoulli spikes, seeded) or latency (one spike, earlier for brighter)" },
        CommonOptions.NeuronFlag with { Description = "lif (default) or cuba (current-based LIF)" },
        new("alpha", "X", "cuba: synaptic-current decay in [0,1] (default 0.8)"),
        CommonOptions.ReadoutFlag with { Description = "spikes (default) or li (non-spiking output, prediction by time-averaged membrane)" },
        new("steps", "T", "simulation steps per sample (default 15; with --encoder rows, the image's rows)"),
        new("epochs", "N", $"passes over the training set, every rule (default {DefaultEpochs})"),
        new("seeds", "LIST", "seeds of initial weights and data order, e.g. 0,1,2 or 0-9 (default 0,1,2)"),
        new("batch", "B", "samples per update, every rule (default 32)"),
        CommonOptions.LimitFlag,
        LfpOptimizerFlag,
        new("lfp-lr", "X", "LFP learning rate (default 0.02)"),
        new("lfp-momentum", "X", "LFP SGD momentum (default 0.9)"),
        new("lfp-clip", "X", "LFP global gradient-norm clip, 0 = off (default 3)"),
        new("surrogates", "LIST", $"surrogate rows: atan[:alpha], fast-sigmoid[:slope], triangle, step (default {DefaultSurrogates})") { Choices = SurrogateNames },
        SurrogateOptimizerFlag,
        new("surrogate-lr", "X", "surrogate learning rate (default 0.001)"),
        new("surrogate-momentum", "X", "surrogate SGD momentum (default 0)"),
        SurrogateLossFlag,
        new("torch-threads", "N", "torch intra-op threads for the surrogate (default 1: deterministic, fastest on small nets)"),
        .. CommonOptions.NeuronFlags,
        .. NirModelOptions.ModelFlags,
        .. EventOptions.BinningOnlyFlags,
        new("threads", "N", "CPU threads of the simulator and LFP (default: all cores)"),
        Backends.DeviceFlag with { Description = "cpu (default), gpu (CUDA; exits 2 without one) or auto, for LFP and evaluation" },
        .. CommonOptions.OutFlags,
        Flag.Switch(ResumeSwitch, $"continue the comparison in --out that SIGINT/SIGTERM stopped, from its {CompareProgress.FileName} (finished runs are kept, a stopped LFP run continues from its checkpoint, a stopped surrogate run from its last finished epoch); takes only --out, --threads, --torch-threads and --device"),
    ];

    public IReadOnlyList<Flag> Flags => CompareFlags;

    private static readonly IReadOnlySet<string> ValueFlags = CompareFlags.Values();
    private static readonly IReadOnlySet<string> Switches = CompareFlags.Switches();

    private const string ResumeSwitch = "resume";
    // Flags --resume may give: where and how fast it runs, not what it computes.
    private static readonly string[] ResumableFlags = ["out", "threads", "torch-threads", "device"];

    public int Run(Arguments a, TextWriter output) => Run(a, output, CancellationToken.None);

    public int Run(Arguments given, TextWriter output, CancellationToken cancellation)
    {
        var args = given.Given;
        if (!given.Has(ResumeSwitch)) return Run(given, args, null, output, cancellation);

        if (given.Has(OutputFolder.OverwriteSwitch))
            throw new UsageException("--resume continues the comparison in --out and --overwrite replaces it: give one of them.");
        string folder = given.OptionalString("out") ?? throw new UsageException("--resume needs --out D, the folder of the comparison to continue.");
        if (ValueFlags.Concat(Switches).Except([.. ResumableFlags, ResumeSwitch]).FirstOrDefault(given.Has) is { } flag)
            throw new UsageException($"--resume: --{flag} cannot change a comparison half-way; leave it out (the saved settings are used).");
        if (!File.Exists(Path.Combine(folder, CompareProgress.FileName)))
            throw new UsageException($"--resume: '{folder}' has no {CompareProgress.FileName} (an interrupted compare writes one).");
        var progress = CompareProgress.Load(folder);
        // The saved arguments, with this call's --out, --threads, --torch-threads and --device.
        var resumedArgs = WithoutFlags(progress.Arguments, ResumableFlags).Concat(args.Where(x => x != "--" + ResumeSwitch)).ToArray();
        return Run(new Arguments(Name, resumedArgs, ValueFlags, Switches), resumedArgs, progress, output, cancellation);
    }

    // args without the given value flags (and their values).
    private static List<string> WithoutFlags(IReadOnlyList<string> args, IReadOnlyCollection<string> flags)
    {
        var kept = new List<string>();
        for (int i = 0; i < args.Count; i++)
        {
            string name = args[i].StartsWith("--", StringComparison.Ordinal) ? args[i][2..].Split('=')[0] : "";
            if (!flags.Contains(name)) kept.Add(args[i]);
            else if (!args[i].Contains('=')) i++;
        }
        return kept;
    }

    private int Run(Arguments a, IReadOnlyList<string> args, CompareProgress? resumed, TextWriter output, CancellationToken cancellation)
    {
        var settings = Parse(a);
        var input = InputData.Load(a, CommonOptions.ModelReadsImage(a));
        var data = input.Split;
        var first = CommonOptions.Network(a, input, settings.Seeds[0]);   // validates --model against the data
        var lfpOptions = CommonOptions.ForData(a, settings.Lfp, input, first);
        settings = settings with { Lfp = lfpOptions, Surrogate = settings.Surrogate with { Steps = lfpOptions.Steps } };
        SurrogateGradientTrainer.CheckSize(first, Math.Min(settings.Lfp.BatchSize, Math.Max(1, data.Train.Count)), settings.Lfp.Steps);   // BPTT's activations, before any run starts
        var (backend, lfp) = Backends.Select(a);
        using var claimed = resumed is null ? OutputFolder.ForNewRun(a, Name) : OutputFolder.ForResume(a.OptionalString("out")!, CompareProgress.FileName, "");
        string folder = claimed.Path;
        var saved = WithoutFlags(args, [.. ResumableFlags.Except(["out"])]).Where(x => x != "--" + OutputFolder.OverwriteSwitch).ToArray();
        var finished = new List<RuleRun>(resumed?.Runs ?? []);

        var rules = new List<TrainingRule> { TrainingRule.Lfp };
        rules.AddRange(settings.Surrogates.Select(s => new TrainingRule(s)));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"compare on {data.Train.Name}: model {first.Spec}, T={settings.Lfp.Steps}, batch {settings.Lfp.BatchSize}, {settings.Epochs} epochs, seeds {string.Join(",", settings.Seeds)}, {data.Train.Count} train / {data.Test.Count} test samples; rules: {string.Join(", ", rules.Select(r => r.Label))}"));

        var runs = rules.ToDictionary(r => r, _ => new List<RuleRun>());
        foreach (int seed in settings.Seeds)
        {
            var initial = seed == settings.Seeds[0] ? first : CommonOptions.Network(a, input, seed);
            foreach (var rule in rules)
            {
                ProgressBar? bar = null;
                RuleRun run;
                if (resumed?.Find(rule, seed) is { } done) run = done;
                else
                {
                    string checkpointPath = CompareProgress.CheckpointPath(folder, rule, seed);
                    var stopped = resumed is not null && File.Exists(checkpointPath) ? Checkpoint.Load(checkpointPath) : null;
                    try
                    {
                        run = RuleComparison.Train(rule, initial, data, settings.Epochs,
                            settings.Lfp with { Seed = seed }, settings.Surrogate with { Seed = seed }, backend, lfp,
                            onEpoch: _ => bar?.Clear(),
                            progress: epoch => bar = new ProgressBar($"seed {seed} {rule.Label} epoch {epoch}/{settings.Epochs}", data.Train.Count),
                            cancellation: cancellation,
                            encoder: input.Recorded?.Encoder,
                            lfpResume: rule == TrainingRule.Lfp ? stopped : null, surrogateResume: rule == TrainingRule.Lfp ? null : stopped);
                    }
                    catch (ArgumentException e) when (stopped is not null)
                    {
                        throw new UsageException($"--resume: {checkpointPath}: {e.Message}");
                    }
                    catch (OperationCanceledException e)
                    {
                        bar?.Clear();
                        new CompareProgress(saved, finished).Save(folder);
                        string finishedRuns = $"the {finished.Count} finished run(s) are saved in {Path.Combine(folder, CompareProgress.FileName)}";
                        var checkpoint = e switch { LfpRunStoppedException l => l.Checkpoint, SurrogateRunStoppedException s => s.Checkpoint, _ => null };
                        if (checkpoint is not null)
                        {
                            checkpoint.Save(checkpointPath);
                            string position = checkpoint.InProgress is { } p ? $"epoch {p.Epoch}, batch {p.NextBatch + 1}" : $"epoch {checkpoint.CompletedEpochs + 1}";
                            string kept = checkpoint.InProgress is null ? $" (its {checkpoint.CompletedEpochs} finished epoch(s); the epoch in progress is trained again)" : "";
                            throw Interruption.Resumable(Name, folder, $"seed {seed}, {rule.Label}, {position}", $"{finishedRuns} and the run in progress in {checkpointPath}{kept}");
                        }
                        throw Interruption.Resumable(Name, folder, $"seed {seed}, {rule.Label}", $"{finishedRuns}; the interrupted run starts again");
                    }
                    finished.Add(run);
                    new CompareProgress(saved, finished).Save(folder);
                    if (stopped is not null) File.Delete(checkpointPath);
                }
                runs[rule].Add(run);
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  seed {seed}  {rule.Label,-22} test {run.TestAccuracy:P2}  (untrained {run.InitialTestAccuracy:P2})  {run.Seconds:F1} s"));
            }
        }

        var rows = rules.Select(r => new ComparisonRow(r, runs[r], data.Train.Count)).ToList();
        output.WriteLine();
        output.Write(Table(rows, settings.Epochs));

        var json = new JObject
        {
            ["dataset"] = data.Train.Name,
            ["model"] = first.Spec,
            ["steps"] = settings.Lfp.Steps,
            ["encoder"] = settings.Lfp.Encoder.Name(),
            ["neuron"] = first.Layers[0].Neuron.Kind,
            ["epochs"] = settings.Epochs,
            ["rows"] = new JArray(rows.Select(r => r.ToJson())),
        };
        AtomicFile.WriteAllText(Path.Combine(folder, "comparison.json"), json.ToString(Formatting.Indented));

        var curves = rows.Select(r => Curve(r.Rule.Label, r.Runs[0])).ToList();
        string plotTitle = $"Test accuracy on {data.Train.Name}, {first.Spec} (seed {settings.Seeds[0]})";
        PlotExport.Save(Plots.TrainingCurves(curves, plotTitle), Path.Combine(folder, CurvesPng), 1200, 900);
        PlotExport.Save(Plots.TrainingCurves(curves, plotTitle), Path.Combine(folder, CurvesSvg), 1200, 900);
        if (settings.Seeds.Length > 1)
        {
            var bands = rows.Select(r => Band(r, settings.Epochs)).ToList();
            string bandTitle = $"Test accuracy on {data.Train.Name}, {first.Spec}: mean and range over seeds {string.Join(",", settings.Seeds)}";
            PlotExport.Save(Plots.TrainingCurveBands(bands, bandTitle), Path.Combine(folder, SeedsPng), PlotExport.CurvesWidth, PlotExport.CurvesHeight);
            PlotExport.Save(Plots.TrainingCurveBands(bands, bandTitle), Path.Combine(folder, SeedsSvg), PlotExport.CurvesWidth, PlotExport.CurvesHeight);
        }
        AtomicFile.WriteAllText(Path.Combine(folder, "report.md"), Report(rows, settings, data, first, args));
        output.WriteLine($"wrote {Path.Combine(folder, "comparison.json")}, {Path.Combine(folder, "report.md")} and {Path.Combine(folder, CurvesPng)}" +
            (settings.Seeds.Length > 1 ? $" ({SeedsPng}: every seed)" : ""));
        return 0;
    }

    private const string CurvesPng = "training_curves.png";
    private const string CurvesSvg = "training_curves.svg";
    private const string SeedsPng = "training_curves_seeds.png";
    private const string SeedsSvg = "training_curves_seeds.svg";

    // Test accuracy per epoch over the seeds (epoch 0: the untrained network).
    private static RunBand Band(ComparisonRow row, int epochs) => new(row.Rule.Label, Enumerable.Range(0, epochs + 1).Select(e =>
    {
        var spread = new SeedSpread(row.Runs.Select(run => e == 0 ? run.InitialTestAccuracy : run.Epochs[e - 1].TestAccuracy).ToArray());
        return new BandPoint(e, spread.Mean, spread.Min, spread.Max);
    }).ToList());

    /// <summary>Everything compare needs besides the data and the network, validated.</summary>
    private sealed record Settings(int Epochs, int[] Seeds, TrainingOptions Lfp, SurrogateGradientOptions Surrogate, IReadOnlyList<SurrogateSpec> Surrogates);

    private static Settings Parse(Arguments a)
    {
        int steps = a.Int("steps", 15, 1, 100_000);
        int epochs = a.Int("epochs", DefaultEpochs, 1);
        int batch = a.Int("batch", 32, 1, 1_000_000);
        int[] seeds = a.IntList("seeds", DefaultSeeds);
        if (seeds.Distinct().Count() != seeds.Length) throw new UsageException($"--seeds lists a seed twice: '{a.OptionalString("seeds")}'.");

        var lfp = new TrainingOptions
        {
            Steps = steps,
            Epochs = epochs,
            BatchSize = batch,
            Optimizer = OptimizerFactory.Parse(LfpOptimizerFlag.Chosen(a, OptimizerKind.Sgd.Name())),
            LearningRate = a.Float("lfp-lr", 0.02f, positive: true),
            Momentum = a.Float("lfp-momentum", 0.9f),
            ClipNorm = a.Float("lfp-clip", 3f),
            Encoder = InputEncoders.Parse(CommonOptions.EncoderFlag.Chosen(a, EncoderKind.Current.Name())),
        };
        try { lfp.Validate(); }
        catch (ArgumentException e) { throw new UsageException($"LFP settings: {e.Message}"); }

        var optimizer = SurrogateOptimizerFlag.Chosen(a, "adam") == "adam" ? SurrogateOptimizer.Adam : SurrogateOptimizer.Sgd;
        var loss = SurrogateLossFlag.Chosen(a, "ce-rate") switch
        {
            "ce-count" => SurrogateLoss.CeCount,
            "mse-count" => SurrogateLoss.MseCount,
            _ => SurrogateLoss.CeRate,
        };
        var surrogate = new SurrogateGradientOptions
        {
            Steps = steps,
            BatchSize = batch,
            Trainer = new SurrogateBatchTrainerOptions(optimizer, Double(a, "surrogate-lr", 1e-3, positive: true), Double(a, "surrogate-momentum", 0.0), loss),
            TorchThreads = a.Int("torch-threads", 1, 1, 1024),
        };
        try { surrogate.Validate(); }
        catch (ArgumentException e) { throw new UsageException($"surrogate settings: {e.Message}"); }

        var surrogates = new List<SurrogateSpec>();
        foreach (string name in a.String("surrogates", DefaultSurrogates).Split(',', StringSplitOptions.TrimEntries))
        {
            try { surrogates.Add(SurrogateSpec.Parse(name)); }
            catch (FormatException e) { throw new UsageException($"--surrogates: {e.Message}"); }
        }
        if (surrogates.Distinct().Count() != surrogates.Count) throw new UsageException("--surrogates lists a surrogate twice.");
        if (surrogates.Select(s => s.ToString().Split(':')[0]).Distinct().Count() != surrogates.Count)
            throw new UsageException("--surrogates: one entry per surrogate kind (rows are keyed by name in comparison.json).");
        return new Settings(epochs, seeds, lfp, surrogate, surrogates);
    }

    // A double-precision flag (Arguments.Float would round 1e-3 to float before it reaches torch's double).
    private static double Double(Arguments a, string name, double fallback, bool positive = false)
    {
        string? text = a.OptionalString(name);
        if (text is null) return fallback;
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double x) || !double.IsFinite(x))
            throw new UsageException($"compare: --{name} must be a finite number, got '{text}'.");
        if (positive && x <= 0) throw new UsageException($"compare: --{name} must be > 0, got {text}.");
        return x;
    }

    private static RunCurve Curve(string label, RuleRun run)
    {
        var points = new List<CurvePoint> { new(0, 0, run.InitialTestAccuracy) };
        double seconds = 0;
        foreach (var m in run.Epochs)
        {
            seconds += m.Seconds;
            points.Add(new CurvePoint(m.Epoch, seconds, m.TestAccuracy));
        }
        return new RunCurve(label, points);
    }

    private static readonly string[] Columns = ["rule", "test accuracy", "epochs", "wall time", "samples/s", "hidden spike rate", "near-zero weights", "synaptic ops/sample"];

    private static string[] Cells(ComparisonRow r, int epochs) =>
    [
        r.Rule.Label,
        Invariant($"{r.TestAccuracyMean * 100:F2}% ± {r.TestAccuracySpread * 100:F2}"),
        Invariant($"{epochs}"),
        Invariant($"{r.Seconds:F1} s"),
        Invariant($"{r.SamplesPerSecond:F0}"),
        r.HiddenSpikeRate is double h ? Invariant($"{h * 100:F2}%") : "n/a",
        Invariant($"{r.NearZeroWeightFraction * 100:F2}%"),
        Count(r.SynapticOperationsPerSample),
    ];

    private static string Energy(double picojoules) => picojoules switch
    {
        >= 1e6 => Invariant($"{picojoules / 1e6:F2} µJ"),
        >= 1e3 => Invariant($"{picojoules / 1e3:F1} nJ"),
        _ => Invariant($"{picojoules:F0} pJ"),
    };

    // 1234567 -> "1.23M": synaptic counts span many orders of magnitude.
    private static string Count(double n) => n switch
    {
        >= 1e9 => Invariant($"{n / 1e9:F2}G"),
        >= 1e6 => Invariant($"{n / 1e6:F2}M"),
        >= 1e3 => Invariant($"{n / 1e3:F1}k"),
        _ => Invariant($"{n:F0}"),
    };

    /// <summary>The plain-text table printed at the end.</summary>
    private static string Table(IReadOnlyList<ComparisonRow> rows, int epochs)
    {
        var text = new StringBuilder(Tables.Aligned(Columns, rows.Select(r => Cells(r, epochs)).ToList()));
        text.AppendLine("test accuracy: mean ± sample standard deviation over seeds; wall time: mean per run (training + per-epoch evaluation)");
        return text.ToString();
    }

    private static string Report(IReadOnlyList<ComparisonRow> rows, Settings s, Data.DatasetSplit data, Network.Model.SpikingNetwork model, IReadOnlyList<string> args)
    {
        var md = Tables.Report($"LFP vs surrogate-gradient BPTT on {data.Train.Name}", "compare", args);
        Tables.Markdown(md, Columns, rows.Select(r => Cells(r, s.Epochs)));
        md.AppendLine();
        md.AppendLine("Test accuracy per seed:");
        md.AppendLine();
        foreach (var r in rows)
            md.AppendLine(Invariant($"- {r.Rule.Label}: ") + string.Join(", ", r.Runs.Select(run => Invariant($"seed {run.Seed} {run.TestAccuracy * 100:F2}%"))));
        md.AppendLine();
        md.AppendLine("## Synaptic work on the test set");
        md.AppendLine();
        md.AppendLine("Per test sample, with the trained networks (mean over seeds): accumulates triggered by spikes (one per synapse a spike travels along, all steps), multiply-accumulates of the constant-current input layer (computed once per sample), and an energy estimate from the 45 nm, 32-bit floating-point figures SNN papers usually quote (Horowitz, ISSCC 2014: 0.9 pJ per accumulate, 4.6 pJ per multiply-accumulate). The estimate counts synapse arithmetic only, not memory traffic, neuron updates or spike routing: it compares the rules, it does not measure a chip.");
        md.AppendLine();
        md.AppendLine("| rule | spike accumulates | input multiply-accumulates | synaptic ops | estimated energy |");
        md.AppendLine("|---|---:|---:|---:|---:|");
        foreach (var r in rows)
            md.AppendLine(Invariant($"| {r.Rule.Label} | {Count(r.SpikeAccumulatesPerSample)} | {Count(r.InputMultiplyAccumulatesPerSample)} | {Count(r.SynapticOperationsPerSample)} | {Energy(r.EstimatedPicojoulesPerSample)} |"));
        long dense = rows[0].DenseMultiplyAccumulates;
        md.AppendLine(Invariant($"| non-spiking network of the same shape, one pass | | {Count(dense)} | {Count(dense)} | {Energy(rows[0].DenseEstimatedPicojoules)} |"));
        md.AppendLine();
        md.AppendLine("## Training curves");
        md.AppendLine();
        md.AppendLine(Invariant($"Test accuracy against epoch (top) and wall-clock time (bottom), seed {s.Seeds[0]}, one run per rule; epoch 0 is the shared untrained network."));
        md.AppendLine();
        Tables.Figure(md, "training curves", CurvesPng, CurvesSvg);
        if (s.Seeds.Length > 1)
        {
            md.AppendLine();
            md.AppendLine(Invariant($"Every seed: mean test accuracy per epoch over seeds {string.Join(", ", s.Seeds)}, with the band from the lowest to the highest seed."));
            md.AppendLine();
            Tables.Figure(md, "training curves over seeds", SeedsPng, SeedsSvg);
        }
        md.AppendLine();
        md.AppendLine("## Settings");
        md.AppendLine();
        var neurons = model.Layers.Select(l => l.Neurons).Distinct()
            .Select(n => Invariant($"beta {n.Beta:G6}, threshold {n.Threshold:G6}, reset {n.Reset.ToString().ToLowerInvariant()} ({(n.DelayedReset ? "delayed" : "immediate")})"));
        md.AppendLine(Invariant($"- data: {data.Train.Name}, {data.Train.Count} training / {data.Test.Count} test samples, constant-current input at every step"));
        md.AppendLine(Invariant($"- model: {model.Spec}; neurons: {string.Join("; ", neurons)}"));
        md.AppendLine(Invariant($"- steps T = {s.Lfp.Steps}, batch {s.Lfp.BatchSize}, {s.Epochs} epochs, seeds {string.Join(", ", s.Seeds)}"));
        md.AppendLine("- every rule starts a seed from the same initial weights (PyTorch's uniform default) and visits the data in the same order (EpochSchedule)");
        md.AppendLine(Invariant($"- LFP: {s.Lfp.Optimizer.Name()} lr {s.Lfp.LearningRate:G6}, momentum {s.Lfp.Momentum:G6}, gradient-norm clip {s.Lfp.ClipNorm:G6}; rate-coded reward, Heaviside spikes, no surrogate"));
        md.AppendLine(Invariant($"- surrogate: torch {s.Surrogate.Trainer.Optimizer.ToString().ToLowerInvariant()} lr {s.Surrogate.Trainer.LearningRate:G6}") +
            (s.Surrogate.Trainer.Optimizer == SurrogateOptimizer.Sgd ? Invariant($", momentum {s.Surrogate.Trainer.Momentum:G6}") : "") +
            $", loss {LossName(s.Surrogate.Trainer.Loss)}, surrogates {string.Join(", ", s.Surrogates)}, {s.Surrogate.TorchThreads} torch thread(s)");
        md.AppendLine();
        md.AppendLine("## What the columns mean");
        md.AppendLine();
        md.AppendLine("- test accuracy: after the last epoch, measured for every rule by the same code (the trained weights are put into an ordinary SpikeLfp model and simulated); mean ± sample standard deviation over seeds");
        md.AppendLine("- wall time: mean seconds per run, training plus the test evaluation after each epoch; samples/s: training samples per second of training alone, over all seeds");
        md.AppendLine("- hidden spike rate: spikes of all hidden neurons on the test set with the trained network, divided by samples × steps × hidden neurons; mean over seeds");
        md.AppendLine(Invariant($"- near-zero weights: fraction of weights (biases excluded) with |w| < {RuleComparison.NearZeroRelativeThreshold:G} × the largest |w| of their layer, trained network; mean over seeds (uniform initialisation gives about 0.1%)"));
        md.AppendLine("- synaptic ops/sample: accumulates triggered by spikes plus the input layer's multiply-accumulates, per test sample (see \"Synaptic work\" above); mean over seeds");
        md.AppendLine("- surrogate step uses the true derivative of the Heaviside spike (zero), so no gradient reaches any weight: it stays at its initial accuracy");
        return md.ToString();
    }

    private static string LossName(SurrogateLoss loss) => loss switch
    {
        SurrogateLoss.CeCount => "ce-count",
        SurrogateLoss.MseCount => "mse-count",
        _ => "ce-rate (snntorch ce_rate_loss)",
    };

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
