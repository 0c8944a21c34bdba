using SpikeLfp.Cli.Commands;
using SpikeLfp.Cli.Commands.Sweep;
using SpikeLfp.Data;
using SpikeLfp.Learning.Training;
using SpikeLfp.Network;
using SpikeLfp.Network.Model;

namespace SpikeLfp.Cli;

/// <summary>
/// Dispatches to the subcommands and turns every expected failure into one line on stderr and an exit code:
/// 0 success, 2 bad usage, bad input or a file that cannot be read or written, 3 training diverged (NaN or
/// infinity), 130 interrupted.
/// </summary>
public static class CommandLine
{
    /// <summary>Every subcommand, in the order of the help text.</summary>
    public static IReadOnlyList<ICommand> Commands { get; } =
    [
        new TrainCommand(), new SimulateCommand(), new DataCommand(),
        new SimulateNetworkCommand(),
        new CompareCommand(), new PlotCommand(),
        new ExperimentCommand(),
        new SweepCommand(),
        new NirCommand(),
        new BenchCommand(),
    ];

    /// <summary>
    /// Runs the command line; returns the process exit code. SIGINT (Ctrl-C) or SIGTERM asks an
    /// <see cref="IInterruptibleCommand"/> to stop at its next safe point and save what it needs to continue
    /// (<see cref="StopSignals"/>).
    /// </summary>
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        using var signals = new StopSignals(error, interruptible: Commands.FirstOrDefault(c => c.Name == args.FirstOrDefault()) is IInterruptibleCommand);
        return Run(args, output, error, signals.Token);
    }

    /// <summary>Runs the command line with an explicit <paramref name="cancellation"/> (what SIGINT and SIGTERM signal); returns the exit code.</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error, CancellationToken cancellation)
    {
        if (args.Length == 0 || args[0] is "--help" or "-h" or "help")
        {
            output.WriteLine(Usage());
            return args.Length == 0 ? 2 : 0;
        }
        var command = Commands.FirstOrDefault(c => c.Name == args[0]);
        if (command is null)
        {
            error.WriteLine($"spikelfp: unknown command '{args[0]}'. Commands: {string.Join(", ", Commands.Select(c => c.Name))}.");
            return 2;
        }
        var rest = args.Skip(1).ToArray();
        if (rest.Contains("--help") || rest.Contains("-h"))
        {
            output.WriteLine(command.Help);
            return 0;
        }
        try
        {
            return command is IInterruptibleCommand interruptible ? interruptible.Run(rest, output, cancellation) : command.Run(rest, output);
        }
        catch (Exception e) when (e is UsageException or DatasetException or InvalidModelException or CheckpointException or SizeLimitException)
        {
            // Messages of Arguments already start with the command's name; print it once.
            string message = e.Message.StartsWith(command.Name + ": ", StringComparison.Ordinal) ? e.Message[(command.Name.Length + 2)..] : e.Message;
            string prefix = message.StartsWith(command.Name + " ", StringComparison.Ordinal) ? "spikelfp" : $"spikelfp {command.Name}:";
            error.WriteLine($"{prefix} {message}");
            return 2;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Disk full, permission denied, a folder removed during the run: what was saved before (the last
            // checkpoint) stays, and no temporary file is left (AtomicFile removes its own on failure).
            string kept = e is FileNotFoundException or DirectoryNotFoundException ? "" : "; files saved before it are kept";
            error.WriteLine($"spikelfp {command.Name}: cannot read or write {FileErrorMessage.Describe(e)}{kept}.");
            return 2;
        }
        catch (Exception e) when (LibTorchLoad.IsLoadFailure(e))
        {
            error.WriteLine($"spikelfp {command.Name}: {LibTorchLoad.Explain()}");
            return LibTorchLoad.ExitCode;
        }
        catch (NumericalInstabilityException e)
        {
            error.WriteLine($"spikelfp {command.Name}: {(command is SimulateCommand ? "simulation" : "training")} stopped: {e.Message}");
            return 3;
        }
        catch (OperationCanceledException e)
        {
            error.WriteLine($"spikelfp {command.Name}: {(e is RunInterruptedException ? e.Message : "interrupted.")}");
            return 130;
        }
    }

    /// <summary>The top-level help.</summary>
    public static string Usage() =>
        "spikelfp: spiking neural networks trained with Layer-wise Feedback Propagation\n\n" +
        "usage: spikelfp COMMAND [flags]    (spikelfp COMMAND --help for its flags)\n\n" +
        string.Join("\n", Commands.Select(c => $"  {c.Name,-12} {c.Summary}"));
}

/// <summary>A command that, when cancelled, stops at a safe point and saves what it needs to continue.</summary>
public interface IInterruptibleCommand : ICommand
{
    /// <summary>Runs it; throws <see cref="OperationCanceledException"/> (best a <see cref="RunInterruptedException"/>) when stopped by <paramref name="cancellation"/>.</summary>
    int Run(IReadOnlyList<string> args, TextWriter output, CancellationToken cancellation);
}

/// <summary>A run stopped on request after saving its state; the message says how to continue (exit code 130).</summary>
public sealed class RunInterruptedException(string message) : OperationCanceledException(message);
