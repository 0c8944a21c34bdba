using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using SpikeLfp.Learning.Training;
using SpikeLfp.Network.IO;

namespace SpikeLfp.Sweeps;

/// <summary>How one attempt at a task ended.</summary>
public enum TaskOutcome
{
    /// <summary>It was finished before; nothing ran.</summary>
    AlreadyDone,
    /// <summary>Another process runs it; nothing ran.</summary>
    Busy,
    /// <summary>The command exited 0; done.json is written.</summary>
    Done,
    /// <summary>The command failed; failed.json holds its exit code and last stderr line.</summary>
    Failed,
    /// <summary>Stopped on request; the task stays pending and resumes from its checkpoint.</summary>
    Interrupted,
}

/// <summary>
/// Runs one task as a child process inside the sweep folder, under the task's lock: continues from the run's
/// checkpoint when there is one, appends the command's output to the task's logs, and records the outcome.
/// </summary>
public static class TaskRunner
{
    /// <summary>Exit code of a spikelfp command that stopped on Ctrl-C after saving its state.</summary>
    public const int InterruptedExitCode = 130;

    /// <summary>What a stopped compare leaves in its run folder: its finished runs, continued by compare --resume.</summary>
    public const string CompareProgressFile = "compare-progress.json";

    // compare --resume takes only where and how fast it runs (the saved comparison sets the rest).
    private static readonly string[] CompareResumeFlags = ["--out", "--threads", "--torch-threads", "--device"];

    /// <summary>How long a stopped command may take to write its checkpoint before it is killed.</summary>
    public static readonly TimeSpan InterruptGrace = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The task's command line for one attempt: with --resume when a stopped attempt left something to continue
    /// (train: its checkpoint; compare: its finished runs, and only the flags compare --resume accepts), otherwise
    /// with --overwrite, which replaces what a failed attempt left in the run folder.
    /// </summary>
    public static List<string> Arguments(SweepTask task, bool resume)
    {
        if (!resume) return [.. task.Args, "--overwrite"];
        if (task.Command != "compare") return [.. task.Args, "--resume"];
        var args = new List<string> { "compare", "--resume" };
        for (int i = 1; i + 1 < task.Args.Count; i++)
        {
            if (CompareResumeFlags.Contains(task.Args[i])) args.AddRange([task.Args[i], task.Args[i + 1]]);
        }
        return args;
    }

    /// <summary>
    /// Runs <paramref name="task"/> unless it is finished or running elsewhere; <paramref name="cancellation"/> stops it.
    /// <paramref name="childSawInterrupt"/>, asked when stopping, is true when the child received the same Ctrl-C
    /// (a terminal's), so it is not sent another; otherwise it is sent one.
    /// </summary>
    public static TaskOutcome Run(SweepFolder folder, SweepTask task, Launcher launcher, CancellationToken cancellation, Func<bool>? childSawInterrupt = null)
    {
        var files = folder.Files(task);
        if (File.Exists(files.Done)) return TaskOutcome.AlreadyDone;
        using var taskLock = TaskLock.TryTake(files);
        if (taskLock is null) return TaskOutcome.Busy;
        if (File.Exists(files.Done)) return TaskOutcome.AlreadyDone; // finished between the first look and the lock
        if (cancellation.IsCancellationRequested) return TaskOutcome.Interrupted;

        bool resume = task.Checkpoints && File.Exists(Checkpoint.PathIn(files.Run))
            || task.Command == "compare" && File.Exists(Path.Combine(files.Run, CompareProgressFile));
        var args = Arguments(task, resume);
        var clock = Stopwatch.StartNew();
        WriteState(files.Attempt, new JObject
        {
            ["host"] = Environment.MachineName,
            ["pid"] = Environment.ProcessId,
            ["slurm_job"] = SlurmJob(),
            ["started"] = Now(),
            ["resumed"] = resume,
        });
        var (exitCode, lastError) = RunProcess(folder.Path, launcher, args, files, cancellation, childSawInterrupt ?? (() => false));
        File.Delete(files.Attempt);
        if (exitCode == 0)
        {
            WriteState(files.Done, new JObject
            {
                ["exit_code"] = 0,
                ["seconds"] = Math.Round(clock.Elapsed.TotalSeconds, 3),
                ["finished"] = Now(),
                ["host"] = Environment.MachineName,
                ["resumed"] = resume,
            });
            File.Delete(files.Failed);
            return TaskOutcome.Done;
        }
        if (cancellation.IsCancellationRequested || exitCode == InterruptedExitCode) return TaskOutcome.Interrupted;
        WriteState(files.Failed, new JObject
        {
            ["exit_code"] = exitCode,
            ["last_error"] = lastError ?? "(nothing on stderr)",
            ["finished"] = Now(),
            ["host"] = Environment.MachineName,
        });
        return TaskOutcome.Failed;
    }

    private static (int ExitCode, string? LastError) RunProcess(string workingDirectory, Launcher launcher, List<string> args, TaskFiles files,
        CancellationToken cancellation, Func<bool> childSawInterrupt)
    {
        var start = new ProcessStartInfo(launcher.FileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string a in launcher.Prefix.Concat(args)) start.ArgumentList.Add(a);
        using var stdout = new StreamWriter(files.Stdout, append: true) { AutoFlush = true };
        using var stderr = new StreamWriter(files.Stderr, append: true) { AutoFlush = true };
        string header = $"--- {Now()} spikelfp {string.Join(" ", args.Select(Launcher.ShellQuote))}";
        stdout.WriteLine(header);
        stderr.WriteLine(header);
        string? lastError = null;
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (stdout) stdout.WriteLine(e.Data); };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (stderr) stderr.WriteLine(e.Data);
            if (!string.IsNullOrWhiteSpace(e.Data)) lastError = e.Data.Trim();
        };
        try { process.Start(); }
        catch (System.ComponentModel.Win32Exception e) { throw new SweepException($"cannot start '{launcher.FileName}': {e.Message}"); }
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using (cancellation.Register(() => Stop(process, forward: !childSawInterrupt())))
            process.WaitForExit();
        return (process.ExitCode, lastError);
    }

    // SIGTERM for the child, which stops on it as on Ctrl-C: it saves a checkpoint at the next batch and exits 130;
    // killed if it takes too long. Not SIGINT: a sweep started in the background of a script (`spikelfp sweep run S &`)
    // passes SIGINT on as ignored, and its tasks would run on. When the child got the same Ctrl-C (typed in a
    // terminal, same process group) it is not sent another signal: a second one ends a spikelfp command without saving.
    private static void Stop(Process process, bool forward)
    {
        _ = System.Threading.Tasks.Task.Run(async () =>
        {
            try
            {
                if (forward && (OperatingSystem.IsWindows() || Interrupt(process.Id, SigTerm) != 0)) { process.Kill(entireProcessTree: true); return; }
                await System.Threading.Tasks.Task.Delay(InterruptGrace);
                if (!process.HasExited) process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException) { } // it exited and was disposed meanwhile
        });
    }

    private const int SigTerm = 15;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Interrupt(int pid, int signal);

    private static string? SlurmJob()
    {
        string? array = Environment.GetEnvironmentVariable("SLURM_ARRAY_JOB_ID"), element = Environment.GetEnvironmentVariable("SLURM_ARRAY_TASK_ID");
        return array is not null && element is not null ? $"{array}_{element}" : Environment.GetEnvironmentVariable("SLURM_JOB_ID");
    }

    private static string Now() => DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    private static void WriteState(string path, JObject state) => AtomicFile.WriteAllText(path, state.ToString(Formatting.Indented));
}
