using System.Text.RegularExpressions;
using SpikeLfp.Sweeps;

namespace SpikeLfp.Cli.Commands.Sweep;

/// <summary>spikelfp sweep slurm S [...]: writes S/sweep.sbatch, a job array over the unfinished tasks, and submits it.</summary>
public sealed partial class SweepSlurmCommand : ICommand
{
    public string Name => "slurm";
    public string Summary => "write S/sweep.sbatch, a job array over the unfinished tasks; --submit submits it";
    public string Description => """
        Writes S/sweep.sbatch: a SLURM job array (array index = task index) over the tasks that are neither done, running, nor still queued from an earlier submission, throttled to K at once (%K), with --requeue; element I runs 'spikelfp sweep task S --index I', resuming from the task's checkpoint. Logs go to S/slurm/. --submit calls sbatch and prints the job id. Run it again after failures or cancellations: it submits only what is missing or failed. S must be on a file system the compute nodes share.
        """;

    public IReadOnlyList<Operand> Operands { get; } = [SweepCommand.Folder];

    public IReadOnlyList<Flag> Flags { get; } =
    [
        new("partition", "P", "#SBATCH --partition"),
        new("time", "T", "#SBATCH --time per task: 30, 1:00:00 or 2-12:00:00"),
        new("cpus-per-task", "C", "#SBATCH --cpus-per-task"),
        new("mem", "M", "#SBATCH --mem per task: 4G, 500M"),
        new("max-parallel", "K", "at most K tasks at once (the array's %K)"),
        Flag.Switch("submit", "submit the script with sbatch and print the job id"),
    ];

    public int Run(Arguments a, TextWriter output)
    {
        var sweep = SweepCommand.Open(Name, a);
        var options = new SlurmOptions(
            Word(a, "partition"),
            Checked(a, "time", TimePattern(), "a SLURM time such as 30, 1:00:00 or 2-12:00:00"),
            a.Has("cpus-per-task") ? a.Int("cpus-per-task", 1, 1) : null,
            Checked(a, "mem", MemoryPattern(), "a size such as 4G or 500M"),
            a.Has("max-parallel") ? a.Int("max-parallel", 1, 1) : null);
        var (queued, problem) = SlurmArray.Queued(sweep);
        // Without the queue, tasks an earlier submission still holds would be submitted twice: refuse to submit.
        if (problem is not null && a.Has("submit")) throw new UsageException($"sweep slurm: cannot read the queue to find this sweep's queued tasks: {problem}.");
        if (problem is not null) output.WriteLine($"note: {problem}; the array also includes tasks an earlier submission may still hold");
        var indices = SlurmArray.Unfinished(sweep, queued);
        string queuedNote = queued.Count > 0 ? $" ({queued.Count} still queued from an earlier submission)" : "";
        if (indices.Count == 0)
        {
            output.WriteLine($"nothing to submit: no task of {sweep.Tasks.Count} is missing or failed{queuedNote}");
            return 0;
        }
        if (SlurmArray.MaxArraySize() is int max && indices[^1] >= max)
            throw new UsageException($"sweep slurm: task {indices[^1]} is beyond this cluster's MaxArraySize {max} (array indices must be below it); split the sweep into folders of at most {max} tasks.");
        string script = SlurmArray.Write(sweep, SlurmArray.Script(sweep, indices, options, SelfLauncher.Current()));
        output.WriteLine($"wrote {script}: array {SlurmArray.IndexList(indices)} ({indices.Count} of {sweep.Tasks.Count} tasks){queuedNote}");
        if (!a.Has("submit"))
        {
            output.WriteLine($"submit with: sbatch {Launcher.ShellQuote(script)}   (or run again with --submit)");
            return 0;
        }
        string job = SlurmArray.Submit(script);
        output.WriteLine($"submitted job {job}");
        output.WriteLine(job);
        return 0;
    }

    // Values that go into #SBATCH lines: one word, so a value cannot add a line or another option.
    private static string? Word(Arguments a, string name)
    {
        string? value = a.OptionalString(name);
        if (value is not null && (value.Length == 0 || !value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ',')))
            throw new UsageException($"sweep slurm: --{name} must be a plain name (letters, digits, - _ . ,), got '{OneLine(value)}'.");
        return value;
    }

    private static string? Checked(Arguments a, string name, Regex pattern, string what)
    {
        string? value = a.OptionalString(name);
        if (value is not null && !pattern.IsMatch(value)) throw new UsageException($"sweep slurm: --{name} must be {what}, got '{OneLine(value)}'.");
        return value;
    }

    private static string OneLine(string value) => value.Replace("\r", "\\r").Replace("\n", "\\n");

    [GeneratedRegex(@"^(\d+-)?\d+(:\d+){0,2}$")]
    private static partial Regex TimePattern();

    [GeneratedRegex(@"^\d+[KMGT]?$")]
    private static partial Regex MemoryPattern();
}
