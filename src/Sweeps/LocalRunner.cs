using System.Collections.Concurrent;

namespace SpikeLfp.Sweeps;

/// <summary>What a local run did.</summary>
/// <param name="Done">Tasks that finished in this run.</param>
/// <param name="Failed">Tasks whose command failed in this run.</param>
/// <param name="Interrupted">Tasks stopped on request (they resume next time).</param>
/// <param name="AlreadyDone">Tasks finished before this run (skipped).</param>
/// <param name="Busy">Tasks another process was running (skipped).</param>
public sealed record LocalRunSummary(int Done, int Failed, int Interrupted, int AlreadyDone, int Busy);

/// <summary>
/// Runs a sweep's unfinished tasks on this machine, <c>jobs</c> child processes at a time, in task order.
/// One runner per sweep folder at a time (a lock file); each task also takes its own lock.
/// </summary>
public static class LocalRunner
{
    /// <summary>The file a local run holds locked.</summary>
    public const string LockFileName = ".run.lock";

    /// <summary>
    /// Runs every task that is not finished; <paramref name="report"/> gets one line per task as it ends. When
    /// <paramref name="cancellation"/> fires, running commands are stopped (they save a checkpoint) and no new one starts;
    /// see <see cref="TaskRunner.Run"/> for <paramref name="childSawInterrupt"/>.
    /// </summary>
    public static LocalRunSummary Run(SweepFolder folder, int jobs, Launcher launcher, Action<string> report, CancellationToken cancellation, Func<bool>? childSawInterrupt = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(jobs);
        string lockPath = folder.Full(LockFileName);
        using var runLock = TaskLock.TryOpen(lockPath, FileMode.OpenOrCreate)
            ?? throw new SweepException($"'{folder.Path}' is already being run by another 'spikelfp sweep run' (it holds {lockPath}).");

        var outcomes = new ConcurrentDictionary<int, TaskOutcome>();
        var reporting = new object(); // one line at a time from the parallel tasks
        var todo = folder.Tasks.Where(t => !File.Exists(folder.Files(t).Done)).ToList();
        int already = folder.Tasks.Count - todo.Count, finished = already;
        var order = System.Collections.Concurrent.Partitioner.Create(todo, EnumerablePartitionerOptions.NoBuffering);
        Parallel.ForEach(order, new ParallelOptions { MaxDegreeOfParallelism = jobs }, (task, loop) =>
        {
            if (cancellation.IsCancellationRequested) { loop.Stop(); return; }
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var outcome = TaskRunner.Run(folder, task, launcher, cancellation, childSawInterrupt);
            outcomes[task.Index] = outcome;
            string line = outcome switch
            {
                TaskOutcome.Done => $"done in {clock.Elapsed.TotalSeconds:F1} s",
                TaskOutcome.Failed => Failure(folder, task),
                TaskOutcome.Interrupted => "interrupted (resumes from its checkpoint on the next run)",
                TaskOutcome.Busy => "skipped: another process is running it",
                _ => "already done",
            };
            int count = outcome is TaskOutcome.Done or TaskOutcome.AlreadyDone ? Interlocked.Increment(ref finished) : Volatile.Read(ref finished);
            lock (reporting) report($"[{count}/{folder.Tasks.Count}] task {task.Index} ({task.Label}): {line}");
        });
        int Count(TaskOutcome o) => outcomes.Values.Count(v => v == o);
        return new LocalRunSummary(Count(TaskOutcome.Done), Count(TaskOutcome.Failed), Count(TaskOutcome.Interrupted),
            already + Count(TaskOutcome.AlreadyDone), Count(TaskOutcome.Busy));
    }

    private static string Failure(SweepFolder folder, SweepTask task)
        => TaskState.Of(folder, task).Failure is { } f ? $"FAILED (exit {f.ExitCode}): {f.LastError}" : "FAILED";
}
