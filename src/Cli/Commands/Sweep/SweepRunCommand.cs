using SpikeLfp.Sweeps;

namespace SpikeLfp.Cli.Commands.Sweep;

/// <summary>spikelfp sweep run S [--jobs N]: runs the unfinished tasks on this machine.</summary>
public sealed class SweepRunCommand : IInterruptibleCommand
{
    public string Name => "run";
    public string Summary => "run the unfinished tasks here, N processes at a time";
    public string Description => """
        Runs every task of S that is not finished, as separate spikelfp processes, N at a time (default 1), in task order. Finished tasks are skipped, failed ones retried; a failure is recorded with its exit code and last stderr line (spikelfp sweep status S). Ctrl-C stops the running tasks at their next batch (train writes a checkpoint); the next 'sweep run' continues them. Two runs on one S refuse. Exit 1 when a task failed. Each task uses all cores unless the sweep sets --threads: with --jobs N, set "threads" to cores / N.
        """;

    public IReadOnlyList<Operand> Operands { get; } = [SweepCommand.Folder];

    public IReadOnlyList<Flag> Flags { get; } =
    [
        new("jobs", "N", "tasks run at a time (default 1)"),
    ];

    public int Run(Arguments a, TextWriter output) => Run(a, output, CancellationToken.None);

    public int Run(Arguments a, TextWriter output, CancellationToken cancellation)
    {
        var sweep = SweepCommand.Open(Name, a);
        int jobs = a.Int("jobs", 1, 1, 1024);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var stop = new SweepStop(cancellation);
        var summary = LocalRunner.Run(sweep, jobs, SelfLauncher.Current(), output.WriteLine, stop.Token, stop.ChildSawInterrupt);
        int finished = summary.AlreadyDone + summary.Done;
        output.WriteLine($"{finished} of {sweep.Tasks.Count} tasks done ({summary.Done} in this run, {clock.Elapsed.TotalSeconds:F1} s with --jobs {jobs})" +
            (summary.Failed > 0 ? $", {summary.Failed} failed" : "") + (summary.Busy > 0 ? $", {summary.Busy} running elsewhere" : ""));
        string folder = Launcher.ShellQuote(a.Operand(SweepCommand.Folder.Name)!);
        if (stop.Token.IsCancellationRequested || summary.Interrupted > 0)
            throw new RunInterruptedException($"stopped with {sweep.Tasks.Count - finished} tasks unfinished; continue with: spikelfp sweep run {folder}");
        if (summary.Failed > 0)
        {
            output.WriteLine($"see the failures with: spikelfp sweep status {folder}; 'sweep run' again retries them");
            return 1;
        }
        return 0;
    }
}
