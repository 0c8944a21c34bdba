using System.Globalization;
using System.Text;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using SpikeLfp.Data;
using SpikeLfp.Learning.Experiments;
using SpikeLfp.Network.IO;
using SpikeLfp.Viz;

namespace SpikeLfp.Cli.Commands;

/// <summary>
/// spikelfp experiment heaviside: an MLP with a step activation after every layer, the output included, trained
/// with LFP with and without training noise and with the gradient (whose step derivative is zero), for several
/// seeds; writes heaviside.json, heaviside.png/.svg and report.md.
/// </summary>
public sealed class HeavisideExperimentCommand : IInterruptibleCommand
{
    private const string Command = "experiment heaviside";
    private const string JsonFile = "heaviside.json", PngFile = "heaviside.png", SvgFile = "heaviside.svg", ReportFile = "report.md";
    private static readonly HeavisideRule[] Rules = [HeavisideRule.LfpNoise, HeavisideRule.LfpNoNoise, HeavisideRule.Gradient];

    /// <summary>
    /// Default seeds: the reference's figures are over seeds 0-2, and one seed of a step network is too noisy to
    /// stand for the rule (its final accuracy moves by about 10 points from seed to seed).
    /// </summary>
    public static readonly int[] DefaultSeeds = [0, 1, 2];

    public string Name => "heaviside";
    public string Summary => "train a step-activated MLP with LFP (with and without noise) and with gradients";
    public string Description => $"""
        Trains an MLP with a Heaviside step after every layer, the output included (inputs-120-84-classes), three ways from the same initial weights and data order: LFP with the softmax reward and Gaussian noise (std 0.1) on every layer input and on the output while training; LFP without noise; and cross-entropy gradients through the step's true derivative (zero). SGD lr 0.1, momentum 0.9, clip 3, batch 32. Repeats this for each seed and reports the mean, standard deviation and range over seeds. Writes {JsonFile}, {PngFile}/.svg (test accuracy per epoch, mean line and min-max band) and {ReportFile} into --out.
        """;

    public IReadOnlyList<Flag> Flags { get; } =
    [
        .. CommonOptions.DataFlags,
        new("epochs", "N", $"passes over the training set (default {new HeavisideSettings().Epochs})"),
        new("batch", "N", $"samples per update (default {new HeavisideSettings().BatchSize}; the reference's MNIST notebook uses 128)"),
        new("seeds", "LIST", $"seeds of initial weights, data order and noise, e.g. 0,1,2 or 0-19 (default {string.Join(",", DefaultSeeds)})"),
        new("seed", "S", "one seed only (the same as --seeds S)"),
        CommonOptions.LimitFlag,
        .. CommonOptions.OutFlags,
    ];

    public int Run(Arguments a, TextWriter output) => Run(a, output, CancellationToken.None);

    public int Run(Arguments a, TextWriter output, CancellationToken cancellation)
    {
        var defaults = new HeavisideSettings();
        var settings = defaults with { Epochs = a.Int("epochs", defaults.Epochs, 1), BatchSize = a.Int("batch", defaults.BatchSize, 1, 1 << 20) };
        int[] seeds = CommonOptions.Seeds(a, Command, DefaultSeeds);
        var data = CommonOptions.Data(a);
        using var claimed = OutputFolder.ForNewRun(a, "heaviside");
        string folder = claimed.Path;

        output.WriteLine(Invariant($"heaviside on {data.Train.Name}: model {data.Train.FeatureCount}-{string.Join("-", settings.HiddenSizes)}-{data.Train.ClassCount}, step after every layer, {settings.Epochs} epochs, seeds {string.Join(",", seeds)}, {data.Train.Count} train / {data.Test.Count} test samples"));
        var progress = new RunProgress(seeds.Length * Rules.Length, settings.Epochs, output);
        var partial = new PartialResults(Command, a.Given, seeds.Length * Rules.Length, settings.Epochs);
        HeavisideStudy study;
        try
        {
            study = HeavisideExperiment.Run(data, settings, seeds, (seed, rule, e) =>
            {
                partial.Add(seed, HeavisideExperiment.Key(rule), EpochJson(e));
                progress.Report(e.Epoch, () => Invariant($"  seed {seed,-3} {HeavisideExperiment.Label(rule),-21} test {e.TestAccuracy * 100,6:F2}% after {e.Epoch} epochs  {e.Seconds,6:F1} s"));
            }, cancellation);
        }
        catch (OperationCanceledException) { throw partial.Save(folder); }

        output.WriteLine();
        output.Write(Table(study, data));
        AtomicFile.WriteAllText(Path.Combine(folder, JsonFile), ToJson(study, data).ToString(Formatting.Indented));
        var bands = Rules.Select(rule => new RunBand(HeavisideExperiment.Label(rule),
            study.Curve(rule).Select((s, epoch) => new BandPoint(epoch, s.Mean, s.Min, s.Max)).ToList())).ToList();
        string title = $"Step-activated MLP {Model(study)} on {data.Train.Name}: mean and range over seeds {string.Join(",", seeds)}";
        PlotExport.Save(Plots.TrainingCurveBands(bands, title), Path.Combine(folder, PngFile), PlotExport.CurvesWidth, PlotExport.CurvesHeight);
        PlotExport.Save(Plots.TrainingCurveBands(bands, title), Path.Combine(folder, SvgFile), PlotExport.CurvesWidth, PlotExport.CurvesHeight);
        AtomicFile.WriteAllText(Path.Combine(folder, ReportFile), Report(study, data, a.Given));
        output.WriteLine($"wrote {Path.Combine(folder, JsonFile)}, {Path.Combine(folder, PngFile)}, {Path.Combine(folder, SvgFile)} and {Path.Combine(folder, ReportFile)}");
        return 0;
    }

    private static string Model(HeavisideStudy s) => string.Join("-", s.Sizes);

    private static JObject ToJson(HeavisideStudy study, DatasetSplit data)
    {
        var s = study.Settings;
        var json = new JObject
        {
            ["experiment"] = "heaviside",
            ["dataset"] = data.Train.Name,
            ["train_samples"] = data.Train.Count,
            ["test_samples"] = data.Test.Count,
            ["model"] = Model(study),
            ["seeds"] = new JArray(study.Seeds),
            ["lfp_noise_test_accuracy"] = study.TestAccuracy(HeavisideRule.LfpNoise).Mean,
            ["lfp_no_noise_test_accuracy"] = study.TestAccuracy(HeavisideRule.LfpNoNoise).Mean,
            ["gradient_test_accuracy"] = study.TestAccuracy(HeavisideRule.Gradient).Mean,
            ["chance_accuracy"] = 1.0 / data.Train.ClassCount,
            ["summary"] = new JObject(Rules.Select(rule => new JProperty(HeavisideExperiment.Key(rule), SummaryJson(study, rule)))),
            ["settings"] = new JObject
            {
                ["activation"] = "step H(z) = 1 if z > 0 else 0, after every layer including the output",
                ["epochs"] = s.Epochs,
                ["batch"] = s.BatchSize,
                ["optimizer"] = "sgd",
                ["lr"] = s.LearningRate,
                ["momentum"] = s.Momentum,
                ["clip"] = s.ClipNorm,
                ["noise_std"] = s.NoiseStd,
                ["noise"] = "Gaussian, added to the input of every layer and to the output, training only; lfp_noise and gradient use it, lfp_no_noise does not",
                ["reward"] = "softmax: A = logits (.) (onehot(y) - softmax(logits)); grad = -feedback",
                ["gradient_loss"] = "batch-mean cross-entropy on the outputs, step derivative 0",
                ["prediction"] = "argmax of the outputs without noise, ties -> lowest index (an all-zero output predicts class 0)",
                ["initialisation"] = "PyTorch nn.Linear default from each seed, identical for the three runs of a seed; identical data order (EpochSchedule)",
                ["accuracy_keys"] = "the *_test_accuracy keys are means over seeds of the test accuracy after the last epoch; summary has sd (sample), min, max and the per-seed values",
            },
            ["per_seed"] = new JArray(study.PerSeed.Select(r => new JObject
            {
                ["seed"] = r.Settings.Seed,
                ["runs"] = new JObject(r.Runs.Select(run => new JProperty(HeavisideExperiment.Key(run.Rule), RunJson(run)))),
            })),
        };
        return json;
    }

    private static JObject SummaryJson(HeavisideStudy study, HeavisideRule rule)
    {
        var accuracy = study.TestAccuracy(rule);
        return new JObject
        {
            ["label"] = HeavisideExperiment.Label(rule),
            ["test_accuracy_mean"] = accuracy.Mean,
            ["test_accuracy_sd"] = accuracy.StandardDeviation,
            ["test_accuracy_min"] = accuracy.Min,
            ["test_accuracy_max"] = accuracy.Max,
            ["test_accuracy_per_seed"] = new JArray(accuracy.Values),
            ["mean_curve"] = new JArray(study.Curve(rule).Select((c, epoch) => new JObject
            {
                ["epoch"] = epoch,
                ["test_accuracy_mean"] = c.Mean,
                ["test_accuracy_min"] = c.Min,
                ["test_accuracy_max"] = c.Max,
            })),
        };
    }

    private static JObject RunJson(HeavisideRun run)
    {
        var last = run.Epochs[^1];
        return new JObject
        {
            ["label"] = HeavisideExperiment.Label(run.Rule),
            ["test_accuracy"] = run.TestAccuracy,
            ["initial_test_accuracy"] = run.Epochs[0].TestAccuracy,
            ["seconds"] = run.Seconds,
            ["first_epoch"] = Flow(run.Epochs[Math.Min(1, run.Epochs.Count - 1)]),
            ["last_epoch"] = Flow(last),
            ["curve"] = new JArray(run.Epochs.Select(EpochJson)),
        };
    }

    // One point of a run's curve in heaviside.json (and in partial.json when stopped).
    private static JObject EpochJson(HeavisideEpoch e) => new()
    {
        ["epoch"] = e.Epoch,
        ["test_accuracy"] = e.TestAccuracy,
        ["seconds"] = e.Seconds,
        ["hidden_active_fraction"] = e.HiddenActiveFraction,
        ["output_active_fraction"] = e.OutputActiveFraction,
        ["signal_nonzero_fraction"] = e.SignalNonZeroFraction,
        ["update_nonzero_fraction"] = e.UpdateNonZeroFraction,
        ["update_norm"] = e.UpdateNorm,
    };

    private static JObject Flow(HeavisideEpoch e) => new()
    {
        ["epoch"] = e.Epoch,
        ["hidden_active_fraction"] = e.HiddenActiveFraction,
        ["output_active_fraction"] = e.OutputActiveFraction,
        ["signal_nonzero_fraction"] = e.SignalNonZeroFraction,
        ["update_nonzero_fraction"] = e.UpdateNonZeroFraction,
        ["update_norm"] = e.UpdateNorm,
        ["test_tie_fraction"] = e.TestTieFraction,
        ["test_silent_fraction"] = e.TestSilentFraction,
    };

    private static readonly string[] Columns =
        ["run", "test accuracy", "range", "output units on", "hidden units on", "output units with signal", "parameters updated", "update norm", "test ties", "time"];

    // Accuracy over seeds, then the flow statistics of the last epoch (means over seeds), where the difference
    // the noise makes is plain.
    private static string[] Cells(HeavisideStudy study, HeavisideRule rule)
    {
        var accuracy = study.TestAccuracy(rule);
        double Last(Func<HeavisideEpoch, double> f) => study.Over(rule, run => f(run.Epochs[^1])).Mean;
        return
        [
            HeavisideExperiment.Label(rule),
            Invariant($"{accuracy.Mean * 100:F2}% ± {accuracy.StandardDeviation * 100:F2}"),
            Invariant($"{accuracy.Min * 100:F1}-{accuracy.Max * 100:F1}%"),
            Invariant($"{Last(e => e.OutputActiveFraction) * 100:F2}%"),
            Invariant($"{Last(e => e.HiddenActiveFraction) * 100:F2}%"),
            Invariant($"{Last(e => e.SignalNonZeroFraction) * 100:F2}%"),
            Invariant($"{Last(e => e.UpdateNonZeroFraction) * 100:F2}%"),
            Invariant($"{Last(e => e.UpdateNorm):G3}"),
            Invariant($"{Last(e => e.TestTieFraction) * 100:F1}%"),
            Invariant($"{study.Over(rule, run => run.Seconds).Mean:F1} s"),
        ];
    }

    private static string Table(HeavisideStudy study, DatasetSplit data)
    {
        var text = new StringBuilder(Tables.Aligned(Columns, Rules.Select(r => Cells(study, r)).ToList()));
        text.AppendLine(Invariant($"test accuracy after the last epoch: mean ± sample sd over seeds {string.Join(",", study.Seeds)}; chance {100.0 / data.Train.ClassCount:F0}%; flow columns: last training epoch, mean over seeds; ties in the argmax go to the lowest class index"));
        return text.ToString();
    }

    private static string Report(HeavisideStudy study, DatasetSplit data, IReadOnlyList<string> args)
    {
        var s = study.Settings;
        var md = Tables.Report($"LFP through Heaviside activations on {data.Train.Name}", "experiment heaviside", args);
        md.AppendLine(Invariant($"An MLP {Model(study)} with a step H(z) = [z > 0] after every layer, the output included, trained for {s.Epochs} epochs three ways from the same initial weights and data order, for each of the seeds {string.Join(", ", study.Seeds)}. Test accuracy after the last epoch, mean ± sample standard deviation over the seeds (chance: {100.0 / data.Train.ClassCount:F0}%):"));
        md.AppendLine();
        Tables.Markdown(md, Columns, Rules.Select(r => Cells(study, r)));
        md.AppendLine();
        md.AppendLine("The flow columns average over the batches of the last training epoch, then over the seeds: the fraction of output and hidden steps that are on (z > 0), of output units that receive a learning signal (LFP: a non-zero reward; gradient: a non-zero dL/dz), of parameters whose update is non-zero, and the update's L2 norm before clipping. `test ties`: test samples whose largest output is shared by several classes.");
        md.AppendLine();
        md.AppendLine("Test accuracy per seed:");
        md.AppendLine();
        Tables.Markdown(md, ["seed", .. Rules.Select(HeavisideExperiment.Label)],
            study.PerSeed.Select(r => (IReadOnlyList<string>)[Invariant($"{r.Settings.Seed}"), .. r.Runs.Select(run => Invariant($"{run.TestAccuracy * 100:F2}%"))]));
        md.AppendLine();
        md.AppendLine("A step network's accuracy is noisy: with step outputs many test samples tie (every output 0, or several 1) and fall to the lowest class, and a few weight changes flip whole groups of them. Read the mean and the range, not one seed.");
        md.AppendLine();
        Tables.Figure(md, "test accuracy per epoch, mean and range over seeds", PngFile, SvgFile, $"Per-epoch numbers of every run and seed: [{JsonFile}]({JsonFile}).");
        md.AppendLine();
        AppendWhyNoise(md, study);
        md.AppendLine("## Settings");
        md.AppendLine();
        md.AppendLine(Invariant($"- data: {data.Train.Name}, {data.Train.Count} training / {data.Test.Count} test samples"));
        md.AppendLine(Invariant($"- model: {Model(study)}, step after every layer; PyTorch's default initialisation from each seed, the same for the three runs of a seed; the same data order (EpochSchedule)"));
        md.AppendLine(Invariant($"- SGD lr {s.LearningRate:G6}, momentum {s.Momentum:G6}, global gradient-norm clip {s.ClipNorm:G6}, batch {s.BatchSize}, {s.Epochs} epochs, seeds {string.Join(", ", study.Seeds)}"));
        md.AppendLine(Invariant($"- LFP: softmax reward on the (noisy) step outputs, epsilon rule, grad = -feedback; noise std {s.NoiseStd:G6} on the input of every layer and on the output, training only (counter-based, seeded)"));
        md.AppendLine("- gradient: batch-mean cross-entropy on the outputs, backpropagated with the step's true derivative (zero); the same noise as LFP with noise");
        md.AppendLine("- evaluation: no noise; prediction = argmax of the outputs with ties going to the lowest class index. With step outputs ties are common (all outputs 0, or several 1), so an untrained or silenced network scores about the frequency of class 0, near chance.");
        md.AppendLine(Invariant($"- wall time: all runs train side by side (one thread each), so each run's time includes contention; mean per run: {string.Join(", ", Rules.Select(r => $"{HeavisideExperiment.Label(r)} {study.Over(r, run => run.Seconds).Mean:F1} s"))}"));
        return md.ToString();
    }

    private static void AppendWhyNoise(StringBuilder md, HeavisideStudy study)
    {
        md.AppendLine("## Why the noise matters");
        md.AppendLine();
        md.AppendLine("The softmax reward is `A = logits (.) (onehot(y) - softmax(logits))`. With a step on the output the logits are 0 or 1, so an output that is off receives no reward at all, and LFP's epsilon rule hands a layer below only the reward that reached the layer above, through inputs that are non-zero. An output that is on receives positive reward on the samples of its own class but negative reward on those of the nine others, so LFP mostly turns outputs off, while an output that is off is never pushed on (it receives nothing). Once every output is off, no reward flows anywhere and training stops for good, at the accuracy of the all-zero output (every sample is predicted as class 0 by the tie rule).");
        md.AppendLine();
        md.AppendLine("Gaussian noise on every layer input and on the output keeps every logit non-zero, so every output, the correct one included, receives reward on every sample, and the reward reaches the layers below through inputs that the noise makes non-zero. The measurements of this run (means over seeds):");
        md.AppendLine();
        md.AppendLine("| | epoch | output units on | output units with non-zero reward | parameters updated | update norm |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|");
        foreach (var rule in new[] { HeavisideRule.LfpNoise, HeavisideRule.LfpNoNoise })
            foreach (bool first in new[] { true, false })
            {
                HeavisideEpoch Pick(HeavisideRun run) => first ? run.Epochs[Math.Min(1, run.Epochs.Count - 1)] : run.Epochs[^1];
                double Mean(Func<HeavisideEpoch, double> f) => study.Over(rule, run => f(Pick(run))).Mean;
                md.AppendLine(Invariant($"| {HeavisideExperiment.Label(rule)} | {Pick(study.PerSeed[0].Run(rule)).Epoch} | {Mean(e => e.OutputActiveFraction) * 100:F2}% | {Mean(e => e.SignalNonZeroFraction) * 100:F2}% | {Mean(e => e.UpdateNonZeroFraction) * 100:F2}% | {Mean(e => e.UpdateNorm):G3} |"));
            }
        md.AppendLine();
        md.AppendLine("Without noise, per seed (last epoch; `silent from`: the epoch from which every test output stayed zero to the end):");
        md.AppendLine();
        md.AppendLine("| seed | output units on | output units with reward | test samples with all-zero output | silent from | with noise: output units with reward |");
        md.AppendLine("|---:|---:|---:|---:|---:|---:|");
        foreach (var result in study.PerSeed)
        {
            var quiet = result.LfpNoNoise;
            var last = quiet.Epochs[^1];
            int silentFrom = quiet.Epochs.Count;
            while (silentFrom > 1 && quiet.Epochs[silentFrom - 1].TestSilentFraction == 1.0) silentFrom--;
            string silence = silentFrom < quiet.Epochs.Count ? Invariant($"epoch {silentFrom}") : "never";
            md.AppendLine(Invariant($"| {result.Settings.Seed} | {last.OutputActiveFraction * 100:F2}% | {last.SignalNonZeroFraction * 100:F2}% | {last.TestSilentFraction * 100:F1}% | {silence} | {result.LfpNoise.Epochs[^1].SignalNonZeroFraction * 100:F2}% |"));
        }
        md.AppendLine();
        md.AppendLine("The gradient baseline has the same noise as LFP with noise, but its learning signal is dL/dz = dL/da · H'(z) = 0 at every unit: no parameter ever changes, and its accuracy is that of the untrained network.");
        md.AppendLine();
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
