namespace SpikeLfp.Cli.Commands;

/// <summary>One subcommand of spikelfp: what it is called, what it takes (its help is generated from that) and how it runs.</summary>
public interface ICommand
{
    /// <summary>The word that selects it, for example "train".</summary>
    string Name { get; }
    /// <summary>One-line summary for the command list.</summary>
    string Summary { get; }
    /// <summary>What it does, shown by --help above its usage and flags; the summary unless a command says more.</summary>
    string Description => Summary;
    /// <summary>The flags it takes.</summary>
    IReadOnlyList<Flag> Flags => [];
    /// <summary>The positional words it takes, in order.</summary>
    IReadOnlyList<Operand> Operands => [];
    /// <summary>Its subcommands (experiment NAME, sweep plan), to which its <see cref="Run"/> dispatches.</summary>
    IReadOnlyList<ICommand> Subcommands => [];
    /// <summary>Runs it; returns the exit code. Throws <see cref="UsageException"/> for bad usage.</summary>
    int Run(Arguments a, TextWriter output);
}

/// <summary>A subcommand its group declares in place (data fetch, nir import): its words, flags and what it runs.</summary>
public sealed record Subcommand(string Name, string Summary, string Description, IReadOnlyList<Flag> Flags, Func<Arguments, TextWriter, CancellationToken, int> Action)
    : IInterruptibleCommand
{
    /// <summary>The positional words it takes.</summary>
    public IReadOnlyList<Operand> Operands { get; init; } = [];

    public int Run(Arguments a, TextWriter output) => Action(a, output, CancellationToken.None);

    public int Run(Arguments a, TextWriter output, CancellationToken cancellation) => Action(a, output, cancellation);
}
