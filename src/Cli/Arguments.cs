using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Parsing;
using System.Globalization;
using SpikeLfp.Cli.Commands;

namespace SpikeLfp.Cli;

/// <summary>
/// The flags and words of one command as System.CommandLine parsed them, read and validated with our one-line
/// messages: an unknown or repeated flag, a missing value or a malformed number is a <see cref="UsageException"/>.
/// </summary>
public sealed class Arguments
{
    private readonly Dictionary<string, IReadOnlyList<string>?> _values = new();
    private readonly Dictionary<string, string> _operands = new();
    private readonly string _command;

    /// <summary>Parses <paramref name="args"/> against the flags named; <paramref name="switches"/> take no value.</summary>
    public Arguments(string command, IReadOnlyList<string> args, IReadOnlySet<string> valueFlags, IReadOnlySet<string> switches)
        : this(command, Parser(valueFlags, switches).Parse(args), subcommand: null)
    {
    }

    /// <summary>Reads what the parser found for <paramref name="command"/> ("train", "sweep plan"); throws <see cref="UsageException"/> for bad usage.</summary>
    internal Arguments(string command, ParseResult parse, ICommand? subcommand)
    {
        _command = command;
        Subcommand = subcommand;
        var result = parse.CommandResult;
        string see = $" (see 'spikelfp {command} --help').";
        foreach (var child in result.Children)
        {
            if (child is OptionResult { Implicit: false } option && option.Option is not HelpOption)
            {
                string name = option.Option.Name[2..];
                if (option.IdentifierTokenCount > 1) throw Usage($"--{name} is given twice.");
                bool takesValue = option.Option.Arity.MaximumNumberOfValues > 0;
                if (takesValue && option.Tokens.Count == 0) throw Usage($"--{name} needs a value.");
                _values[name] = takesValue ? option.Tokens.Select(t => t.Value).ToArray() : null;
            }
            else if (child is ArgumentResult { Tokens: [var word, ..] } operand)
            {
                // An optional word swallows what the parser could not match; a flag there is a typo, not the word.
                if (IsFlag(word.Value)) throw Usage($"unknown flag {word.Value}{Suggestion(word.Value, result.Command)}{see}");
                _operands[operand.Argument.Name] = word.Value;
            }
        }
        // A group (experiment, sweep) reports a missing or unknown subcommand itself, naming its subcommands.
        bool group = result.Command.Subcommands.Count > 0;
        if (!group && parse.UnmatchedTokens.FirstOrDefault() is { } stray)
            throw Usage(IsFlag(stray) ? $"unknown flag {stray}{Suggestion(stray, result.Command)}{see}" : $"unexpected argument '{stray}'{see}");
        if (!group && parse.Errors.FirstOrDefault() is { } error) throw Usage(error.Message);
        int commandWords = parse.Tokens.ToList().FindLastIndex(t => t.Type == TokenType.Command) + 1;
        Given = parse.Tokens.Skip(commandWords).Select(t => t.Value).ToArray();
    }

    /// <summary>The command line after the command's words, response files expanded (for reports and resumed runs).</summary>
    public IReadOnlyList<string> Given { get; } = [];

    /// <summary>The subcommand chosen below the command that runs (experiment heaviside, sweep plan), if any.</summary>
    public ICommand? Subcommand { get; }

    /// <summary>
    /// The subcommand chosen below this command; when there is none, a usage error that says which word is missing or
    /// unknown (<paramref name="kind"/>: "experiment") and lists <paramref name="choices"/>.
    /// </summary>
    public ICommand Chosen(string kind, IReadOnlyList<ICommand> choices)
    {
        string names = string.Join(", ", choices.Select(c => c.Name));
        if (Subcommand is not null) return Subcommand;
        if (Given.Count == 0) throw Usage($"which {kind}? One of: {names} (see 'spikelfp {_command} --help').");
        string hint = Typos.Nearest(Given[0], choices.Select(c => c.Name)) is { } near ? $" (did you mean '{near}'?)" : "";
        throw Usage($"unknown {kind} '{Given[0]}'{hint}. {char.ToUpperInvariant(kind[0])}{kind[1..]}s: {names}.");
    }

    /// <summary>True when the switch or flag was given.</summary>
    public bool Has(string name) => _values.ContainsKey(name);

    /// <summary>The positional word named <paramref name="name"/> (an <see cref="Operand"/>), or null when it was not given.</summary>
    public string? Operand(string name) => _operands.GetValueOrDefault(name);

    /// <summary>A string value or the default.</summary>
    public string String(string name, string fallback) => OptionalString(name) ?? fallback;

    /// <summary>An optional string value.</summary>
    public string? OptionalString(string name) => _values.TryGetValue(name, out var v) && v is not null ? string.Join(" ", v) : null;

    /// <summary>The values of a flag that takes several (<see cref="Flag.Many"/>); empty when it was not given.</summary>
    public IReadOnlyList<string> Strings(string name) => _values.GetValueOrDefault(name) ?? [];

    /// <summary>An integer value in [min, max] or the default.</summary>
    public int Int(string name, int fallback, int min = int.MinValue, int max = int.MaxValue)
    {
        if (OptionalString(name) is not { } v) return fallback;
        if (!int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out int x))
            throw Usage($"--{name} must be an integer, got '{v}'.");
        if (x < min || x > max)
            throw Usage(min == 1 && max == int.MaxValue
                ? $"--{name} must be a positive integer, got {x}."
                : $"--{name} must be between {min} and {max}, got {x}.");
        return x;
    }

    /// <summary>A finite float value or the default; <paramref name="positive"/> also requires &gt; 0.</summary>
    public float Float(string name, float fallback, bool positive = false)
    {
        if (OptionalString(name) is not { } v) return fallback;
        if (!float.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out float x) || !float.IsFinite(x))
            throw Usage($"--{name} must be a finite number, got '{v}'.");
        if (positive && x <= 0) throw Usage($"--{name} must be > 0, got {v}.");
        return x;
    }

    /// <summary>One of <paramref name="choices"/> or the default.</summary>
    public string Choice(string name, string fallback, params IReadOnlyList<string> choices)
    {
        string v = String(name, fallback);
        if (!choices.Contains(v)) throw Usage($"--{name} must be one of {string.Join(", ", choices)}, got '{v}'.");
        return v;
    }

    /// <summary>
    /// A comma-separated list of non-negative integers, where "A-B" stands for A, A+1, ..., B (for example seeds
    /// "0,1,2", "0-19" or "0-4,10").
    /// </summary>
    public int[] IntList(string name, int[] fallback)
    {
        if (OptionalString(name) is not { } v) return fallback;
        var result = new List<int>();
        foreach (string part in v.Split(',', StringSplitOptions.TrimEntries))
        {
            int dash = part.Length > 1 ? part.IndexOf('-', 1) : -1; // from 1: a leading '-' is a sign, and rejected
            string first = dash < 0 ? part : part[..dash], last = dash < 0 ? part : part[(dash + 1)..];
            if (!NonNegative(first, out int from) || !NonNegative(last, out int to) || to < from || to - from >= 100_000)
                throw Usage($"--{name} must be a comma-separated list of non-negative integers or ranges A-B, got '{v}'.");
            for (int x = from; x <= to; x++) result.Add(x);
        }
        return result.ToArray();
    }

    private UsageException Usage(string message) => new($"{_command}: {message}");

    private static bool NonNegative(string text, out int value)
        => int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);

    private static bool IsFlag(string token) => token.StartsWith("--", StringComparison.Ordinal) && token.Length > 2;

    /// <summary>"; did you mean --epochs?" for the nearest of <paramref name="command"/>'s flags, or "" when none is near.</summary>
    internal static string Suggestion(string typed, Command command)
    {
        string name = typed.Split('=')[0];
        var near = Typos.Nearest(name, command.Options.Where(o => !o.Hidden).Select(o => o.Name));
        return near is null ? "" : $"; did you mean {near}?";
    }

    // The flags parsed without a command's help texts (a sweep's task files, a checkpoint's saved flags).
    private static Command Parser(IReadOnlySet<string> valueFlags, IReadOnlySet<string> switches)
    {
        var command = new Command("spikelfp");
        foreach (string name in valueFlags) command.Options.Add(new Flag(name, "V", "").ToOption());
        foreach (string name in switches) command.Options.Add(Flag.Switch(name, "").ToOption());
        return command;
    }
}

/// <summary>The nearest known word to a mistyped one, for "did you mean" hints.</summary>
public static class Typos
{
    /// <summary>
    /// The candidate within a small edit distance of <paramref name="typed"/> (a third of its length, at least one),
    /// or that it starts, the closest first; null when none is near.
    /// </summary>
    public static string? Nearest(string typed, IEnumerable<string> candidates)
    {
        int limit = Math.Max(1, typed.Length / 3);
        return candidates
            .Select(c => (Candidate: c, Distance: c.StartsWith(typed, StringComparison.Ordinal) && typed.TrimStart('-').Length >= 3 ? 0 : Distance(typed, c)))
            .Where(x => x.Distance <= limit && x.Candidate != typed)
            .OrderBy(x => x.Distance).ThenBy(x => x.Candidate, StringComparer.Ordinal)
            .Select(x => x.Candidate).FirstOrDefault();
    }

    // Edit distance counting an insert, a delete, a substitution or a swap of neighbours ("trian") as one.
    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (int j = 0; j <= b.Length; j++) d[0, j] = j;
        for (int i = 1; i <= a.Length; i++)
            for (int j = 1; j <= b.Length; j++)
            {
                d[i, j] = Math.Min(Math.Min(d[i - 1, j], d[i, j - 1]) + 1, d[i - 1, j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
            }
        return d[a.Length, b.Length];
    }
}
