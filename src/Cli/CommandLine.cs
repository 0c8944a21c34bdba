using SpikeLfp.Cli.Commands;
using SpikeLfp.Data;
using SpikeLfp.Learning.Training;
using SpikeLfp.Network.Model;

namespace SpikeLfp.Cli;

/// <summary>
/// Dispatches to the subcommands and turns every expected failure into one line on stderr and an exit code:
/// 0 success, 2 bad usage or bad input, 3 training diverged (NaN or infinity), 130 interrupted.
/// </summary>
public static class CommandLine
{
    /// <summary>Every subcommand, in the order of the help text.</summary>
    public static IReadOnlyList<ICommand> Commands { get; } =
    [
        new TrainCommand(), new SimulateCommand(), new DataCommand(),
    ];

    /// <summary>Runs the command line; returns the process exit code.</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error)
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
            return command.Run(rest, output);
        }
        catch (Exception e) when (e is UsageException or DatasetException or InvalidModelException)
        {
            error.WriteLine($"spikelfp {command.Name}: {e.Message}");
            return 2;
        }
        catch (NumericalInstabilityException e)
        {
            error.WriteLine($"spikelfp {command.Name}: training stopped: {e.Message}");
            return 3;
        }
        catch (OperationCanceledException)
        {
            error.WriteLine($"spikelfp {command.Name}: interrupted.");
            return 130;
        }
    }

    /// <summary>The top-level help.</summary>
    public static string Usage() =>
        "spikelfp: spiking neural networks trained with Layer-wise Feedback Propagation\n\n" +
        "usage: spikelfp COMMAND [flags]    (spikelfp COMMAND --help for its flags)\n\n" +
        string.Join("\n", Commands.Select(c => $"  {c.Name,-12} {c.Summary}"));
}
