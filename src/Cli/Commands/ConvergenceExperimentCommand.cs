using System.Globalization;
using System.Text;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using SpikeLfp.Data;
using SpikeLfp.Learning.Experiments;
using SpikeLfp.Network.IO;
using SpikeLfp.Network.Model;
using SpikeLfp.Neurons;
using SpikeLfp.Viz;

namespace SpikeLfp.Cli.Commands;

/// <summary>
/// spikelfp experiment convergence: the same non-spiking ReLU network (dense or convolutional) trained from the same
/// initial weights and data order by LFP and by backpropagation, each with SGD and with Adam, for several seeds;
/// writes convergence.json, the curves (PNG and SVG) and report.md.
/// </summary>
public sealed class ConvergenceExperimentCommand : IInterruptibleCommand
{
    private const string Command = "experiment convergence";
    private const string JsonFile = "convergence.json", ReportFile = "report.md";
    private const string EpochPlot = "convergence-epoch", TimePlot = "convergence-time", LossPlot = "convergence-loss";
    /// <summary>Default seeds: three, so every number comes with a spread.</summary>
    public static readonly int[] DefaultSeeds = [0, 1, 2];

    /// <summary>The hidden layers of the default dense model (the LeNet-like MLP of the Heaviside experiment).</summary>
    public const string DefaultHidden = "120-84";

    public string Name => "convergence";
    public string Summary => "train the same ReLU network with LFP and with SGD-backprop (and both with Adam); compare convergence";
    public string Description => $"""
        Trains one non-spiking network, a ReLU after every layer but the output (the logits), four ways from the same initial weights and in the same data order: LFP (softmax reward, epsilon rule, grad = -feedback) and backpropagated cross-entropy, each with SGD (lr 0.02, momentum 0.9) and with Adam (lr 1e-3), the same settings for both rules, update norm clipped to 3, batch 32. After every epoch it measures loss and accuracy on the whole training and test sets. Repeats this for each seed. Writes {JsonFile}, {EpochPlot}.png/.svg and {TimePlot}.png/.svg (test accuracy against epoch and against training wall time: mean line and min-max band over seeds), {LossPlot}.png/.svg (training loss) and {ReportFile} (table, epochs to 90% of the final accuracy, the LFP-minus-gradient accuracy difference with its seed spread, settings) into --out.
        """;

    public IReadOnlyList<Flag> Flags { get; } =
    [
        .. CommonOptions.DataFlags,
        new("model", "SPEC", $"dense layer sizes like 64-120-84-10 (default: inputs-{DefaultHidden}-classes), or a convolutional spec: 28x28x1-c12k5-p2-c64k5-p2-10, or lifcnn (that one, LifCNN's shape with ReLU instead of LIF); pK/apK max/average-pool the layer's input"),
        new("epochs", "N", $"passes over the training set (default {new ConvergenceSettings().Epochs})"),
        new("batch", "N", $"samples per update (default {new ConvergenceSettings().BatchSize})"),
        new("rules", "LIST", $"any of {string.Join(",", ConvergenceRule.All.Select(r => r.Name))} (default: all four)") { Choices = [.. ConvergenceRule.All.Select(r => r.Name)] },
        new("lr", "X", $"SGD learning rate of both SGD rules (default {new ConvergenceSettings().SgdLearningRate.ToString(CultureInfo.InvariantCulture)})"),
        new("momentum", "X", $"SGD momentum (default {new ConvergenceSettings().Momentum.ToString(CultureInfo.InvariantCulture)})"),
        new("adam-lr", "X", $"Adam learning rate of both Adam rules (default {new ConvergenceSettings().AdamLearningRate.ToString(CultureInfo.InvariantCulture)})"),
        new("clip", "X", $"global update-norm clip of every rule, 0 = off (default {new ConvergenceSettings().ClipNorm.ToString(CultureInfo.InvariantCulture)})"),
        new("seeds", "LIST", $"seeds of the initial weights and the data order, e.g. 0,1,2 or 0-4 (default {string.Join(",", DefaultSeeds)})"),
        new("seed", "S", "one seed only (the same as --seeds S)"),
        CommonOptions.LimitFlag,
        .. CommonOptions.OutFlags,
    ];

    public int Run(Arguments a, TextWriter output) => Run(a, output, CancellationToken.None);

    public int Run(Arguments a, TextWriter output, CancellationToken cancellation)
    {
        var settings = Settings(a);
        var rules = Rules(a);
        int[] seeds = CommonOptions.Seeds(a, Command, DefaultSeeds);
        var data = CommonOptions.Data(a);
        var spec = Model(a, data);
        using var claimed = OutputFolder.ForNewRun(a, "convergence");
        string folder = claimed.Path;

        output.WriteLine(Invariant($"convergence on {data.Train.Name}: ReLU network {spec}, {settings.Epochs} epochs, batch {settings.BatchSize}, rules {string.Join(", ", rules.Select(r => r.Label))}, seeds {string.Join(",", seeds)}, {data.Train.Count} train / {data.Test.Count} test samples"));
        var progress = new RunProgress(seeds.Length * rules.Count, settings.Epochs, output);
        var partial = new PartialResults(Command, a.Given, seeds.Length * rules.Count, settings.Epochs);
        ConvergenceStudy study;
        try
        {
            study = ConvergenceExperiment.Run(data, spec, settings, seeds, rules, (rule, seed, e) =>
            {
                partial.Add(seed, rule.Key, EpochJson(e));
                progress.Report(e.Epoch, () => Invariant($"  seed {seed,-3} {rule.Label,-15} test {e.TestAccuracy * 100,6:F2}% after {e.Epoch} epochs  {e.Seconds,6:F1} s"));
            }, cancellation);
        }
        catch (OperationCanceledException) { throw partial.Save(folder); }

        output.WriteLine();
        output.Write(Tables.Aligned(Columns, rules.Select(r => Cells(study, r)).ToList()));
        output.WriteLine(Footnote(study));
        foreach (string line in Comparisons(study)) output.WriteLine(line);

        AtomicFile.WriteAllText(Path.Combine(folder, JsonFile), ToJson(study, data, spec).ToString(Formatting.Indented));
        string about = $"ReLU {spec} on {data.Train.Name}, seeds {string.Join(",", seeds)}: mean and range";
        SavePlot(Plots.TrainingCurveBands(Bands(study, e => e.TestAccuracy), CurveAxis.Epoch, $"Test accuracy by epoch, {about}"), folder, EpochPlot);
        SavePlot(Plots.TrainingCurveBands(Bands(study, e => e.TestAccuracy), CurveAxis.WallTime, $"Test accuracy by training time, {about}"), folder, TimePlot);
        SavePlot(Plots.TrainingCurveBands(Bands(study, e => e.TrainLoss), CurveAxis.Epoch, $"Training loss by epoch, {about}", BandValue.Loss,
            "Training loss (cross-entropy)"), folder, LossPlot);
        AtomicFile.WriteAllText(Path.Combine(folder, ReportFile), Report(study, data, spec, a.Given));
        output.WriteLine($"wrote {Path.Combine(folder, JsonFile)}, {string.Join(", ", new[] { EpochPlot, TimePlot, LossPlot }.Select(p => Path.Combine(folder, p + ".png")))} (.svg) and {Path.Combine(folder, ReportFile)}");
        return 0;
    }

    private static ConvergenceSettings Settings(Arguments a)
    {
        var d = new ConvergenceSettings();
        var settings = d with
        {
            Epochs = a.Int("epochs", d.Epochs, 1, 100_000),
            BatchSize = a.Int("batch", d.BatchSize, 1, 1 << 20),
            SgdLearningRate = a.Float("lr", d.SgdLearningRate, positive: true),
            Momentum = a.Float("momentum", d.Momentum),
            AdamLearningRate = a.Float("adam-lr", d.AdamLearningRate, positive: true),
            ClipNorm = a.Float("clip", d.ClipNorm),
        };
        try { settings.Validate(); }
        catch (ArgumentException e) { throw new UsageException($"{Command}: {e.Message}"); }
        return settings;
    }

    private static IReadOnlyList<ConvergenceRule> Rules(Arguments a)
    {
        if (a.OptionalString("rules") is not { } list) return ConvergenceRule.All;
        var rules = new List<ConvergenceRule>();
        foreach (string name in list.Split(',', StringSplitOptions.TrimEntries))
        {
            try { rules.Add(ConvergenceRule.Parse(name)); }
            catch (ArgumentException e) { throw new UsageException($"{Command}: --rules: {e.Message}"); }
        }
        if (rules.Distinct().Count() != rules.Count) throw new UsageException($"{Command}: --rules lists a rule twice: '{list}'.");
        return rules;
    }

    // --model as a ConvSpec (a dense spec is one whose layers are all dense), checked against the data.
    private static ConvSpec Model(Arguments a, DatasetSplit data)
    {
        string model = a.OptionalString("model") ?? $"{data.Train.FeatureCount}-{DefaultHidden}-{data.Train.ClassCount}";
        try
        {
            var spec = ConvSpec.Parse(model, LifParameters.Default);
            ConvergenceExperiment.CheckFits(spec, data);
            return spec;
        }
        catch (InvalidModelException e) { throw new UsageException($"--model: {e.Message}"); }
        catch (ArgumentException e) { throw new UsageException($"--model: {e.Message}"); }
    }

    private static void SavePlot(OxyPlot.PlotModel plot, string folder, string name)
    {
        PlotExport.Save(plot, Path.Combine(folder, name + ".png"), PlotExport.CurvesWidth, PlotExport.CurvesHeight);
        PlotExport.Save(plot, Path.Combine(folder, name + ".svg"), PlotExport.CurvesWidth, PlotExport.CurvesHeight);
    }

    private static List<RunBand> Bands(ConvergenceStudy study, Func<ConvergenceEpoch, double> measure)
        => study.Rules.Select(rule =>
        {
            var values = study.Curve(rule, measure);
            var seconds = study.Curve(rule, e => e.Seconds);
            return new RunBand(rule.Label, values.Select((s, epoch) => new BandPoint(epoch, s.Mean, s.Min, s.Max, seconds[epoch].Mean)).ToList());
        }).ToList();

    private static readonly string[] Columns =
        ["rule", "test accuracy", "range", "train loss", "epochs to 90%", "time to 90%", "training time", "LFP - gradient"];

    private static string[] Cells(ConvergenceStudy study, ConvergenceRule rule)
    {
        var accuracy = study.TestAccuracy(rule);
        var toReach = study.EpochsToReach(rule);
        var partner = rule.Partner;
        string difference = rule.Rule == AnalogRule.Lfp && study.Rules.Contains(partner)
            ? PointsSpread(study.Difference(rule, partner)) : "";
        return
        [
            rule.Label,
            PercentSpread(accuracy),
            Invariant($"{accuracy.Min * 100:F1}-{accuracy.Max * 100:F1}%"),
            Invariant($"{study.Over(rule, r => r.Epochs[^1].TrainLoss).Mean:F3}"),
            Invariant($"{toReach.Mean:F1} ({toReach.Min:F0}-{toReach.Max:F0})"),
            Invariant($"{study.SecondsToReach(rule).Mean:F1} s"),
            Invariant($"{study.Over(rule, r => r.Seconds).Mean:F1} s"),
            difference,
        ];
    }

    // One seed has no spread: say so rather than print "± 0.00".
    private static string PointsSpread(SeedSpread s) => s.Values.Count == 1
        ? Invariant($"{s.Mean * 100:+0.00;-0.00;0.00} pts, one seed")
        : Invariant($"{s.Mean * 100:+0.00;-0.00;0.00} ± {s.StandardDeviation * 100:F2} pts");

    private static string PercentSpread(SeedSpread s) => s.Values.Count == 1
        ? Invariant($"{s.Mean * 100:F2}%")
        : Invariant($"{s.Mean * 100:F2}% ± {s.StandardDeviation * 100:F2}");

    private static string Footnote(ConvergenceStudy study) => Invariant(
        $"test accuracy after epoch {study.Settings.Epochs}: mean ± sample sd over seeds {string.Join(",", study.Seeds)}; train loss: cross-entropy on the whole training set after the last epoch; epochs to 90%: first epoch whose test accuracy reaches 90% of the run's final one (mean, range over seeds); times: training only, mean over seeds; LFP - gradient: final test accuracy, paired by seed, same optimizer");

    /// <summary>
    /// One sentence per optimizer that both rules ran with: how much lower (or higher) and slower (or faster) LFP is
    /// than the gradient, in numbers, so the report says where LFP falls behind without anyone reading the table.
    /// </summary>
    private static IEnumerable<string> Comparisons(ConvergenceStudy study)
    {
        foreach (var lfp in study.Rules.Where(r => r.Rule == AnalogRule.Lfp && study.Rules.Contains(r.Partner)))
        {
            var gradient = lfp.Partner;
            var difference = study.Difference(lfp, gradient);
            double lfpEpochs = study.EpochsToReach(lfp).Mean, gradientEpochs = study.EpochsToReach(gradient).Mean;
            double lfpTime = study.Over(lfp, r => r.Seconds).Mean, gradientTime = study.Over(gradient, r => r.Seconds).Mean;
            string level = difference.Values.Count > 1 && Math.Abs(difference.Mean) <= difference.StandardDeviation
                ? Invariant($"ends level with the gradient within the seed spread ({PointsSpread(difference)})")
                : difference.Mean < 0 ? Invariant($"ends {-difference.Mean * 100:F2} points lower ({PointsSpread(difference)})")
                : Invariant($"ends {difference.Mean * 100:F2} points higher ({PointsSpread(difference)})");
            string speed = lfpEpochs > gradientEpochs ? "slower" : lfpEpochs < gradientEpochs ? "faster" : "as fast";
            double lfpReach = study.SecondsToReach(lfp).Mean, gradientReach = study.SecondsToReach(gradient).Mean;
            yield return Invariant($"with {ConvergenceRule.OptimizerLabel(lfp.Optimizer)}: LFP {level}; it reaches 90% of its final accuracy after {lfpEpochs:F1} epochs against the gradient's {gradientEpochs:F1} ({speed} by epochs) and after {lfpReach:F1} s of training against {gradientReach:F1} s; its whole training takes {lfpTime:F1} s against {gradientTime:F1} s ({lfpTime / Math.Max(1e-9, gradientTime):F2}x).");
        }
    }

    private static JObject ToJson(ConvergenceStudy study, DatasetSplit data, ConvSpec spec)
    {
        var s = study.Settings;
        return new JObject
        {
            ["experiment"] = "convergence",
            ["dataset"] = data.Train.Name,
            ["train_samples"] = data.Train.Count,
            ["test_samples"] = data.Test.Count,
            ["model"] = spec.ToString(),
            ["seeds"] = new JArray(study.Seeds),
            ["rules"] = new JArray(study.Rules.Select(r => r.Name)),
            ["summary"] = new JObject(study.Rules.Select(rule => new JProperty(rule.Key, SummaryJson(study, rule)))),
            ["settings"] = new JObject
            {
                ["network"] = "non-spiking: ReLU after every layer but the output (the logits); max/avg pooling of a layer's input as in the spec",
                ["epochs"] = s.Epochs,
                ["batch"] = s.BatchSize,
                ["sgd_lr"] = s.SgdLearningRate,
                ["sgd_momentum"] = s.Momentum,
                ["adam_lr"] = s.AdamLearningRate,
                ["adam_betas"] = new JArray(0.9, 0.999),
                ["clip"] = s.ClipNorm,
                ["lfp"] = "softmax reward A = logits (.) (onehot(y) - softmax(logits)), epsilon rule (eps 1e-6), grad = -feedback",
                ["gradient"] = "batch-mean cross-entropy of the logits, backpropagated (ReLU' = [z > 0])",
                ["initialisation"] = "PyTorch's default (nn.Linear / nn.Conv2d) from each seed, identical for every rule of a seed; identical data order (EpochSchedule)",
                ["measurements"] = "after every epoch, on the whole training and test sets without updates: mean cross-entropy and accuracy (argmax, ties -> lowest index); seconds: cumulative training wall time, evaluations excluded; all runs train side by side, one thread each",
                ["epochs_to_90"] = "first epoch whose test accuracy reaches 90% of the run's own final test accuracy",
                ["difference_to_gradient"] = "final test accuracy of the LFP rule minus that of the gradient rule with the same optimizer, paired by seed",
            },
            ["per_seed"] = new JArray(study.Seeds.Select(seed => new JObject
            {
                ["seed"] = seed,
                ["runs"] = new JObject(study.Rules.Select(rule => new JProperty(rule.Key, RunJson(study.Run(rule, seed))))),
            })),
        };
    }

    private static JObject Spread(SeedSpread s) => new()
    {
        ["mean"] = s.Mean,
        ["sd"] = s.StandardDeviation,
        ["min"] = s.Min,
        ["max"] = s.Max,
        ["per_seed"] = new JArray(s.Values),
    };

    private static JObject SummaryJson(ConvergenceStudy study, ConvergenceRule rule)
    {
        var json = new JObject
        {
            ["label"] = rule.Label,
            ["test_accuracy"] = Spread(study.TestAccuracy(rule)),
            ["train_loss"] = Spread(study.Over(rule, r => r.Epochs[^1].TrainLoss)),
            ["epochs_to_90"] = Spread(study.EpochsToReach(rule)),
            ["seconds_to_90"] = Spread(study.SecondsToReach(rule)),
            ["seconds"] = Spread(study.Over(rule, r => r.Seconds)),
        };
        if (rule.Rule == AnalogRule.Lfp && study.Rules.Contains(rule.Partner))
            json["difference_to_gradient"] = Spread(study.Difference(rule, rule.Partner));
        var test = study.Curve(rule, e => e.TestAccuracy);
        var loss = study.Curve(rule, e => e.TrainLoss);
        var seconds = study.Curve(rule, e => e.Seconds);
        json["mean_curve"] = new JArray(test.Select((t, epoch) => new JObject
        {
            ["epoch"] = epoch,
            ["test_accuracy_mean"] = t.Mean,
            ["test_accuracy_min"] = t.Min,
            ["test_accuracy_max"] = t.Max,
            ["train_loss_mean"] = loss[epoch].Mean,
            ["train_loss_min"] = loss[epoch].Min,
            ["train_loss_max"] = loss[epoch].Max,
            ["seconds_mean"] = seconds[epoch].Mean,
        }));
        return json;
    }

    private static JObject RunJson(ConvergenceRun run) => new()
    {
        ["test_accuracy"] = run.TestAccuracy,
        ["seconds"] = run.Seconds,
        ["epochs_to_90"] = run.FirstReaching(ConvergenceStudy.ConvergedFraction).Epoch,
        ["curve"] = new JArray(run.Epochs.Select(EpochJson)),
    };

    // One point of a run's curve in convergence.json (and in partial.json when stopped).
    private static JObject EpochJson(ConvergenceEpoch e) => new()
    {
        ["epoch"] = e.Epoch,
        ["train_loss"] = e.TrainLoss,
        ["train_accuracy"] = e.TrainAccuracy,
        ["test_loss"] = e.TestLoss,
        ["test_accuracy"] = e.TestAccuracy,
        ["seconds"] = e.Seconds,
        ["update_norm"] = e.UpdateNorm,
        ["test_hidden_active_fraction"] = e.TestHiddenActive,
    };

    private static string Report(ConvergenceStudy study, DatasetSplit data, ConvSpec spec, IReadOnlyList<string> args)
    {
        var s = study.Settings;
        var md = Tables.Report($"LFP against gradient descent on a ReLU network, {data.Train.Name}", Command, args);
        md.AppendLine(Invariant($"The non-spiking network {spec} (a ReLU after every layer but the output) trained for {s.Epochs} epochs from the same initial weights and in the same data order by LFP and by backpropagation, each with SGD and with Adam under the same settings, for each of the seeds {string.Join(", ", study.Seeds)}. Test accuracy after the last epoch, mean ± sample standard deviation over the seeds:"));
        md.AppendLine();
        Tables.Markdown(md, Columns, study.Rules.Select(r => Cells(study, r)));
        md.AppendLine();
        md.AppendLine(Footnote(study) + ".");
        md.AppendLine();
        foreach (string line in Comparisons(study)) md.AppendLine("- " + char.ToUpperInvariant(line[0]) + line[1..]);
        md.AppendLine();
        md.AppendLine("Test accuracy per seed:");
        md.AppendLine();
        Tables.Markdown(md, ["seed", .. study.Rules.Select(r => r.Label)],
            study.Seeds.Select(seed => (IReadOnlyList<string>)[Invariant($"{seed}"), .. study.Rules.Select(r => Invariant($"{study.Run(r, seed).TestAccuracy * 100:F2}%"))]));
        md.AppendLine();
        Tables.Figure(md, "test accuracy per epoch, mean and range over seeds", EpochPlot + ".png", EpochPlot + ".svg");
        md.AppendLine();
        Tables.Figure(md, "test accuracy against training time, mean and range over seeds", TimePlot + ".png", TimePlot + ".svg");
        md.AppendLine();
        Tables.Figure(md, "training loss per epoch, mean and range over seeds", LossPlot + ".png", LossPlot + ".svg",
            $"Per-epoch numbers of every run and seed: [{JsonFile}]({JsonFile}).");
        md.AppendLine();
        md.AppendLine("## Settings");
        md.AppendLine();
        md.AppendLine(Invariant($"- data: {data.Train.Name}, {data.Train.Count} training / {data.Test.Count} test samples"));
        md.AppendLine(Invariant($"- model: {spec}, ReLU after every layer but the output; PyTorch's default initialisation from each seed, the same for every rule of a seed; the same data order (EpochSchedule)"));
        md.AppendLine(Invariant($"- SGD (both rules): lr {s.SgdLearningRate:G6}, momentum {s.Momentum:G6}; Adam (both rules): lr {s.AdamLearningRate:G6}, betas 0.9, 0.999; every update clipped to a global norm of {s.ClipNorm:G6}; batch {s.BatchSize}; {s.Epochs} epochs"));
        md.AppendLine("- LFP: softmax reward `A = logits (.) (onehot(y) - softmax(logits))` on the logits, epsilon rule through every layer (ReLU passes reward unchanged; max pooling hands it to the window's argmax), grad = -feedback");
        md.AppendLine("- gradient: batch-mean cross-entropy of the logits, backpropagated exactly (ReLU' = [z > 0]; max pooling to the argmax)");
        md.AppendLine("- update scale: LFP's feedback is summed over the batch, the gradient is a batch mean, so their raw norms differ; the clip bounds both. Mean norm before clipping in epoch 1: "
            + string.Join(", ", study.Rules.Select(r => Invariant($"{r.Label} {study.Over(r, run => run.Epochs[Math.Min(1, run.Epochs.Count - 1)].UpdateNorm).Mean:G3}"))));
        md.AppendLine("- hidden ReLUs active (z > 0) on the test set after the last epoch, mean over seeds (the sparse passes skip the others): "
            + string.Join(", ", study.Rules.Select(r => Invariant($"{r.Label} {study.Over(r, run => run.Epochs[^1].TestHiddenActive).Mean * 100:F1}%"))));
        md.AppendLine("- measured after every epoch on the whole training and test sets, without updates. Times are training wall time only; all runs train side by side, one thread each, so a busy machine slows them alike but the absolute seconds move with the load.");
        return md.ToString();
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
