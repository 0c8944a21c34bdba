using System.Runtime.InteropServices;

namespace SpikeLfp.Cli;

/// <summary>
/// SIGINT (Ctrl-C) and SIGTERM (what SLURM, container runtimes and system shutdown send) turned into one
/// cancellation, for every long command alike: the command stops at its next batch boundary, writes what it has
/// and exits 130. A second signal does not kill the run half-way either (it would leave a half-written folder): it
/// says the run is already stopping. SIGKILL still ends the process at once; every file is written atomically, so
/// even that leaves each file whole or absent.
/// </summary>
/// <remarks>
/// For a command that is not an <see cref="IInterruptibleCommand"/> the signals keep their default: the process ends.
/// </remarks>
public sealed class StopSignals : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly PosixSignalRegistration[] _registrations;
    private readonly TextWriter _error;
    private readonly bool _interruptible;

    /// <summary>Handles SIGINT and SIGTERM for a command that is <paramref name="interruptible"/> (or leaves their default).</summary>
    public StopSignals(TextWriter error, bool interruptible)
    {
        (_error, _interruptible) = (error, interruptible);
        _registrations = [PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal), PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal)];
    }

    /// <summary>Cancelled by the first signal.</summary>
    public CancellationToken Token => _stop.Token;

    private void OnSignal(PosixSignalContext context)
    {
        if (!_interruptible) return;
        context.Cancel = true;
        string name = context.Signal == PosixSignal.SIGTERM ? "SIGTERM" : "interrupt";
        if (_stop.IsCancellationRequested)
        {
            _error.WriteLine($"spikelfp: {name}: already stopping at the next batch boundary, saving what is done (SIGKILL ends it at once, keeping the last saved files)...");
            return;
        }
        _error.WriteLine($"spikelfp: {name}: stopping at the next batch boundary and saving what is done...");
        _stop.Cancel();
    }

    public void Dispose()
    {
        foreach (var registration in _registrations) registration.Dispose();
        _stop.Dispose();
    }
}

/// <summary>The end of a run that a signal stopped: what was saved and the command that continues it (exit 130).</summary>
public static class Interruption
{
    /// <summary>
    /// "interrupted at <paramref name="stoppedAt"/>; <paramref name="saved"/>. Continue with: spikelfp COMMAND --resume --out FOLDER".
    /// </summary>
    public static RunInterruptedException Resumable(string command, string folder, string stoppedAt, string saved)
    {
        string quoted = folder.Any(char.IsWhiteSpace) ? $"\"{folder}\"" : folder;
        return new RunInterruptedException($"interrupted at {stoppedAt}; {saved}. Continue with: spikelfp {command} --resume --out {quoted}");
    }
}
