using System.Diagnostics;
using SpikeLfp.Cli;
using SpikeLfp.Learning.Training;

namespace SpikeLfp.Tests.Reliability;

/// <summary>
/// No run is overwritten without --overwrite: a second command into an --out that holds results is refused, a folder
/// in use by another spikelfp process is refused, and plot and bench refuse to replace an existing file.
/// </summary>
public class OutputFolderTests : TempFolderTests
{
    // Every file of a folder but the lock file (which each claim rewrites), with its bytes.
    private static Dictionary<string, byte[]> Contents(string folder)
        => Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .Where(p => Path.GetFileName(p) != OutputFolder.LockFileName)
            .ToDictionary(p => Path.GetRelativePath(folder, p), File.ReadAllBytes);

    private static void AssertSucceeded(CliResult result) => Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());

    [Test]
    public void A_second_train_into_the_same_out_is_refused_and_the_first_run_is_unchanged_byte_for_byte()
    {
        string run = Temp["same"];
        AssertSucceeded(Cli.Run(["train", .. Cli.Quick, "--epochs", "2", "--checkpoint-every", "1", "--out", run]));
        var before = Contents(run);
        Assert.That(before.Keys, Does.Contain("model.json").And.Contain("metrics.json").And.Contain(Checkpoint.FileName));

        var second = Cli.Run(["train", .. Cli.QuickWithout(["--model"]), "--epochs", "1", "--seed", "7", "--model", "64-30-10", "--out", run]);

        second.AssertUsageError("--out", run, "already holds results", "--overwrite", "--resume");
        var after = Contents(run);
        Assert.That(after.Keys, Is.EquivalentTo(before.Keys), "no file added or removed");
        foreach (var (name, bytes) in before) Assert.That(after[name], Is.EqualTo(bytes), name + " is unchanged");
    }

    [Test]
    public void Overwrite_replaces_the_earlier_run_and_leaves_none_of_its_files()
    {
        string run = Temp["replaced"];
        AssertSucceeded(Cli.Run(["train", .. Cli.Quick, "--epochs", "1", "--checkpoint-every", "1", "--out", run]));

        var second = Cli.Run(["train", .. Cli.QuickWithout(["--model"]), "--epochs", "1", "--model", "64-30-10", "--overwrite", "--out", run]);

        AssertSucceeded(second);
        Assert.That(File.ReadAllText(Path.Combine(run, "model.json")), Does.Contain("64-30-10"), "the new run's model");
        Assert.That(File.Exists(Checkpoint.PathIn(run)), Is.False, "the first run's checkpoint went with it, so --resume cannot act on the old run");
        Cli.Run("train", "--resume", "--out", run).AssertUsageError("--resume", "has no checkpoint.json");
    }

    [Test]
    public void A_folder_spikelfp_did_not_write_is_refused_even_with_overwrite_and_keeps_its_files()
    {
        string folder = Temp["mine"];
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "notes.txt"), "my notes");

        Cli.Run(["train", .. Cli.Quick, "--epochs", "1", "--out", folder]).AssertUsageError("--out", folder, "is not empty", "notes.txt");
        Cli.Run(["train", .. Cli.Quick, "--epochs", "1", "--overwrite", "--out", folder]).AssertUsageError("--overwrite", folder, "did not write");

        Assert.That(Directory.GetFileSystemEntries(folder).Select(Path.GetFileName), Is.EqualTo(new[] { "notes.txt" }), "nothing added, nothing deleted");
        Assert.That(File.ReadAllText(Path.Combine(folder, "notes.txt")), Is.EqualTo("my notes"));
    }

    [Test]
    public void Resume_continues_a_run_in_its_folder_and_refuses_overwrite_with_it()
    {
        string run = Temp["resumed"];
        AssertSucceeded(Cli.Run(["train", .. Cli.Quick, "--epochs", "1", "--checkpoint-every", "1", "--out", run]));

        Cli.Run("train", "--resume", "--overwrite", "--out", run).AssertUsageError("--resume", "--overwrite", "one of them");
        var resumed = Cli.Run("train", "--resume", "--epochs", "2", "--out", run);

        AssertSucceeded(resumed);
        Assert.That(resumed.Output, Does.Contain("resuming"));
        Assert.That(InterruptedRunTests.MetricsWithoutTimings(run), Does.Contain("\"epoch\": 2"));
    }

    [Test]
    public void A_folder_in_use_by_a_running_train_is_refused_and_freed_when_that_process_is_killed()
    {
        string run = Temp["busy"];
        // Long enough to be running while the others try: it is killed below.
        using (var process = Cli.Start(["train", .. Cli.QuickWithout(["--limit"]), "--epochs", "200", "--out", run]))
        {
            string lockFile = Path.Combine(run, OutputFolder.LockFileName);
            var clock = Stopwatch.StartNew();
            // The process id is written into the lock file once the lock is held.
            while (!(File.Exists(lockFile) && new FileInfo(lockFile).Length > 0) && !process.HasExited && clock.Elapsed < TimeSpan.FromSeconds(60)) Thread.Sleep(10);
            Assert.That(process.HasExited, Is.False, "the first train is running: " + (process.HasExited ? process.StandardError.ReadToEnd() : ""));

            Cli.Run(["train", .. Cli.Quick, "--epochs", "1", "--out", run]).AssertUsageError("--out", run, "is in use by another spikelfp process");
            Cli.Run(["train", .. Cli.Quick, "--epochs", "1", "--overwrite", "--out", run]).AssertUsageError(run, "is in use by another spikelfp process");
            var second = Cli.RunProcess(TimeSpan.FromSeconds(60), ["train", .. Cli.Quick, "--epochs", "1", "--overwrite", "--out", run]);
            second.AssertUsageError(run, "is in use by another spikelfp process");

            Assert.That(process.HasExited, Is.False, "the first train was still running while the others were refused");
            process.Kill(); // SIGKILL: no cleanup runs; the kernel drops the lock with the process
            process.WaitForExit();
        }
        Assert.That(File.Exists(Path.Combine(run, OutputFolder.LockFileName)), Is.True, "the killed run's lock file is still there");

        AssertSucceeded(Cli.Run(["train", .. Cli.Quick, "--epochs", "1", "--overwrite", "--out", run]));
    }

    [TestCase("simulate", "--model", "MODEL", "--samples", "1", "--steps", "4")]
    [TestCase("compare", "--limit", "20", "--epochs", "1", "--seeds", "0", "--model", "64-8-10", "--surrogates", "atan")]
    [TestCase("experiment", "heaviside", "--limit", "20", "--epochs", "1", "--seeds", "0")]
    [TestCase("experiment", "prune", "--limit", "20", "--epochs", "1")]
    [TestCase("experiment", "convergence", "--limit", "20", "--epochs", "1", "--seeds", "0")]
    public void Every_command_writing_a_folder_refuses_one_holding_an_earlier_run(params string[] args)
    {
        string earlier = Temp["earlier"];
        AssertSucceeded(Cli.Run(["train", .. Cli.Quick, "--epochs", "1", "--out", earlier]));
        var before = Contents(earlier);
        var full = args.Select(v => v == "MODEL" ? Path.Combine(earlier, "model.json") : v).ToArray();

        var result = Cli.Run([.. full, "--out", earlier]);

        result.AssertUsageError("--out", earlier, "already holds results", "--overwrite");
        Assert.That(Contents(earlier).Keys, Is.EquivalentTo(before.Keys));
        foreach (var (name, bytes) in before) Assert.That(Contents(earlier)[name], Is.EqualTo(bytes), name);
    }

    [Test]
    public void Simulate_with_overwrite_replaces_an_earlier_simulation()
    {
        string run = Temp["run"], simulation = Temp["simulation"];
        AssertSucceeded(Cli.Run(["train", .. Cli.Quick, "--epochs", "1", "--out", run]));
        string[] args = ["simulate", "--model", Path.Combine(run, "model.json"), "--steps", "4", "--out", simulation];
        AssertSucceeded(Cli.Run([.. args, "--samples", "3"]));

        AssertSucceeded(Cli.Run([.. args, "--samples", "1", "--overwrite"]));

        Assert.That(File.Exists(Path.Combine(simulation, "raster-0.png")), Is.True);
        Assert.That(File.Exists(Path.Combine(simulation, "raster-2.png")), Is.False, "the earlier simulation's third raster is gone");
    }

    [Test]
    public void Plot_refuses_to_replace_an_existing_file_unless_overwrite()
    {
        string run = Temp["run"], plot = Temp["weights.svg"];
        AssertSucceeded(Cli.Run(["train", .. Cli.Quick, "--epochs", "1", "--out", run]));
        string[] args = ["plot", "weights", "--model", Path.Combine(run, "model.json"), "--out", plot];
        AssertSucceeded(Cli.Run(args));
        File.WriteAllText(plot, "an earlier plot");

        Cli.Run(args).AssertUsageError("--out", plot, "already exists", "--overwrite");
        Assert.That(File.ReadAllText(plot), Is.EqualTo("an earlier plot"));

        AssertSucceeded(Cli.Run([.. args, "--overwrite"]));
        Assert.That(File.ReadAllText(plot), Does.Contain("<svg"));
    }

    [Test]
    public void Bench_refuses_an_existing_json_file_before_it_runs()
    {
        string json = Temp["bench.json"];
        File.WriteAllText(json, "{\"earlier\": true}");
        var clock = Stopwatch.StartNew();

        Cli.Run("bench", "--quick", "--json", json).AssertUsageError("--json", json, "already exists", "--overwrite");

        Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(10)), "refused before the benchmark ran");
        Assert.That(File.ReadAllText(json), Is.EqualTo("{\"earlier\": true}"));
        Cli.Run("bench", "--quick", "--json", Temp.Path).AssertUsageError("--json", "is a folder");
    }

    [Test]
    public void An_out_that_is_a_symlink_loop_or_a_dangling_link_is_named_as_such()
    {
        string loop = Temp["loop"];
        File.CreateSymbolicLink(loop, Temp["loop2"]);
        File.CreateSymbolicLink(Temp["loop2"], loop);
        Cli.Run(["train", .. Cli.Quick, "--epochs", "1", "--out", loop]).AssertUsageError("--out", "symbolic link that cannot be followed");

        string dangling = Temp["dangling"];
        File.CreateSymbolicLink(dangling, Temp["nowhere"]);
        Cli.Run(["train", .. Cli.Quick, "--epochs", "1", "--out", dangling]).AssertUsageError("--out", "symbolic link to", "does not exist");
    }
}
