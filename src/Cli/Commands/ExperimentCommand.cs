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
/// spikelfp experiment NAME: reproduces one of the LFP paper's claims with one command. Each experiment is an
/// <see cref="ICommand"/> of its own, named by its subcommand word.
/// </summary>
public sealed class ExperimentCommand : ICommand
{
    /// <summary>
    /// The experiments, in the order of the help text. Extension point: to add one (for example "prune"),
    /// write an <see cref="ICommand"/> whose Name is its subcommand word and add it here.
    /// </summary>
    public static IReadOnlyList<ICommand> Experiments { get; } =
    [
        new HeavisideExperimentCommand(),
        new PruneExperimentCommand(),
    ];

    public string Name => "experiment";
    public string Summary => "reproduce a claim of the LFP paper: " + string.Join(", ", Experiments.Select(e => e.Name));
    public string Help =>
        "spikelfp experiment NAME [flags]\n" +
        string.Join("\n", Experiments.Select(e => $"  {e.Name,-12} {e.Summary}")) + "\n\n" +
        string.Join("\n\n", Experiments.Select(e => e.Help));

    public int Run(IReadOnlyList<string> args, TextWriter output)
    {
        string names = string.Join(", ", Experiments.Select(e => e.Name));
        if (args.Count == 0) throw new UsageException($"which experiment? One of: {names} (see 'spikelfp experiment --help').");
        var experiment = Experiments.FirstOrDefault(e => e.Name == args[0])
            ?? throw new UsageException($"unknown experiment '{args[0]}'. Experiments: {names}.");
        return experiment.Run(args.Skip(1).ToArray(), output);
    }
}

/// <summary>
/// spikelfp experiment heaviside: an MLP with a step activation after every layer, the output included, trained
/// with LFP with and without training noise and with the gradient (whose step derivative is zero); writes
/// heaviside.json, heaviside.png/.svg and report.md.
/// </summary>
public sealed class HeavisideExperimentCommand : ICommand
{
    private const string Command = "experiment heaviside";
    private const string JsonFile = "heaviside.json", PngFile = "heaviside.png", SvgFile = "heaviside.svg", ReportFile = "report.md";
    private static readonly HashSet<string> ValueFlags = ["dataset", "data-dir", "epochs", "seed", "out", "limit"];

    public string Name => "heaviside";
    public string Summary => "train a step-activated MLP with LFP (with and without noise) and with gradients";
    public string Help => $"""
        spikelfp experiment heaviside [flags]
          Trains an MLP with a Heaviside step after every layer, the output included (inputs-120-84-classes), three
          ways from the same initial weights and data order: LFP with the softmax reward and Gaussian noise (std 0.1)
          on every layer input and on the output while training; LFP without noise; and cross-entropy gradients
          through the step's true derivative (zero). SGD lr 0.1, momentum 0.9, clip 3, batch 32. Writes {JsonFile},
          {PngFile}/.svg (test accuracy per epoch) and {ReportFile} into --out.
        {CommonOptions.DataHelp}
          --epochs N       passes over the training set (default {new HeavisideSettings().Epochs})
          --seed S         seed of initial weights, data order and noise (default 0)
        {CommonOptions.LimitAndOutHelp}
        """;

    public int Run(IReadOnlyList<string> args, TextWriter output)
    {
        var a = new Arguments(Command, args, ValueFlags, new HashSet<string>());
        var defaults = new HeavisideSettings();
        var settings = defaults with { Epochs = a.Int("epochs", defaults.Epochs, 1), Seed = a.Int("seed", defaults.Seed, 0) };
        var data = CommonOptions.Data(a);
        string folder = CommonOptions.OutputFolder(a, "heaviside");

        output.WriteLine(Invariant($"heaviside on {data.Train.Name}: model {data.Train.FeatureCount}-{string.Join("-", settings.HiddenSizes)}-{data.Train.ClassCount}, step after every layer, {settings.Epochs} epochs, seed {settings.Seed}, {data.Train.Count} train / {data.Test.Count} test samples"));
        int every = Math.Max(1, settings.Epochs / 10);
        var gate = new object();
        var result = HeavisideExperiment.Run(data, settings, (rule, e) =>
        {
            if (e.Epoch == 0 || (e.Epoch % every != 0 && e.Epoch != settings.Epochs)) return;
            lock (gate) output.WriteLine(Invariant($"  {HeavisideExperiment.Label(rule),-21} epoch {e.Epoch,4}/{settings.Epochs}  test {e.TestAccuracy * 100,6:F2}%  {e.Seconds,6:F1} s"));
        });

        output.WriteLine();
        output.Write(Table(result, data));
        AtomicFile.WriteAllText(Path.Combine(folder, JsonFile), ToJson(result, data).ToString(Formatting.Indented));
        var curves = result.Runs.Select(r => new RunCurve(HeavisideExperiment.Label(r.Rule),
            r.Epochs.Select(e => new CurvePoint(e.Epoch, e.Seconds, e.TestAccuracy)).ToList())).ToList();
        string title = $"Step-activated MLP {Model(result)} on {data.Train.Name} (seed {settings.Seed})";
        PlotExport.Save(Plots.TrainingCurves(curves, CurveAxis.Epoch, title), Path.Combine(folder, PngFile), 1000, 700);
        PlotExport.Save(Plots.TrainingCurves(curves, CurveAxis.Epoch, title), Path.Combine(folder, SvgFile), 1000, 700);
        AtomicFile.WriteAllText(Path.Combine(folder, ReportFile), Report(result, data, args));
        output.WriteLine($"wrote {Path.Combine(folder, JsonFile)}, {Path.Combine(folder, PngFile)}, {Path.Combine(folder, SvgFile)} and {Path.Combine(folder, ReportFile)}");
        return 0;
    }

    private static string Model(HeavisideResult r) => string.Join("-", r.Sizes);

    private static JObject ToJson(HeavisideResult result, DatasetSplit data)
    {
        var s = result.Settings;
        var json = new JObject
        {
            ["experiment"] = "heaviside",
            ["dataset"] = data.Train.Name,
            ["train_samples"] = data.Train.Count,
            ["test_samples"] = data.Test.Count,
            ["model"] = Model(result),
            ["lfp_noise_test_accuracy"] = result.LfpNoise.TestAccuracy,
            ["lfp_no_noise_test_accuracy"] = result.LfpNoNoise.TestAccuracy,
            ["gradient_test_accuracy"] = result.Gradient.TestAccuracy,
            ["chance_accuracy"] = 1.0 / data.Train.ClassCount,
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
                ["seed"] = s.Seed,
                ["reward"] = "softmax: A = logits (.) (onehot(y) - softmax(logits)); grad = -feedback",
                ["gradient_loss"] = "batch-mean cross-entropy on the outputs, step derivative 0",
                ["prediction"] = "argmax of the outputs without noise, ties -> lowest index (an all-zero output predicts class 0)",
                ["initialisation"] = "PyTorch nn.Linear default, identical for the three runs; identical data order (EpochSchedule)",
            },
            ["runs"] = new JObject(result.Runs.Select(r => new JProperty(HeavisideExperiment.Key(r.Rule), RunJson(r)))),
        };
        return json;
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
            ["curve"] = new JArray(run.Epochs.Select(e => new JObject
            {
                ["epoch"] = e.Epoch,
                ["test_accuracy"] = e.TestAccuracy,
                ["seconds"] = e.Seconds,
                ["hidden_active_fraction"] = e.HiddenActiveFraction,
                ["output_active_fraction"] = e.OutputActiveFraction,
                ["signal_nonzero_fraction"] = e.SignalNonZeroFraction,
                ["update_nonzero_fraction"] = e.UpdateNonZeroFraction,
                ["update_norm"] = e.UpdateNorm,
            })),
        };
    }

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
        ["run", "test accuracy", "output units on", "hidden units on", "output units with signal", "parameters updated", "update norm", "test ties", "time"];

    // The flow statistics of the last epoch, where the difference the noise makes is plain.
    private static string[] Cells(HeavisideRun r) =>
    [
        HeavisideExperiment.Label(r.Rule),
        Invariant($"{r.TestAccuracy * 100:F2}%"),
        Invariant($"{r.Epochs[^1].OutputActiveFraction * 100:F2}%"),
        Invariant($"{r.Epochs[^1].HiddenActiveFraction * 100:F2}%"),
        Invariant($"{r.Epochs[^1].SignalNonZeroFraction * 100:F2}%"),
        Invariant($"{r.Epochs[^1].UpdateNonZeroFraction * 100:F2}%"),
        Invariant($"{r.Epochs[^1].UpdateNorm:G3}"),
        Invariant($"{r.Epochs[^1].TestTieFraction * 100:F1}%"),
        Invariant($"{r.Seconds:F1} s"),
    ];

    private static string Table(HeavisideResult result, DatasetSplit data)
    {
        var text = new StringBuilder(Tables.Aligned(Columns, result.Runs.Select(Cells).ToList()));
        text.AppendLine(Invariant($"chance {100.0 / data.Train.ClassCount:F0}%; flow columns: last training epoch; ties in the argmax go to the lowest class index"));
        return text.ToString();
    }

    private static string Report(HeavisideResult result, DatasetSplit data, IReadOnlyList<string> args)
    {
        var s = result.Settings;
        var noisy = result.LfpNoise;
        var quiet = result.LfpNoNoise;
        var md = Tables.Report($"LFP through Heaviside activations on {data.Train.Name}", "experiment heaviside", args);
        md.AppendLine(Invariant($"An MLP {Model(result)} with a step H(z) = [z > 0] after every layer, the output included, trained for {s.Epochs} epochs from the same initial weights and data order three ways. Test accuracy after the last epoch (chance: {100.0 / data.Train.ClassCount:F0}%):"));
        md.AppendLine();
        Tables.Markdown(md, Columns, result.Runs.Select(Cells));
        md.AppendLine();
        md.AppendLine("The flow columns average over the batches of the last training epoch: the fraction of output and hidden steps that are on (z > 0), of output units that receive a learning signal (LFP: a non-zero reward; gradient: a non-zero dL/dz), of parameters whose update is non-zero, and the update's L2 norm before clipping. `test ties`: test samples whose largest output is shared by several classes.");
        md.AppendLine();
        md.AppendLine($"![test accuracy per epoch]({PngFile})");
        md.AppendLine();
        md.AppendLine($"Vector version: [{SvgFile}]({SvgFile}). Per-epoch numbers of every run: [{JsonFile}]({JsonFile}).");
        md.AppendLine();
        md.AppendLine("## Why the noise matters");
        md.AppendLine();
        md.AppendLine("The softmax reward is `A = logits (.) (onehot(y) - softmax(logits))`. With a step on the output the logits are 0 or 1, so an output that is off receives no reward at all, and LFP's epsilon rule hands a layer below only the reward that reached the layer above, through inputs that are non-zero. An output that is on receives positive reward on the samples of its own class but negative reward on those of the nine others, so LFP mostly turns outputs off, while an output that is off is never pushed on (it receives nothing). Once every output is off, no reward flows anywhere and training stops for good, at the accuracy of the all-zero output (every sample is predicted as class 0 by the tie rule).");
        md.AppendLine();
        md.AppendLine("Gaussian noise on every layer input and on the output keeps every logit non-zero, so every output, the correct one included, receives reward on every sample, and the reward reaches the layers below through inputs that the noise makes non-zero. The measurements of this run:");
        md.AppendLine();
        md.AppendLine("| | epoch | output units on | output units with non-zero reward | parameters updated | update norm |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|");
        foreach (var run in new[] { noisy, quiet })
            foreach (var e in new[] { run.Epochs[Math.Min(1, run.Epochs.Count - 1)], run.Epochs[^1] })
                md.AppendLine(Invariant($"| {HeavisideExperiment.Label(run.Rule)} | {e.Epoch} | {e.OutputActiveFraction * 100:F2}% | {e.SignalNonZeroFraction * 100:F2}% | {e.UpdateNonZeroFraction * 100:F2}% | {e.UpdateNorm:G3} |"));
        md.AppendLine();
        var quietLast = quiet.Epochs[^1];
        int silentFrom = quiet.Epochs.Count;
        while (silentFrom > 1 && quiet.Epochs[silentFrom - 1].TestSilentFraction == 1.0) silentFrom--;
        string silence = silentFrom < quiet.Epochs.Count ? Invariant($" (every test output was zero from epoch {silentFrom} on)") : "";
        md.AppendLine(Invariant($"Without noise, in the last epoch {quietLast.OutputActiveFraction * 100:F2}% of the output steps were on and {quietLast.SignalNonZeroFraction * 100:F2}% of the output units received reward; {quietLast.TestSilentFraction * 100:F1}% of the test samples gave an all-zero output{silence}. With noise every output unit received reward ({noisy.Epochs[^1].SignalNonZeroFraction * 100:F2}%)."));
        md.AppendLine();
        md.AppendLine("The gradient baseline has the same noise as LFP with noise, but its learning signal is dL/dz = dL/da · H'(z) = 0 at every unit: no parameter ever changes, and its accuracy is that of the untrained network.");
        md.AppendLine();
        md.AppendLine("## Settings");
        md.AppendLine();
        md.AppendLine(Invariant($"- data: {data.Train.Name}, {data.Train.Count} training / {data.Test.Count} test samples"));
        md.AppendLine(Invariant($"- model: {Model(result)}, step after every layer; PyTorch's default initialisation from seed {s.Seed}, the same for the three runs; the same data order (EpochSchedule)"));
        md.AppendLine(Invariant($"- SGD lr {s.LearningRate:G6}, momentum {s.Momentum:G6}, global gradient-norm clip {s.ClipNorm:G6}, batch {s.BatchSize}, {s.Epochs} epochs"));
        md.AppendLine(Invariant($"- LFP: softmax reward on the (noisy) step outputs, epsilon rule, grad = -feedback; noise std {s.NoiseStd:G6} on the input of every layer and on the output, training only (counter-based, seeded)"));
        md.AppendLine("- gradient: batch-mean cross-entropy on the outputs, backpropagated with the step's true derivative (zero); the same noise as LFP with noise");
        md.AppendLine("- evaluation: no noise; prediction = argmax of the outputs with ties going to the lowest class index. With step outputs ties are common (all outputs 0, or several 1), so an untrained or silenced network scores about the frequency of class 0, near chance.");
        md.AppendLine(Invariant($"- wall time: the three runs train side by side (one thread each), so each run's time includes contention; {string.Join(", ", result.Runs.Select(r => $"{HeavisideExperiment.Label(r.Rule)} {r.Seconds:F1} s"))}"));
        return md.ToString();
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
