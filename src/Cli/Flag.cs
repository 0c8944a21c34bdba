using System.CommandLine;

namespace SpikeLfp.Cli;

/// <summary>
/// One flag of a command, declared once: the parser, the generated --help and shell completion all read it.
/// A flag with no <see cref="Value"/> is a switch (--overwrite); <see cref="Many"/> takes several values (--runs A B);
/// a flag made by <see cref="OneOf"/> takes one of a closed set of values, which help shows, completion offers and
/// <see cref="Chosen"/> checks.
/// </summary>
/// <param name="Name">The flag without its dashes, for example "epochs".</param>
/// <param name="Value">The placeholder of its value in help (N, X, NAME); null for a switch.</param>
/// <param name="Description">Its help text; may span lines.</param>
public sealed record Flag(string Name, string? Value, string Description)
{
    /// <summary>True for a flag that takes no value.</summary>
    public bool IsSwitch => Value is null;

    /// <summary>True for a flag that takes one or more values after it.</summary>
    public bool Many { get; init; }

    /// <summary>
    /// The values completion offers ([suggest], shell completion). For a flag made by <see cref="OneOf"/> they are the
    /// only values it accepts; a flag with an open set (a data set name or a folder) lists its known names.
    /// </summary>
    public IReadOnlyList<string> Choices { get; init; } = [];

    /// <summary>A flag that takes no value.</summary>
    public static Flag Switch(string name, string description) => new(name, null, description);

    /// <summary>A flag that takes one of <paramref name="choices"/>; help shows them as its value (&lt;sgd|adam&gt;).</summary>
    public static Flag OneOf(string name, IReadOnlyList<string> choices, string description)
        => new(name, string.Join("|", choices), description) { Choices = choices };

    /// <summary>
    /// The value given for this flag, or <paramref name="fallback"/>; anything but one of <see cref="Choices"/> is a usage
    /// error ("--optimizer must be one of sgd, adam, got 'x'.").
    /// </summary>
    public string Chosen(Arguments a, string fallback) => a.Choice(Name, fallback, Choices);

    /// <summary>
    /// The option it stands for, offering <see cref="Choices"/> to completion. Values stay strings: <see cref="Arguments"/>
    /// validates them with our messages.
    /// </summary>
    internal Option ToOption()
    {
        Option option = IsSwitch
            ? new Option<bool>("--" + Name) { Arity = ArgumentArity.Zero, Description = Description }
            : Many
                ? new Option<string[]>("--" + Name) { Arity = ArgumentArity.OneOrMore, AllowMultipleArgumentsPerToken = true, HelpName = Value, Description = Description }
                : new Option<string>("--" + Name) { HelpName = Value, Description = Description };
        if (Choices.Count > 0) option.CompletionSources.Add(Choices.ToArray());
        return option;
    }
}

/// <summary>A positional word of a command (plot KIND, nir inspect F.nir); optional to the parser, so the command says what is missing.</summary>
/// <param name="Name">Its placeholder in help.</param>
/// <param name="Description">Its help text.</param>
public sealed record Operand(string Name, string Description)
{
    /// <summary>The words completion offers for it (plot's kinds); empty when it is a path or a name of the user's.</summary>
    public IReadOnlyList<string> Choices { get; init; } = [];

    internal Argument<string> ToArgument()
    {
        var argument = new Argument<string>(Name) { Arity = ArgumentArity.ZeroOrOne, Description = Description };
        if (Choices.Count > 0) argument.CompletionSources.Add(Choices.ToArray());
        return argument;
    }
}

/// <summary>The names of declared flags, for code that checks flags by name (a sweep's task files, saved arguments).</summary>
public static class FlagNames
{
    /// <summary>The names of the flags that take a value.</summary>
    public static IReadOnlySet<string> Values(this IEnumerable<Flag> flags) => flags.Where(f => !f.IsSwitch).Select(f => f.Name).ToHashSet();

    /// <summary>The names of the switches.</summary>
    public static IReadOnlySet<string> Switches(this IEnumerable<Flag> flags) => flags.Where(f => f.IsSwitch).Select(f => f.Name).ToHashSet();
}
