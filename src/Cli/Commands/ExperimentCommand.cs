namespace SpikeLfp.Cli.Commands;

/// <summary>
/// spikelfp experiment NAME: reproduces one of the LFP paper's claims with one command. Each experiment is an
/// <see cref="ICommand"/> of its own, named by its subcommand word.
/// </summary>
public sealed class ExperimentCommand : IInterruptibleCommand
{
    /// <summary>
    /// The experiments, in the order of the help text. Extension point: to add one (for example "prune"),
    /// write an <see cref="ICommand"/> whose Name is its subcommand word and add it here.
    /// </summary>
    public static IReadOnlyList<ICommand> Experiments { get; } =
    [
        new HeavisideExperimentCommand(),
        new PruneExperimentCommand(),
        new ConvergenceExperimentCommand(),
    ];

    public string Name => "experiment";
    public string Summary => "reproduce a claim of the LFP paper: " + string.Join(", ", Experiments.Select(e => e.Name));
    public string Description => "Reproduces one of the LFP paper's claims with one command; 'spikelfp experiment NAME --help' shows an experiment's flags.";

    public IReadOnlyList<ICommand> Subcommands => Experiments;

    public int Run(Arguments a, TextWriter output) => Run(a, output, CancellationToken.None);

    /// <summary>
    /// Runs the experiment; SIGINT or SIGTERM stops its training at the next batch boundary (exit 130). Its runs train
    /// side by side and its results need all of them, so a stopped experiment writes the epochs measured so far as
    /// <see cref="PartialResults"/> (partial.json) and says how to rerun it; one stopped before it started writes nothing.
    /// </summary>
    public int Run(Arguments a, TextWriter output, CancellationToken cancellation)
    {
        var experiment = a.Chosen("experiment", Experiments);
        try
        {
            return CommandLine.Invoke(experiment, a, output, cancellation);
        }
        catch (OperationCanceledException e) when (e is not RunInterruptedException)
        {
            throw new RunInterruptedException($"interrupted before training started; nothing was written. Run the same command again (add --{OutputFolder.OverwriteSwitch} for the same --out).");
        }
    }
}
