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
    public string Help =>
        "spikelfp experiment NAME [flags]\n" +
        string.Join("\n", Experiments.Select(e => $"  {e.Name,-12} {e.Summary}")) + "\n\n" +
        string.Join("\n\n", Experiments.Select(e => e.Help));

    public int Run(IReadOnlyList<string> args, TextWriter output) => Run(args, output, CancellationToken.None);

    /// <summary>
    /// Runs the experiment; SIGINT or SIGTERM stops its training at the next batch boundary (exit 130). Its runs train
    /// side by side and its results need all of them, so a stopped experiment writes the epochs measured so far as
    /// <see cref="PartialResults"/> (partial.json) and says how to rerun it; one stopped before it started writes nothing.
    /// </summary>
    public int Run(IReadOnlyList<string> args, TextWriter output, CancellationToken cancellation)
    {
        string names = string.Join(", ", Experiments.Select(e => e.Name));
        if (args.Count == 0) throw new UsageException($"which experiment? One of: {names} (see 'spikelfp experiment --help').");
        var experiment = Experiments.FirstOrDefault(e => e.Name == args[0])
            ?? throw new UsageException($"unknown experiment '{args[0]}'. Experiments: {names}.");
        try
        {
            return experiment is IInterruptibleCommand interruptible ? interruptible.Run(args.Skip(1).ToArray(), output, cancellation) : experiment.Run(args.Skip(1).ToArray(), output);
        }
        catch (OperationCanceledException e) when (e is not RunInterruptedException)
        {
            throw new RunInterruptedException($"interrupted before training started; nothing was written. Run the same command again (add --{OutputFolder.OverwriteSwitch} for the same --out).");
        }
    }
}
