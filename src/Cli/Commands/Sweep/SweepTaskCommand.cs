using SpikeLfp.Sweeps;

namespace SpikeLfp.Cli.Commands.Sweep;

/// <summary>spikelfp sweep task S --index I: runs one task (what each SLURM array element does).</summary>
public sealed class SweepTaskCommand : IInterruptibleCommand
{
    public string Name => "task";
    public string Summary => "run one task (each SLURM array element runs this)";
    public string Description => """
        Runs task I of S unless it is finished or another process runs it, continuing from its checkpoint. Exit 0 when the task is done, 1 when its command failed, 130 when stopped (SIGTERM or Ctrl-C).
        """;

    public IReadOnlyList<Operand> Operands { get; } = [SweepCommand.Folder];

    public IReadOnlyList<Flag> Flags { get; } =
    [
        new("index", "I", "the task to run (required)"),
    ];

    public int Run(Arguments a, TextWriter output) => Run(a, output, CancellationToken.None);

    public int Run(Arguments a, TextWriter output, CancellationToken cancellation)
    {
        var sweep = SweepCommand.Open(Name, a);
        if (!a.Has("index")) throw new UsageException("sweep task: --index I is required.");
        var task = sweep.Task(a.Int("index", 0, 0));
        using var stop = new SweepStop(cancellation);
        var outcome = TaskRunner.Run(sweep, task, SelfLauncher.Current(), stop.Token, stop.ChildSawInterrupt);
        var state = TaskState.Of(sweep, task);
        output.WriteLine($"task {task.Index} ({task.Label}): " + outcome switch
        {
            TaskOutcome.Done => "done",
            TaskOutcome.AlreadyDone => "already done",
            TaskOutcome.Busy => "another process is running it; nothing to do",
            TaskOutcome.Failed => $"FAILED (exit {state.Failure?.ExitCode}): {state.Failure?.LastError}",
            _ => "stopped; it resumes from its checkpoint when run again",
        });
        return outcome switch
        {
            TaskOutcome.Failed => 1,
            TaskOutcome.Interrupted => TaskRunner.InterruptedExitCode,
            _ => 0,
        };
    }
}
