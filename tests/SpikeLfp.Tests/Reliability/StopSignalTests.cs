using Newtonsoft.Json.Linq;
using SpikeLfp.Cli;
using SpikeLfp.Cli.Commands;
using SpikeLfp.Learning.Training;

namespace SpikeLfp.Tests.Reliability;

/// <summary>
/// SIGINT and SIGTERM stop every long command the same way: at the next batch boundary, with what was done saved,
/// the way to continue printed, exit 130; a second signal does not kill the run half-way.
/// </summary>
public class StopSignalTests : TempFolderTests
{
    // Several seconds of training on the full digits set: a signal lands long before the end on a busy machine.
    private static readonly string[] Long = ["--model", "64-32-10", "--steps", "10", "--batch", "32", "--epochs", "24", "--seed", "3"];

    [Test]
    public void Sigterm_then_a_second_sigterm_stop_train_at_a_batch_boundary_with_a_checkpoint()
    {
        if (OperatingSystem.IsWindows()) Assert.Ignore("POSIX signals");
        string run = Temp["terminated"];
        // A second SIGTERM at once must not end the process before the checkpoint is written.
        var stopped = Cli.SignalWhileRunning(["train", .. Long, "--out", run], "epoch", "TERM", "TERM");
        Assert.That(stopped.ExitCode, Is.EqualTo(130), stopped.ToString());
        Assert.That(stopped.Error, Does.Contain("SIGTERM").And.Contain($"spikelfp train --resume --out {run}"));
        Assert.That(stopped.Error, Does.Not.Contain("   at "));
        Assert.That(File.Exists(Checkpoint.PathIn(run)), Is.True, "SIGTERM wrote a checkpoint");
        var resumed = Cli.Run("train", "--resume", "--out", run);
        Assert.That(resumed.ExitCode, Is.EqualTo(0), resumed.ToString());
    }

    /// <summary>Cancels when a line containing <paramref name="trigger"/> is written (the end of a compared run).</summary>
    private sealed class CancelOnLine(string trigger, CancellationTokenSource source) : StringWriter
    {
        public override void WriteLine(string? value)
        {
            base.WriteLine(value);
            if (value?.Contains(trigger, StringComparison.Ordinal) == true) source.Cancel();
        }
    }

    private static readonly string[] QuickCompare = ["--model", "64-16-10", "--limit", "100", "--steps", "6", "--epochs", "2", "--seeds", "0,1", "--surrogates", "atan", "--threads", "2"];

    /// <summary>The rows of a comparison.json without their timings, which differ between equal runs.</summary>
    internal static JArray Rows(string folder)
    {
        var rows = (JArray)JObject.Parse(File.ReadAllText(Path.Combine(folder, "comparison.json")))["rows"]!;
        foreach (var row in rows.Cast<JObject>()) { row.Remove("seconds"); row.Remove("samples_per_second"); }
        return rows;
    }

    [Test]
    public void Compare_stopped_after_a_run_saves_the_finished_runs_and_resumes_to_the_uninterrupted_result()
    {
        string reference = Temp["reference"];
        Assert.That(Cli.Run(["compare", .. QuickCompare, "--out", reference]).ExitCode, Is.EqualTo(0));

        string run = Temp["stopped"];
        using var stop = new CancellationTokenSource();
        var output = new CancelOnLine("seed 0  lfp", stop);
        var error = new StringWriter();
        int code = CommandLine.Run(["compare", .. QuickCompare, "--out", run], output, error, stop.Token);

        Assert.That(code, Is.EqualTo(130), error.ToString());
        Assert.That(error.ToString(), Does.Contain("seed 0, surrogate atan").And.Contain($"spikelfp compare --resume --out {run}"));
        var saved = JObject.Parse(File.ReadAllText(Path.Combine(run, CompareProgress.FileName)));
        Assert.That(saved["runs"]!.Count(), Is.EqualTo(1), "the finished LFP run of seed 0 is saved");
        Assert.That(File.Exists(Path.Combine(run, "comparison.json")), Is.False);

        Cli.Run("compare", "--resume", "--out", run, "--lfp-lr", "1").AssertUsageError("--resume", "--lfp-lr");
        var resumed = Cli.Run("compare", "--resume", "--out", run, "--threads", "1");
        Assert.That(resumed.ExitCode, Is.EqualTo(0), resumed.ToString());
        Assert.That(Rows(run).ToString(), Is.EqualTo(Rows(reference).ToString()), "the same accuracies, spike rates and weights as the uninterrupted comparison");
    }

    [TestCase(0)]
    [TestCase(150)]
    public void Compare_stopped_inside_the_lfp_run_saves_its_checkpoint_and_resumes_to_the_uninterrupted_result(int afterMilliseconds)
    {
        // Longer runs than QuickCompare's (300 samples, 8 epochs), so a stop after 150 ms lands inside them.
        string[] args = ["compare", "--model", "64-16-10", "--limit", "300", "--steps", "6", "--epochs", "8", "--seeds", "0,1", "--surrogates", "atan", "--threads", "2"];
        string reference = Temp["reference"];
        Assert.That(Cli.Run([.. args, "--out", reference]).ExitCode, Is.EqualTo(0));

        // 0 ms: stopped before the first batch; 150 ms: somewhere in the first runs, wherever this machine has got to.
        string run = Temp["stopped"];
        using (var stop = new CancellationTokenSource())
        {
            if (afterMilliseconds == 0) stop.Cancel(); else stop.CancelAfter(afterMilliseconds);
            var stopped = Cli.Run(stop.Token, [.. args, "--out", run]);
            if (stopped.ExitCode == 0) Assert.Ignore("the comparison finished before the stop arrived");
            Assert.That(stopped.ExitCode, Is.EqualTo(130), stopped.ToString());
            if (afterMilliseconds == 0)
            {
                Assert.That(stopped.ErrorLine, Does.Contain("seed 0, lfp, epoch 1").And.Contain("the run in progress in"));
                Assert.That(File.Exists(CompareProgress.LfpCheckpointPath(run, 0)), Is.True);
            }
        }
        for (int attempt = 0; ; attempt++)
        {
            // Stopped again while resuming, now and then: each resume continues where the last one stopped.
            using var stop = new CancellationTokenSource(attempt < 3 ? afterMilliseconds + 100 : int.MaxValue);
            var resumed = Cli.Run(stop.Token, "compare", "--resume", "--out", run);
            if (resumed.ExitCode == 0) break;
            Assert.That(resumed.ExitCode, Is.EqualTo(130), resumed.ToString());
        }
        Assert.That(Rows(run).ToString(), Is.EqualTo(Rows(reference).ToString()));
        Assert.That(Directory.EnumerateFiles(run, "*.checkpoint.json"), Is.Empty, "the checkpoints of finished runs are removed");
    }

    [Test]
    public void Compare_stopped_inside_a_surrogate_run_resumes_from_its_last_epoch_to_the_uninterrupted_result()
    {
        string[] args = ["compare", "--model", "64-16-10", "--limit", "300", "--steps", "6", "--epochs", "8", "--seeds", "0", "--surrogates", "atan", "--threads", "1"];
        string reference = Temp["reference"];
        Assert.That(Cli.Run([.. args, "--out", reference]).ExitCode, Is.EqualTo(0));
        // The surrogate run's median epoch time on this machine now, from the reference's saved runs: the stop comes
        // about 3.5 epochs into the run.
        var surrogateRun = JObject.Parse(File.ReadAllText(Path.Combine(reference, CompareProgress.FileName)))["runs"]![1]!;
        var seconds = surrogateRun["epochs"]!.Select(e => e.Value<double>("seconds")).Order().ToArray();
        var epoch = TimeSpan.FromSeconds(seconds[seconds.Length / 2]);

        string run = Temp["stopped"];
        using var stop = new CancellationTokenSource();
        var output = new StopAfterLine("seed 0  lfp", stop, epoch * 3.5);
        var error = new StringWriter();
        int code = CommandLine.Run([.. args, "--out", run], output, error, stop.Token);
        if (code == 0) Assert.Ignore($"the comparison finished before the stop arrived (epoch {epoch.TotalSeconds:F2} s)");
        Assert.That(code, Is.EqualTo(130), error.ToString());
        string checkpoint = CompareProgress.CheckpointPath(run, new Learning.Training.TrainingRule(Learning.Surrogate.SurrogateSpec.Default), 0);
        if (!File.Exists(checkpoint)) Assert.Ignore($"the stop landed before the surrogate run finished an epoch: {error}");
        Assert.That(error.ToString(), Does.Contain("seed 0, surrogate atan, epoch").And.Contain(checkpoint).And.Contain("the epoch in progress is trained again"));
        var saved = Checkpoint.Load(checkpoint);
        Assert.That(saved.CompletedEpochs, Is.InRange(1, 7));

        var resumed = Cli.Run("compare", "--resume", "--out", run);
        Assert.That(resumed.ExitCode, Is.EqualTo(0), resumed.ToString());
        Assert.That(Rows(run).ToString(), Is.EqualTo(Rows(reference).ToString()), "the same accuracies, spike rates and weights as the uninterrupted comparison");
        Assert.That(File.Exists(checkpoint), Is.False, "the checkpoint of the finished run is removed");
    }

    [Test]
    public void A_surrogate_checkpoint_of_another_model_is_refused_on_resume()
    {
        string[] args = ["compare", "--model", "64-16-10", "--limit", "100", "--steps", "6", "--epochs", "2", "--seeds", "0", "--surrogates", "atan"];
        string run = Temp["stopped"];
        using (var stop = new CancellationTokenSource())
        {
            var output = new CancelOnLine("seed 0  lfp", stop);
            Assert.That(CommandLine.Run([.. args, "--out", run], output, new StringWriter(), stop.Token), Is.EqualTo(130));
        }
        // A checkpoint of the surrogate run of a wider model, as if copied in from another comparison.
        var rule = new Learning.Training.TrainingRule(Learning.Surrogate.SurrogateSpec.Default);
        var wider = Network.Model.SpikingNetwork.Create([64, 20, 10], Neurons.LifParameters.Default, 0);
        var lfp = new TrainingOptions { Steps = 6, BatchSize = 32, Epochs = 2, Seed = 0, Optimizer = Learning.Optimizers.OptimizerKind.Adam, LearningRate = 1e-3f, Momentum = 0, ClipNorm = 0 };
        var empty = new Learning.Optimizers.OptimizerState(Learning.Optimizers.OptimizerKind.Adam, 0, new Dictionary<string, float[][]> { ["m"] = [], ["v"] = [] });
        var metrics = new EpochMetrics(1, 0.1, 0.1, 2.3, new Dictionary<string, double> { ["hidden1"] = 0.1, ["output"] = 0.1 }, 1, 100);
        new Checkpoint(rule, lfp, wider, empty, [metrics], null, new Dictionary<string, string>())
            .Save(CompareProgress.CheckpointPath(run, rule, 0));
        Cli.Run("compare", "--resume", "--out", run).AssertUsageError("--resume", "64-20-10", "64-16-10");
    }

    /// <summary>Cancels <paramref name="delay"/> after a line containing <paramref name="trigger"/> is written.</summary>
    private sealed class StopAfterLine(string trigger, CancellationTokenSource source, TimeSpan delay) : StringWriter
    {
        public override void WriteLine(string? value)
        {
            base.WriteLine(value);
            if (value?.Contains(trigger, StringComparison.Ordinal) == true) source.CancelAfter(delay);
        }
    }

    [Test]
    public void Ctrl_c_during_compare_stops_it_with_exit_130_and_the_finished_runs_saved()
    {
        if (OperatingSystem.IsWindows()) Assert.Ignore("POSIX signals");
        string run = Temp["compare"];
        // More epochs than QuickCompare, so that three runs are still to go when the first one's line is out.
        string[] longer = ["--model", "64-16-10", "--limit", "300", "--steps", "6", "--epochs", "20", "--seeds", "0,1", "--surrogates", "atan", "--threads", "2"];
        var stopped = Cli.SignalWhileRunning(["compare", .. longer, "--out", run], "  seed 0", "INT");
        Assert.That(stopped.ExitCode, Is.EqualTo(130), stopped.ToString());
        Assert.That(stopped.Error, Does.Contain($"spikelfp compare --resume --out {run}").And.Not.Contain("   at "));
        Assert.That(JObject.Parse(File.ReadAllText(Path.Combine(run, CompareProgress.FileName)))["runs"]!.Count(), Is.GreaterThanOrEqualTo(1));
    }

    [Test]
    public void An_experiment_stopped_before_training_writes_an_empty_partial_result_and_exits_130()
    {
        using var stop = new CancellationTokenSource();
        stop.Cancel();
        string folder = Temp["h"];
        var result = Cli.Run(stop.Token, "experiment", "heaviside", "--limit", "50", "--epochs", "1", "--seeds", "0", "--out", folder);
        Assert.That(result.ExitCode, Is.EqualTo(130), result.ToString());
        Assert.That(result.ErrorLine, Does.Contain("interrupted").And.Contain("0 of 3 runs finished").And.Contain("--overwrite"));
        var partial = JObject.Parse(File.ReadAllText(Path.Combine(folder, PartialResults.FileName)));
        Assert.That(partial.Value<bool>("partial"), Is.True);
        Assert.That(File.Exists(Path.Combine(folder, "heaviside.json")), Is.False);
    }

    // Heaviside and convergence print a line when a run finishes: stopped then, the others are part-way.
    [TestCase("heaviside", "heaviside.json")]
    [TestCase("convergence", "convergence.json")]
    public void An_experiment_stopped_after_a_run_saves_the_measured_epochs_as_partial_and_says_how_to_rerun(string experiment, string result)
    {
        string folder = Temp[experiment];
        string[] args = ["experiment", experiment, "--limit", "300", "--epochs", "6", "--seeds", "0,1", "--out", folder];
        using var stop = new CancellationTokenSource();
        var output = new CancelOnLine("after 6 epochs", stop);
        var error = new StringWriter();
        int code = CommandLine.Run(args, output, error, stop.Token);

        Assert.That(code, Is.EqualTo(130), error.ToString());
        string message = error.ToString();
        Assert.That(message, Does.Contain(Path.Combine(folder, PartialResults.FileName)).And.Contain("marked partial")
            .And.Contain($"spikelfp experiment {experiment} --limit 300 --epochs 6 --seeds 0,1 --out {folder} --overwrite").And.Not.Contain("   at "));
        var partial = JObject.Parse(File.ReadAllText(Path.Combine(folder, PartialResults.FileName)));
        Assert.That(partial.Value<bool>("partial"), Is.True);
        var runs = partial["runs"]!.Cast<JObject>().ToList();
        Assert.That(runs.Count(r => r.Value<bool>("finished")), Is.GreaterThanOrEqualTo(1), partial.ToString());
        var finished = runs.First(r => r.Value<bool>("finished"));
        Assert.That(finished["curve"]!.Select(e => e.Value<int>("epoch")), Is.EqualTo(Enumerable.Range(0, 7)), "epoch 0 (untrained) to 6");
        Assert.That(finished["curve"]!.All(e => e["test_accuracy"] is not null), Is.True);
        Assert.That(File.Exists(Path.Combine(folder, result)), Is.False, "no result file from a stopped experiment");
        Assert.That(File.Exists(Path.Combine(folder, "report.md")), Is.False);

        var rerun = Cli.Run(args);
        rerun.AssertUsageError("--overwrite");
    }

    [Test]
    public void Prune_stopped_part_way_saves_the_trained_epochs_as_partial()
    {
        // Long enough (300 samples, 300 epochs of each of two rules) that a stop after 3 s lands inside training.
        string folder = Temp["prune"];
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(3));
        var error = new StringWriter();
        int code = CommandLine.Run(["experiment", "prune", "--model", "64-32-10", "--limit", "300", "--epochs", "300", "--out", folder], new StringWriter(), error, stop.Token);
        if (code == 0) Assert.Ignore("the experiment finished before the stop arrived");
        Assert.That(code, Is.EqualTo(130), error.ToString());
        var partial = JObject.Parse(File.ReadAllText(Path.Combine(folder, PartialResults.FileName)));
        Assert.That(partial.Value<bool>("partial"), Is.True);
        // Stopped in the LFP run's first epoch there is nothing to list; otherwise LFP's epochs come first.
        if (partial["runs"]!.Any()) Assert.That(partial["runs"]![0]!.Value<string>("rule"), Is.EqualTo("lfp"));
        Assert.That(File.Exists(Path.Combine(folder, "prune.json")), Is.False);
    }

    [Test]
    public void Simulate_stopped_before_it_starts_exits_130_and_writes_nothing()
    {
        string model = Temp["model.json"];
        Network.Model.ModelFile.Save(Network.Model.SpikingNetwork.Create([64, 16, 10], Neurons.LifParameters.Default, 0), model);
        using var stop = new CancellationTokenSource();
        stop.Cancel();
        var result = Cli.Run(stop.Token, "simulate", "--model", model, "--out", Temp["s"]);
        Assert.That(result.ExitCode, Is.EqualTo(130), result.ToString());
        Assert.That(result.ErrorLine, Does.Contain("nothing was written"));
        Assert.That(Directory.EnumerateFiles(Temp["s"]).Select(Path.GetFileName), Is.EquivalentTo(new[] { OutputFolder.LockFileName }));
    }
}
