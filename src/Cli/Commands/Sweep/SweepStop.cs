using System.Runtime.InteropServices;

namespace SpikeLfp.Cli.Commands.Sweep;

/// <summary>
/// When sweep run and sweep task stop: on Ctrl-C (the command line's cancellation) and on SIGTERM, which SLURM sends
/// to a cancelled or pre-empted job. Either way the running tasks stop at a safe point and resume later.
/// </summary>
public sealed class SweepStop : IDisposable
{
    private readonly CancellationToken _ctrlC;
    private readonly CancellationTokenSource _stop;
    private readonly PosixSignalRegistration _onTerm;
    private volatile bool _terminated;

    /// <summary>Stops on <paramref name="ctrlC"/> or SIGTERM.</summary>
    public SweepStop(CancellationToken ctrlC)
    {
        _ctrlC = ctrlC;
        _stop = CancellationTokenSource.CreateLinkedTokenSource(ctrlC);
        _onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            _terminated = true;
            _stop.Cancel();
        });
    }

    /// <summary>Fires on either.</summary>
    public CancellationToken Token => _stop.Token;

    /// <summary>
    /// True when the tasks' processes got the same stop signal: a Ctrl-C typed in a terminal reaches the whole
    /// process group; SIGTERM to this process and a cancellation from code do not.
    /// </summary>
    public bool ChildSawInterrupt() => !_terminated && _ctrlC.IsCancellationRequested && !Console.IsInputRedirected;

    public void Dispose()
    {
        _onTerm.Dispose();
        _stop.Dispose();
    }
}
