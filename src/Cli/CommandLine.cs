using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using SpikeLfp.Cli.Commands;
using SpikeLfp.Cli.Commands.Sweep;
using SpikeLfp.Data;
using SpikeLfp.Learning.Training;
using SpikeLfp.Network;
using SpikeLfp.Network.Model;

namespace SpikeLfp.Cli;

/// <summary>
/// Parses with System.CommandLine (help, typo hints, @response files, [suggest] completion), dispatches to the
/// subcommands and turns every expected failure into one line on stderr and an exit code:
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
        // Parsed once, before the signals are set: whether SIGINT/SIGTERM stop at a safe point depends on the command
        // the parser finds ("spikelfp @run.rsp" stops as gently as the command line it holds). The action reads the
        // token when it runs, after it is set.
        var cancellation = CancellationToken.None;
        var parse = Parse(Parser((command, a) => Invoke(command, a, output, cancellation)), args);
        using var signals = new StopSignals(error, interruptible: TopCommand(parse) is IInterruptibleCommand);
        cancellation = signals.Token;
        return Run(parse, usage: args.Length == 0, output, error);
    }

    /// <summary>Runs the command line with an explicit <paramref name="cancellation"/> (what SIGINT and SIGTERM signal); returns the exit code.</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error, CancellationToken cancellation)
        => Run(Parse(Parser((command, a) => Invoke(command, a, output, cancellation)), args), usage: args.Length == 0, output, error);

    // Bare "spikelfp" and "spikelfp help" show the top-level help.
    private static ParseResult Parse(RootCommand root, string[] args) => root.Parse(args.Length == 0 || args is ["help"] ? ["--help"] : args);

    // Runs what was parsed; usage: the help stands for a missing command (exit 2).
    private static int Run(ParseResult parse, bool usage, TextWriter output, TextWriter error)
    {
        var invocation = new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null };
        var command = TopCommand(parse);
        if (command is null && parse.Action is ParseErrorAction)
        {
            error.WriteLine(parse.UnmatchedTokens.FirstOrDefault() is { } word
                ? $"spikelfp: unknown command '{word}'{Suggestion(word, Commands.Select(c => c.Name))}. Commands: {string.Join(", ", Commands.Select(c => c.Name))}."
                : $"spikelfp: {parse.Errors[0].Message}");
            return 2;
        }
        string where = command is null ? "spikelfp" : $"spikelfp {command.Name}";
        try
        {
            // A parse error becomes our one line: reading the arguments throws it as a UsageException. A group says
            // itself which subcommand is missing or unknown, with the list of its subcommands.
            if (parse.Action is ParseErrorAction)
            {
                if (parse.CommandResult.Command is { Subcommands.Count: > 0, Action: SynchronousCommandLineAction group }) return group.Invoke(parse);
                _ = new Arguments(CommandPath(parse.CommandResult), parse, subcommand: null);
            }
            int code = parse.Invoke(invocation);
            return usage ? 2 : code;
        }
        catch (Exception e) when (e is UsageException or DatasetException or InvalidModelException or CheckpointException or SizeLimitException)
        {
            // Messages of Arguments already start with the command's name; print it once.
            string name = command?.Name ?? "spikelfp";
            string message = e.Message.StartsWith(name + ": ", StringComparison.Ordinal) ? e.Message[(name.Length + 2)..] : e.Message;
            string prefix = message.StartsWith(name + " ", StringComparison.Ordinal) ? "spikelfp" : where + ":";
            error.WriteLine($"{prefix} {message}");
            return 2;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Disk full, permission denied, a folder removed during the run: what was saved before (the last
            // checkpoint) stays, and no temporary file is left (AtomicFile removes its own on failure).
            string kept = e is FileNotFoundException or DirectoryNotFoundException ? "" : "; files saved before it are kept";
            error.WriteLine($"{where}: cannot read or write {FileErrorMessage.Describe(e)}{kept}.");
            return 2;
        }
        catch (Exception e) when (LibTorchLoad.IsLoadFailure(e))
        {
            error.WriteLine($"{where}: {LibTorchLoad.Explain()}");
            return LibTorchLoad.ExitCode;
        }
        catch (NumericalInstabilityException e)
        {
            error.WriteLine($"{where}: {(command is SimulateCommand ? "simulation" : "training")} stopped: {e.Message}");
            return 3;
        }
        catch (OperationCanceledException e)
        {
            error.WriteLine($"{where}: {(e is RunInterruptedException ? e.Message : "interrupted.")}");
            return 130;
        }
    }

    /// <summary>Runs <paramref name="command"/>, passing <paramref name="cancellation"/> when it can stop at a safe point.</summary>
    public static int Invoke(ICommand command, Arguments a, TextWriter output, CancellationToken cancellation)
        => command is IInterruptibleCommand interruptible ? interruptible.Run(a, output, cancellation) : command.Run(a, output);

    /// <summary>Width of the generated help, the same on every terminal.</summary>
    private const int HelpWidth = 120;

    /// <summary>
    /// The command tree: every command with the flags it declares, its words and its subcommands. A leaf's action reads
    /// its arguments and hands them to <paramref name="run"/> with the top-level command, which dispatches to the
    /// subcommand itself (so a group can wrap its subcommands' failures).
    /// </summary>
    public static RootCommand Parser(Func<ICommand, Arguments, int> run)
    {
        var root = new RootCommand("spikelfp: spiking neural networks trained with Layer-wise Feedback Propagation") { HelpName = "spikelfp" };
        var descriptions = new Dictionary<Command, string>();
        foreach (var top in Commands) root.Subcommands.Add(Build(top, top, top.Name, run, descriptions));
        foreach (var option in root.Options.OfType<HelpOption>())
            if (option.Action is HelpAction help)
            {
                help.MaxWidth = HelpWidth;
                option.Action = new DescribedHelp(help, descriptions);
            }
        return root;
    }

    private static Command Build(ICommand top, ICommand self, string path, Func<ICommand, Arguments, int> run, Dictionary<Command, string> descriptions)
    {
        // The summary is the command's row in its parent's list; its own help shows the whole description.
        var command = new Command(self.Name, self.Summary);
        descriptions[command] = self.Description;
        foreach (var flag in self.Flags) command.Options.Add(flag.ToOption());
        foreach (var operand in self.Operands) command.Arguments.Add(operand.ToArgument());
        foreach (var sub in self.Subcommands) command.Subcommands.Add(Build(top, sub, $"{path} {sub.Name}", run, descriptions));
        command.SetAction(parse => run(top, new Arguments(path, parse, self == top ? null : self)));
        return command;
    }

    /// <summary>The generated help, with the whole description of the command asked about.</summary>
    private sealed class DescribedHelp(HelpAction help, IReadOnlyDictionary<Command, string> descriptions) : SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parse)
        {
            var command = parse.CommandResult.Command;
            if (descriptions.TryGetValue(command, out var description)) command.Description = description;
            return help.Invoke(parse);
        }
    }

    // The command right under the root that the parse chose, or null for none.
    private static ICommand? TopCommand(ParseResult parse)
    {
        SymbolResult? result = parse.CommandResult;
        while (result?.Parent is CommandResult { Parent: not null } parent) result = parent;
        return result is CommandResult { Parent: not null } top ? Commands.FirstOrDefault(c => c.Name == top.Command.Name) : null;
    }

    private static string CommandPath(CommandResult result)
        => result.Parent is CommandResult { Parent: not null } parent ? $"{CommandPath(parent)} {result.Command.Name}" : result.Command.Name;

    private static string Suggestion(string typed, IEnumerable<string> known)
        => Typos.Nearest(typed, known) is { } near ? $" (did you mean '{near}'?)" : "";
}

/// <summary>A command that, when cancelled, stops at a safe point and saves what it needs to continue.</summary>
public interface IInterruptibleCommand : ICommand
{
    /// <summary>Runs it; throws <see cref="OperationCanceledException"/> (best a <see cref="RunInterruptedException"/>) when stopped by <paramref name="cancellation"/>.</summary>
    int Run(Arguments a, TextWriter output, CancellationToken cancellation);
}

/// <summary>A run stopped on request after saving its state; the message says how to continue (exit code 130).</summary>
public sealed class RunInterruptedException(string message) : OperationCanceledException(message);
