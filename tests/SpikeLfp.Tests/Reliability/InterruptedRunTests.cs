using System.Diagnostics;
using Newtonsoft.Json.Linq;
using SpikeLfp.Learning.Training;

namespace SpikeLfp.Tests.Reliability;

/// <summary>
/// Interrupted runs at the command level: a real process killed with SIGKILL, Ctrl-C (a real SIGINT and the
/// in-process token), and --resume ending with a model.json byte-identical to an uninterrupted run.
/// </summary>
public class InterruptedRunTests : TempFolderTests
{
    // About a second of training on the full digits set: long enough to be killed in the middle.
    private static readonly string[] Long = ["--model", "64-32-10", "--steps", "10", "--batch", "32", "--epochs", "24", "--seed", "3"];

    private string Uninterrupted(string[] args)
    {
        string folder = Temp["reference"];
        var result = Cli.Run(["train", .. args, "--out", folder]);
        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
        return folder;
    }

    private static void AssertSameRun(string expectedFolder, string actualFolder)
    {
        Assert.That(File.ReadAllBytes(Path.Combine(actualFolder, "model.json")), Is.EqualTo(File.ReadAllBytes(Path.Combine(expectedFolder, "model.json"))),
            "model.json is byte-identical to the uninterrupted run");
        Assert.That(MetricsWithoutTimings(actualFolder), Is.EqualTo(MetricsWithoutTimings(expectedFolder)));
    }

    /// <summary>metrics.json with "seconds" and "samples_per_second" removed.</summary>
    public static string MetricsWithoutTimings(string folder)
    {
        var json = JObject.Parse(File.ReadAllText(Path.Combine(folder, "metrics.json")));
        foreach (var epoch in json["epochs"]!.Cast<JObject>()) { epoch.Remove("seconds"); epoch.Remove("samples_per_second"); }
        return json.ToString();
    }

    [Test]
    public void Run_killed_after_a_checkpoint_and_resumed_ends_with_a_byte_identical_model()
    {
        string reference = Uninterrupted(Long);
        string run = Temp["killed"];
        string checkpoint = Checkpoint.PathIn(run);
        var random = new Random();

        using (var process = Cli.Start(["train", .. Long, "--checkpoint-every", "1", "--out", run]))
        {
            var clock = Stopwatch.StartNew();
            while (!File.Exists(checkpoint) && !process.HasExited && clock.Elapsed < TimeSpan.FromSeconds(60)) Thread.Sleep(5);
            Assert.That(File.Exists(checkpoint), Is.True, "the first checkpoint was written: " + (process.HasExited ? process.StandardError.ReadToEnd() : "timeout"));
            Thread.Sleep(random.Next(0, 150)); // a random moment: inside an epoch, inside a checkpoint write, ...
            bool killed = !process.HasExited;
            process.Kill(); // SIGKILL: no handler runs, nothing is flushed
            process.WaitForExit();
            Assert.That(killed, Is.True, "the run was still going when it was killed (make Long longer if this fails)");
        }
        Assert.That(File.Exists(Path.Combine(run, "model.json")), Is.False, "a killed run wrote no model");
        Assert.That(() => Checkpoint.Load(checkpoint), Throws.Nothing, "the checkpoint on disk is whole");

        var resumed = Cli.Run("train", "--resume", "--out", run);

        Assert.That(resumed.ExitCode, Is.EqualTo(0), resumed.ToString());
        Assert.That(resumed.Output, Does.Contain("resuming"));
        AssertSameRun(reference, run);
    }

    [Test]
    public void Recurrent_cuba_run_on_rows_resumed_from_a_checkpoint_ends_with_a_byte_identical_model()
    {
        // Recurrent weights and their optimizer state travel through the checkpoint; the rows encoder's step count
        // (derived from the data, not given) is restored with it.
        string[] args = ["--encoder", "rows", "--model", "8-r20-10", "--neuron", "cuba", "--alpha", "0.5", "--limit", "300", "--seed", "2"];
        string reference = Uninterrupted([.. args, "--epochs", "2"]);
        string run = Temp["resumed"];
        var first = Cli.Run(["train", .. args, "--epochs", "1", "--checkpoint-every", "1", "--out", run]);
        Assert.That(first.ExitCode, Is.EqualTo(0), first.ToString());

        var resumed = Cli.Run("train", "--resume", "--epochs", "2", "--out", run);

        Assert.That(resumed.ExitCode, Is.EqualTo(0), resumed.ToString());
        AssertSameRun(reference, run);
        Assert.That(File.ReadAllText(Path.Combine(run, "model.json")), Does.Contain("recurrent_weights").And.Contain("\"cuba\""));
    }

    [Test]
    public void Ctrl_c_stops_at_a_batch_boundary_writes_a_checkpoint_and_says_how_to_resume()
    {
        string reference = Uninterrupted(Long);
        string run = Temp["interrupted"];
        var result = Cli.RunProcess(TimeSpan.FromSeconds(60), "train", "--help"); // warms the build output, checks the dll runs
        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());

        // Ctrl-C once the first epoch line is out, so it lands in the middle of training.
        var interrupted = Cli.SignalWhileRunning(["train", .. Long, "--out", run], "epoch", "INT");
        Assert.That(interrupted.ExitCode, Is.EqualTo(130), interrupted.ToString());
        Assert.That(interrupted.Error, Does.Contain($"spikelfp train --resume --out {run}"));
        Assert.That(interrupted.Error, Does.Not.Contain("   at "));
        Assert.That(File.Exists(Checkpoint.PathIn(run)), Is.True, "Ctrl-C wrote a checkpoint without --checkpoint-every");

        var resumed = Cli.Run("train", "--resume", "--out", run);
        Assert.That(resumed.ExitCode, Is.EqualTo(0), resumed.ToString());
        AssertSameRun(reference, run);
    }

    [Test]
    public void Repeated_interruptions_at_random_batches_resume_to_the_same_model()
    {
        string[] args = [.. Cli.Quick, "--epochs", "4"];
        string reference = Uninterrupted(args);
        string run = Temp["stop-and-go"];
        var random = new Random();

        // The first stop comes before any batch (a pre-cancelled token); later ones at random moments.
        using (var stopped = new CancellationTokenSource())
        {
            stopped.Cancel();
            var first = Cli.Run(stopped.Token, ["train", .. args, "--out", run]);
            Assert.That(first.ExitCode, Is.EqualTo(130), first.ToString());
            Assert.That(first.ErrorLine, Does.Contain("epoch 1, batch 1").And.Contain($"spikelfp train --resume --out {run}"));
        }
        int interruptions = 1;
        for (int attempt = 0; ; attempt++)
        {
            Assert.That(attempt, Is.LessThan(200), "the run finishes eventually");
            using var stop = new CancellationTokenSource(TimeSpan.FromMilliseconds(random.Next(1, 40)));
            var result = Cli.Run(stop.Token, "train", "--resume", "--out", run);
            if (result.ExitCode == 0) break;
            Assert.That(result.ExitCode, Is.EqualTo(130), result.ToString());
            interruptions++;
        }
        TestContext.Out.WriteLine($"{interruptions} interruptions");
        AssertSameRun(reference, run);
    }

    // ---------------------------------------------------------------- what --resume refuses

    private string CheckpointedRun()
    {
        string run = Temp["run"];
        var result = Cli.Run(["train", .. Cli.Quick, "--epochs", "2", "--lr", "0.03", "--checkpoint-every", "1", "--out", run]);
        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
        File.Delete(Path.Combine(run, "model.json"));
        return run;
    }

    private static Dictionary<string, byte[]> Snapshot(string folder)
        => Directory.GetFiles(folder).ToDictionary(f => f, File.ReadAllBytes);

    [TestCase("--lr", "0.5", "--lr 0.5", "--lr 0.03")]
    [TestCase("--seed", "7", "--seed 7", "the default")]
    [TestCase("--model", "64-20-10", "--model 64-20-10", "--model 64-16-10")]
    [TestCase("--steps", "9", "--steps 9", "--steps 6")]
    [TestCase("--optimizer", "adam", "--optimizer adam", "the default")]
    [TestCase("--beta", "0.5", "--beta 0.5", "the default")]
    [TestCase("--dataset", "mnist", "--dataset mnist", "the default")]
    public void Resume_refuses_flags_that_contradict_the_checkpoint(string flag, string value, string shown, string saved)
    {
        string run = CheckpointedRun();
        var before = Snapshot(run);

        var result = Cli.Run("train", "--resume", "--out", run, flag, value);

        Assert.That(result.ExitCode, Is.EqualTo(2), result.ToString());
        Assert.That(result.ErrorLine, Does.Contain(shown + " contradicts the checkpoint").And.Contain(saved));
        Assert.That(result.ErrorLine, Does.Not.Contain("\n"));
        Assert.That(Snapshot(run), Is.EqualTo(before), "nothing in the run folder changed");
    }

    [Test]
    public void Resume_accepts_flags_equal_to_the_checkpoint_and_a_longer_run()
    {
        string run = CheckpointedRun();
        var result = Cli.Run("train", "--resume", "--out", run, "--lr", "0.030", "--model", "64-16-10", "--epochs", "3", "--threads", "1");
        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
        Assert.That(JObject.Parse(File.ReadAllText(Path.Combine(run, "metrics.json")))["epochs"]!.Count(), Is.EqualTo(3));
    }

    [Test]
    public void Resume_refuses_fewer_epochs_than_already_trained()
    {
        string run = CheckpointedRun();
        var result = Cli.Run("train", "--resume", "--out", run, "--epochs", "1");
        Assert.That(result.ExitCode, Is.EqualTo(2), result.ToString());
        Assert.That(result.ErrorLine, Does.Contain("--epochs 1").And.Contain("epoch 2"));
    }

    [Test]
    public void Resume_without_a_checkpoint_is_refused_and_creates_nothing()
    {
        string missing = Temp["never-ran"];
        var result = Cli.Run("train", "--resume", "--out", missing);
        Assert.That(result.ExitCode, Is.EqualTo(2), result.ToString());
        Assert.That(result.ErrorLine, Does.Contain("never-ran").And.Contain("checkpoint.json"));
        Assert.That(Directory.Exists(missing), Is.False);

        string empty = Temp["empty-run"];
        Directory.CreateDirectory(empty);
        result = Cli.Run("train", "--resume", "--out", empty);
        Assert.That(result.ExitCode, Is.EqualTo(2), result.ToString());
        Assert.That(Directory.GetFileSystemEntries(empty), Is.Empty);
    }

    [Test]
    public void Resume_needs_out()
    {
        var result = Cli.Run("train", "--resume");
        Assert.That(result.ExitCode, Is.EqualTo(2), result.ToString());
        Assert.That(result.ErrorLine, Does.Contain("--resume needs --out"));
    }

    [Test]
    public void Resume_from_a_corrupt_checkpoint_is_refused_with_one_line()
    {
        string run = CheckpointedRun();
        string path = Checkpoint.PathIn(run);
        File.WriteAllText(path, File.ReadAllText(path)[..500]);
        var result = Cli.Run("train", "--resume", "--out", run);
        Assert.That(result.ExitCode, Is.EqualTo(2), result.ToString());
        Assert.That(result.ErrorLine, Does.Contain("checkpoint.json").And.Contain("not a valid checkpoint"));
        Assert.That(result.Error, Does.Not.Contain("   at "));
    }
}
