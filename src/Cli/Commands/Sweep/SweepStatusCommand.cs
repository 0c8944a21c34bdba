using SpikeLfp.Sweeps;

namespace SpikeLfp.Cli.Commands.Sweep;

/// <summary>spikelfp sweep status S: how many tasks are done, running, failed, pending; the failing lines.</summary>
public sealed class SweepStatusCommand : ICommand
{
    public string Name => "status";
    public string Summary => "done / running / failed / pending, with the failing lines";
    public string Description => """
        Counts the tasks of S by state and lists every task that is not done: failed ones with their exit code and last stderr line, running ones with their host, process and SLURM job.
        """;

    public IReadOnlyList<Operand> Operands { get; } = [SweepCommand.Folder];

    public int Run(Arguments a, TextWriter output)
    {
        var sweep = SweepCommand.Open(Name, a);
        var states = TaskState.All(sweep);
        int Count(SweepTaskStatus s) => states.Count(t => t.Status == s);
        output.WriteLine($"{a.Operand(SweepCommand.Folder.Name)!}: {states.Count} tasks: {Count(SweepTaskStatus.Done)} done, {Count(SweepTaskStatus.Running)} running, {Count(SweepTaskStatus.Failed)} failed, {Count(SweepTaskStatus.Pending)} pending");
        foreach (var s in states.Where(s => s.Status != SweepTaskStatus.Done))
        {
            string detail = s.Status switch
            {
                SweepTaskStatus.Failed => $"exit {s.Failure!.ExitCode}: {s.Failure.LastError}",
                SweepTaskStatus.Running => s.Attempt ?? "",
                _ => s.Attempt is { } attempt ? $"stopped during an attempt ({attempt}); resumes from its checkpoint" : "",
            };
            output.WriteLine($"  {s.Status.ToString().ToLowerInvariant(),-8} task {s.Task.Index} ({s.Task.Label})" + (detail.Length > 0 ? ": " + detail : ""));
        }
        return 0;
    }
}
