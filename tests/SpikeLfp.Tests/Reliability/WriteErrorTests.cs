using System.Diagnostics;
using SpikeLfp.Learning.Training;

namespace SpikeLfp.Tests.Reliability;

/// <summary>
/// A write that fails (disk full, a read-only folder, the folder removed during a run) ends in exit 2 and one line
/// naming the file and the operating system's reason, never a stack trace or a leftover temporary file; what can be
/// checked before the work (the output folder takes files, bench --json's folder exists) is checked before it.
/// </summary>
public class WriteErrorTests : TempFolderTests
{
    private static string[] TempFiles(string folder)
        => Directory.Exists(folder) ? Directory.GetFiles(folder, "*.tmp", SearchOption.AllDirectories) : [];

    // Runs a program (mount, chattr) and tells whether it worked; a test that needs it skips otherwise.
    private static bool Tool(string program, params string[] args)
    {
        try
        {
            var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in args) start.ArgumentList.Add(a);
            using var process = Process.Start(start)!;
            process.WaitForExit();
            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception) { return false; }
    }

    // Makes a folder refuse new files: `chattr +i` as root (root ignores permissions), mode 555 otherwise.
    private static IDisposable ReadOnly(string folder)
    {
        if (Environment.UserName == "root")
        {
            if (!Tool("chattr", "+i", folder)) Assert.Ignore("needs `chattr +i` (root, a file system with immutable files) to make a folder read-only as root");
            return new Undo(() => Tool("chattr", "-i", folder));
        }
        if (!Tool("chmod", "555", folder)) Assert.Ignore("needs `chmod` to make a folder read-only");
        return new Undo(() => Tool("chmod", "755", folder));
    }

    private sealed class Undo(Action undo) : IDisposable
    {
        public void Dispose() => undo();
    }

    [Test]
    public void Disk_full_during_training_is_one_line_naming_the_checkpoint_and_the_last_good_checkpoint_survives()
    {
        // The case: a 1 MiB file system holds one 640 kB checkpoint but not its replacement next to it.
        string disk = Temp["disk"];
        Directory.CreateDirectory(disk);
        if (!Tool("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", disk)) Assert.Ignore("needs `mount -t tmpfs` (root) to fill a disk");
        try
        {
            string run = Path.Combine(disk, "run");
            var result = Cli.Run("train", "--model", "64-300-10", "--epochs", "4", "--limit", "100", "--threads", "2", "--checkpoint-every", "1", "--out", run);

            result.AssertUsageError(Path.Combine(run, Checkpoint.FileName) + "'", "No space left on device", "files saved before it are kept");
            Assert.That(TempFiles(run), Is.Empty, "no temporary file left");
            Assert.That(Checkpoint.Load(Checkpoint.PathIn(run)).Metrics, Has.Count.EqualTo(1), "the checkpoint of epoch 1 is intact");
        }
        finally { Tool("umount", disk); }
    }

    [Test]
    public void Resume_into_a_folder_that_takes_no_new_files_is_refused_before_training()
    {
        string run = Temp["run"];
        Assert.That(Cli.Run(["train", .. Cli.Quick, "--epochs", "1", "--checkpoint-every", "1", "--out", run]).ExitCode, Is.EqualTo(0));
        byte[] checkpoint = File.ReadAllBytes(Checkpoint.PathIn(run));

        CliResult result;
        using (ReadOnly(run)) result = Cli.Run(["train", .. Cli.Quick, "--epochs", "3", "--resume", "--out", run]);

        result.AssertUsageError("--out", "cannot write into", run);
        Assert.That(result.Output, Does.Not.Contain("epoch   2"), "refused before training");
        Assert.That(File.ReadAllBytes(Checkpoint.PathIn(run)), Is.EqualTo(checkpoint));
        Assert.That(TempFiles(run), Is.Empty);
    }

    [Test]
    public void Bench_json_into_a_read_only_or_missing_folder_is_refused_before_the_benchmark_runs()
    {
        string locked = Temp["locked"];
        Directory.CreateDirectory(locked);
        var clock = Stopwatch.StartNew();
        CliResult readOnly;
        using (ReadOnly(locked)) readOnly = Cli.Run("bench", "--quick", "--json", Path.Combine(locked, "b.json"));
        var missing = Cli.Run("bench", "--quick", "--json", Temp["missing/b.json"]);
        clock.Stop();

        readOnly.AssertUsageError("--json", "cannot write into", locked);
        missing.AssertUsageError("--json", Temp["missing"], "does not exist");
        Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(10)), "refused before the benchmark ran (it takes minutes)");
        Assert.That(Directory.GetFileSystemEntries(locked), Is.Empty);
    }

    [Test]
    public void The_output_folder_removed_during_a_run_is_one_line_naming_the_missing_folder()
    {
        string run = Temp["removed"];
        var training = Task.Run(() => Cli.Run(["train", .. Cli.Quick, "--epochs", "100000", "--checkpoint-every", "1", "--out", run]));
        var wait = Stopwatch.StartNew();
        while (!File.Exists(Checkpoint.PathIn(run)) && !training.IsCompleted && wait.Elapsed < TimeSpan.FromMinutes(2)) Thread.Sleep(20);
        Assert.That(File.Exists(Checkpoint.PathIn(run)), Is.True, "the first checkpoint was written");
        // The run may be creating a temporary file at that moment; try again until the folder is gone.
        while (Directory.Exists(run))
        {
            try { Directory.Delete(run, recursive: true); } catch (IOException) { Thread.Sleep(5); }
        }

        Assert.That(training.Wait(TimeSpan.FromMinutes(2)), Is.True, "the run stopped");
        // Which of the two messages depends on how far the removal got when the write failed; both name the cause.
        training.Result.AssertUsageError(run, "removed during the run");
        Assert.That(Directory.Exists(run), Is.False, "nothing was written after the folder was removed");
    }

    [Test]
    public void A_folder_named_model_json_inside_out_is_refused_before_the_run_and_left_alone()
    {
        string run = Temp["run"];
        Directory.CreateDirectory(Path.Combine(run, "model.json"));

        Cli.Run(["train", .. Cli.Quick, "--epochs", "1", "--out", run]).AssertUsageError("--out", run, "model.json");

        Assert.That(Directory.Exists(Path.Combine(run, "model.json")), Is.True);
        Assert.That(Directory.GetFileSystemEntries(run), Has.Length.EqualTo(1), "nothing written");
    }

    [TestCase("train", "--out")]
    [TestCase("bench", "--json")]
    [TestCase("plot", "--out")]
    public void An_empty_output_path_is_one_line(string command, string flag)
    {
        string[] args = command switch
        {
            "bench" => ["bench", "--quick", flag, ""],
            "plot" => ["plot", "curves", "--runs", Temp.Path, flag, ""],
            _ => [command, .. Cli.Quick, flag, ""],
        };
        Cli.Run(args).AssertUsageError(flag);
    }
}
