using System.Text;
using SpikeLfp.Network.IO;

namespace SpikeLfp.Sweeps;

/// <summary>
/// A planned sweep on disk: tasks.jsonl (one task a line), a copy of the sweep file, and per task a folder with
/// the command's output (run/), its logs and its state files (done.json, failed.json, attempt.json).
/// </summary>
public sealed class SweepFolder
{
    /// <summary>The task list written by <see cref="Plan"/>.</summary>
    public const string TasksFileName = "tasks.jsonl";
    /// <summary>The copy of the sweep file it was planned from.</summary>
    public const string SpecFileName = "sweep.json";

    private SweepFolder(string path, IReadOnlyList<SweepTask> tasks) { Path = System.IO.Path.GetFullPath(path); Tasks = tasks; }

    /// <summary>The sweep folder, absolute.</summary>
    public string Path { get; }

    /// <summary>The tasks in index order.</summary>
    public IReadOnlyList<SweepTask> Tasks { get; }

    /// <summary>
    /// Writes the plan into <paramref name="folder"/>. Planning the same sweep again is a no-op; a different plan
    /// over an existing one is refused, since finished tasks would no longer match their command lines.
    /// </summary>
    /// <returns>The folder, and false when the identical plan was already there.</returns>
    public static (SweepFolder Folder, bool Written) Plan(string folder, IReadOnlyList<SweepTask> tasks, string specText)
    {
        string tasksFile = System.IO.Path.Combine(folder, TasksFileName);
        string text = string.Concat(tasks.Select(t => t.ToJsonLine() + "\n"));
        if (File.Exists(tasksFile))
        {
            if (File.ReadAllText(tasksFile) == text) return (Open(folder), false);
            throw new SweepException($"--out: '{folder}' already holds a different sweep plan ({TasksFileName}); plan into a new folder.");
        }
        if (File.Exists(folder)) throw new SweepException($"--out: '{folder}' is a file, not a folder.");
        try
        {
            Directory.CreateDirectory(folder);
            AtomicFile.WriteAllText(System.IO.Path.Combine(folder, SpecFileName), specText);
            AtomicFile.WriteAllText(tasksFile, text);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SweepException($"--out: cannot write to '{folder}': {e.Message}");
        }
        return (Open(folder), true);
    }

    /// <summary>Opens a planned sweep folder.</summary>
    public static SweepFolder Open(string folder)
    {
        string tasksFile = System.IO.Path.Combine(folder, TasksFileName);
        if (!File.Exists(tasksFile))
            throw new SweepException($"'{folder}' is not a planned sweep (no {TasksFileName}); plan one with: spikelfp sweep plan SWEEP.json --out {folder}");
        var lines = File.ReadAllLines(tasksFile, Encoding.UTF8);
        var tasks = lines.Select((line, i) => SweepTask.FromJsonLine(line, $"{tasksFile}:{i + 1}")).ToList();
        for (int i = 0; i < tasks.Count; i++)
            if (tasks[i].Index != i) throw new SweepException($"{tasksFile}:{i + 1}: task index {tasks[i].Index}, expected {i}.");
        return new SweepFolder(folder, tasks);
    }

    /// <summary>The task with index <paramref name="index"/>, or a one-line error naming the valid range.</summary>
    public SweepTask Task(int index) => index >= 0 && index < Tasks.Count ? Tasks[index]
        : throw new SweepException($"--index {index}: the sweep in '{Path}' has tasks 0 to {Tasks.Count - 1}.");

    /// <summary>An absolute path inside the sweep folder.</summary>
    public string Full(string relative) => System.IO.Path.Combine(Path, relative);

    /// <summary>The files of one task.</summary>
    public TaskFiles Files(SweepTask task) => new(Full(task.Folder));
}

/// <summary>The files of one task's folder.</summary>
/// <param name="Folder">The task folder, absolute.</param>
public sealed record TaskFiles(string Folder)
{
    /// <summary>Written atomically after the command exited 0: the task is finished.</summary>
    public string Done => System.IO.Path.Combine(Folder, "done.json");
    /// <summary>The last failure: exit code and last stderr line.</summary>
    public string Failed => System.IO.Path.Combine(Folder, "failed.json");
    /// <summary>Written when an attempt starts: host, process, SLURM job.</summary>
    public string Attempt => System.IO.Path.Combine(Folder, "attempt.json");
    /// <summary>Held (an exclusive file lock) while a process runs the task, so it never runs twice at once.</summary>
    public string Lock => System.IO.Path.Combine(Folder, ".lock");
    /// <summary>The command's standard output, appended over attempts.</summary>
    public string Stdout => System.IO.Path.Combine(Folder, "stdout.log");
    /// <summary>The command's standard error, appended over attempts.</summary>
    public string Stderr => System.IO.Path.Combine(Folder, "stderr.log");
    /// <summary>The command's --out.</summary>
    public string Run => System.IO.Path.Combine(Folder, "run");
}
