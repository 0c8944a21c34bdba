using SpikeLfp.Sweeps;

namespace SpikeLfp.Cli.Commands.Sweep;

/// <summary>
/// spikelfp sweep plan|run|task|slurm|status|collect: parameter sweeps of train or compare, run here or as a SLURM
/// job array, resumed after failures and collected into one report. The logic lives in SpikeLfp.Sweeps; these
/// commands parse, validate and call it.
/// </summary>
public sealed class SweepCommand : IInterruptibleCommand
{
    /// <summary>The subcommands, in the order of the help text.</summary>
    public static IReadOnlyList<ICommand> Subcommands { get; } =
    [
        new SweepPlanCommand(), new SweepRunCommand(), new SweepSlurmCommand(), new SweepTaskCommand(),
        new SweepStatusCommand(), new SweepCollectCommand(),
    ];

    public string Name => "sweep";
    public string Summary => "parameter sweeps of train/compare: plan, run here or on SLURM, resume, collect a report";
    public string Help =>
        "spikelfp sweep SUBCOMMAND S [flags]     (S: the sweep folder)\n" +
        string.Join("\n", Subcommands.Select(c => $"  {c.Name,-9} {c.Summary}")) + "\n\n" +
        string.Join("\n\n", Subcommands.Select(c => c.Help));

    public int Run(IReadOnlyList<string> args, TextWriter output) => Run(args, output, CancellationToken.None);

    public int Run(IReadOnlyList<string> args, TextWriter output, CancellationToken cancellation)
    {
        string names = string.Join(", ", Subcommands.Select(c => c.Name));
        if (args.Count == 0) throw new UsageException($"which subcommand? One of: {names} (see 'spikelfp sweep --help').");
        var command = Subcommands.FirstOrDefault(c => c.Name == args[0])
            ?? throw new UsageException($"unknown subcommand '{args[0]}'. Subcommands: {names}.");
        try
        {
            var rest = args.Skip(1).ToArray();
            return command is IInterruptibleCommand interruptible ? interruptible.Run(rest, output, cancellation) : command.Run(rest, output);
        }
        catch (SweepException e) { throw new UsageException($"{command.Name}: {e.Message}"); }
    }

    /// <summary>The commands a sweep may run, with the flags each accepts.</summary>
    public static IReadOnlyDictionary<string, CommandFlags> BaseCommands { get; } = new Dictionary<string, CommandFlags>
    {
        ["train"] = new(TrainCommand.ValueFlags, TrainCommand.Switches, Checkpoints: true),
        ["compare"] = new(CompareCommand.ValueFlags, CompareCommand.Switches, Checkpoints: false),
    };

    /// <summary>Splits "S --flag ..." into the sweep folder (which must be planned) and the parsed flags.</summary>
    public static (SweepFolder Folder, Arguments Flags) Parse(string command, IReadOnlyList<string> args, IEnumerable<string> valueFlags, IEnumerable<string> switches)
    {
        if (args.Count == 0 || args[0].StartsWith("--", StringComparison.Ordinal))
            throw new UsageException($"sweep {command}: which sweep folder? usage: spikelfp sweep {command} S (see 'spikelfp sweep --help').");
        var flags = new Arguments($"sweep {command}", args.Skip(1).ToArray(), valueFlags.ToHashSet(), switches.ToHashSet());
        return (SweepFolder.Open(args[0]), flags);
    }
}
