using SpikeLfp.Sweeps;

namespace SpikeLfp.Cli.Commands.Sweep;

/// <summary>
/// spikelfp sweep plan|run|task|slurm|status|collect: parameter sweeps of train or compare, run here or as a SLURM
/// job array, resumed after failures and collected into one report. The logic lives in SpikeLfp.Sweeps; these
/// commands parse, validate and call it.
/// </summary>
public sealed class SweepCommand : IInterruptibleCommand
{
    /// <summary>The sweep folder S every subcommand but plan takes (before the subcommands, which read it).</summary>
    public static Operand Folder { get; } = new("S", "the sweep folder (written by sweep plan)");

    /// <summary>The subcommands, in the order of the help text.</summary>
    public static IReadOnlyList<ICommand> SweepCommands { get; } =
    [
        new SweepPlanCommand(), new SweepRunCommand(), new SweepSlurmCommand(), new SweepTaskCommand(),
        new SweepStatusCommand(), new SweepCollectCommand(),
    ];

    public string Name => "sweep";
    public string Summary => "parameter sweeps of train/compare: plan, run here or on SLURM, resume, collect a report";
    public string Description => "Parameter sweeps of train or compare, run here or as a SLURM job array, resumed after failures and collected into one report; S is the sweep folder.";

    public IReadOnlyList<ICommand> Subcommands => SweepCommands;

    public int Run(Arguments a, TextWriter output) => Run(a, output, CancellationToken.None);

    public int Run(Arguments a, TextWriter output, CancellationToken cancellation)
    {
        var command = a.Chosen("subcommand", SweepCommands);
        try
        {
            return CommandLine.Invoke(command, a, output, cancellation);
        }
        catch (SweepException e) { throw new UsageException($"{command.Name}: {e.Message}"); }
    }

    /// <summary>The commands a sweep may run, with the flags each accepts.</summary>
    public static IReadOnlyDictionary<string, CommandFlags> BaseCommands { get; } = new Dictionary<string, CommandFlags>
    {
        ["train"] = new(TrainCommand.TrainFlags.Values(), TrainCommand.TrainFlags.Switches(), Checkpoints: true),
        ["compare"] = new(CompareCommand.CompareFlags.Values(), CompareCommand.CompareFlags.Switches(), Checkpoints: false),
    };

    /// <summary>The planned sweep in the folder <paramref name="a"/> names.</summary>
    public static SweepFolder Open(string command, Arguments a)
        => SweepFolder.Open(a.Operand(Folder.Name)
            ?? throw new UsageException($"sweep {command}: which sweep folder? usage: spikelfp sweep {command} S (see 'spikelfp sweep --help')."));
}
