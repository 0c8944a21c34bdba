using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace SpikeLfp.Sweeps;

/// <summary>Where a task stands.</summary>
public enum SweepTaskStatus
{
    /// <summary>Not finished and not running: the next run or submission takes it (resuming from its checkpoint).</summary>
    Pending,
    /// <summary>A process holds its lock now.</summary>
    Running,
    /// <summary>Its command exited 0 (done.json).</summary>
    Done,
    /// <summary>Its last attempt exited with an error (failed.json); the next run or submission retries it.</summary>
    Failed,
}

/// <summary>A failed attempt: the exit code and the last line the command wrote to stderr.</summary>
/// <param name="ExitCode">The command's exit code.</param>
/// <param name="LastError">Its last non-empty stderr line.</param>
public sealed record TaskFailure(int ExitCode, string LastError);

/// <summary>One task and where it stands.</summary>
/// <param name="Task">The task.</param>
/// <param name="Status">Its status.</param>
/// <param name="Failure">For <see cref="SweepTaskStatus.Failed"/>, the failure.</param>
/// <param name="Attempt">Where the current or last unfinished attempt ran ("host vm, pid 123, SLURM job 45_3"), if known.</param>
public sealed record TaskState(SweepTask Task, SweepTaskStatus Status, TaskFailure? Failure, string? Attempt)
{
    /// <summary>The states of every task of <paramref name="folder"/>.</summary>
    public static IReadOnlyList<TaskState> All(SweepFolder folder) => folder.Tasks.Select(t => Of(folder, t)).ToList();

    /// <summary>The state of <paramref name="task"/>, from its files and lock.</summary>
    public static TaskState Of(SweepFolder folder, SweepTask task)
    {
        var files = folder.Files(task);
        if (File.Exists(files.Done)) return new(task, SweepTaskStatus.Done, null, null);
        string? attempt = ReadJson(files.Attempt) is { } a ? DescribeAttempt(a) : null;
        if (TaskLock.IsHeld(files)) return new(task, SweepTaskStatus.Running, null, attempt);
        if (ReadJson(files.Failed) is { } f)
            return new(task, SweepTaskStatus.Failed, new TaskFailure(f.Value<int>("exit_code"), f.Value<string>("last_error") ?? ""), attempt);
        return new(task, SweepTaskStatus.Pending, null, attempt);
    }

    private static string DescribeAttempt(JObject a)
        => $"host {a.Value<string>("host")}, pid {a.Value<int>("pid")}" + (a.Value<string>("slurm_job") is { } job ? $", SLURM job {job}" : "") + $", started {a.Value<string>("started")}";

    private static JObject? ReadJson(string path)
    {
        try { return File.Exists(path) ? JObject.Parse(File.ReadAllText(path)) : null; }
        catch (Exception e) when (e is JsonException or IOException) { return null; }
    }
}

/// <summary>
/// An exclusive lock on a task's folder (an advisory file lock, released by the kernel when its process dies),
/// so the same task never runs in two processes at once, whichever runner or array element started it.
/// </summary>
public static class TaskLock
{
    /// <summary>Takes the lock of a task, creating its folder; null when another process holds it.</summary>
    public static FileStream? TryTake(TaskFiles files)
    {
        Directory.CreateDirectory(files.Folder);
        // A few tries: 'sweep status' holds the lock for an instant when it probes it.
        for (int attempt = 0; ; attempt++)
        {
            var taken = TryOpen(files.Lock, FileMode.OpenOrCreate);
            if (taken is not null || attempt == 4) return taken;
            Thread.Sleep(50);
        }
    }

    /// <summary>True when a process holds the task's lock now.</summary>
    public static bool IsHeld(TaskFiles files)
    {
        if (!File.Exists(files.Lock)) return false;
        using var probe = TryOpen(files.Lock, FileMode.Open);
        return probe is null;
    }

    /// <summary>Opens <paramref name="path"/> exclusively; null when another process has it open that way.</summary>
    public static FileStream? TryOpen(string path, FileMode mode)
    {
        try { return new FileStream(path, mode, FileAccess.ReadWrite, FileShare.None); }
        catch (FileNotFoundException) { return null; }
        catch (IOException) { return null; }
    }
}
