namespace SpikeLfp.Cli.Commands;

/// <summary>One subcommand of spikelfp.</summary>
public interface ICommand
{
    /// <summary>The word that selects it, for example "train".</summary>
    string Name { get; }
    /// <summary>One-line summary for the command list.</summary>
    string Summary { get; }
    /// <summary>Full help text.</summary>
    string Help { get; }
    /// <summary>Runs it; returns the exit code. Throws <see cref="UsageException"/> for bad usage.</summary>
    int Run(IReadOnlyList<string> args, TextWriter output);
}
