namespace SpikeLfp.Cli;

/// <summary>
/// Progress of runs that train side by side and report from their own threads: a live bar over all their
/// epochs, and one line per run when it finishes.
/// </summary>
public sealed class RunProgress(int runs, int epochs, TextWriter output)
{
    private readonly ProgressBar _bar = new($"{runs} runs", runs * epochs, "epochs");
    private int _done;

    /// <summary>
    /// Counts a finished epoch (epoch 0, the untrained network, is not counted); after a run's last epoch, prints
    /// <paramref name="finishedLine"/>.
    /// </summary>
    public void Report(int epoch, Func<string> finishedLine)
    {
        if (epoch == 0) return;
        lock (_bar)
        {
            _bar.Report(++_done);
            if (epoch != epochs) return;
            _bar.Clear();
            output.WriteLine(finishedLine());
        }
    }
}
