using System.Globalization;

namespace SpikeLfp.Cli;

/// <summary>
/// Parses "--name value" and "--switch" arguments against the flags a command declares, so an unknown or
/// repeated flag, a missing value or a malformed number is a one-line usage error.
/// </summary>
public sealed class Arguments
{
    private readonly Dictionary<string, string?> _values = new();
    private readonly HashSet<string> _read = new();
    private readonly string _command;

    /// <summary>Parses <paramref name="args"/>; <paramref name="switches"/> are flags that take no value.</summary>
    public Arguments(string command, IReadOnlyList<string> args, IReadOnlySet<string> valueFlags, IReadOnlySet<string> switches)
    {
        _command = command;
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal) || arg.Length == 2)
                throw new UsageException($"{command}: unexpected argument '{arg}' (see 'spikelfp {command} --help').");
            string name = arg[2..];
            string? value = null;
            int eq = name.IndexOf('=');
            if (eq >= 0) { value = name[(eq + 1)..]; name = name[..eq]; }
            if (switches.Contains(name))
            {
                if (value is not null) throw new UsageException($"{command}: --{name} takes no value.");
            }
            else if (valueFlags.Contains(name))
            {
                if (value is null)
                {
                    if (i + 1 >= args.Count) throw new UsageException($"{command}: --{name} needs a value.");
                    value = args[++i];
                }
            }
            else throw new UsageException($"{command}: unknown flag --{name} (see 'spikelfp {command} --help').");
            if (!_values.TryAdd(name, value)) throw new UsageException($"{command}: --{name} is given twice.");
        }
    }

    /// <summary>True when the switch or flag was given.</summary>
    public bool Has(string name) => _values.ContainsKey(name);

    /// <summary>A string value or the default.</summary>
    public string String(string name, string fallback) => _values.TryGetValue(name, out var v) && v is not null ? v : fallback;

    /// <summary>An optional string value.</summary>
    public string? OptionalString(string name) => _values.TryGetValue(name, out var v) ? v : null;

    /// <summary>An integer value in [min, max] or the default.</summary>
    public int Int(string name, int fallback, int min = int.MinValue, int max = int.MaxValue)
    {
        if (!_values.TryGetValue(name, out var v) || v is null) return fallback;
        if (!int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out int x))
            throw new UsageException($"{_command}: --{name} must be an integer, got '{v}'.");
        if (x < min || x > max)
            throw new UsageException(min == 1 && max == int.MaxValue
                ? $"{_command}: --{name} must be a positive integer, got {x}."
                : $"{_command}: --{name} must be between {min} and {max}, got {x}.");
        return x;
    }

    /// <summary>A finite float value or the default; <paramref name="positive"/> also requires &gt; 0.</summary>
    public float Float(string name, float fallback, bool positive = false)
    {
        if (!_values.TryGetValue(name, out var v) || v is null) return fallback;
        if (!float.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out float x) || !float.IsFinite(x))
            throw new UsageException($"{_command}: --{name} must be a finite number, got '{v}'.");
        if (positive && x <= 0) throw new UsageException($"{_command}: --{name} must be > 0, got {v}.");
        return x;
    }

    /// <summary>One of <paramref name="choices"/> or the default.</summary>
    public string Choice(string name, string fallback, params string[] choices)
    {
        string v = String(name, fallback);
        if (!choices.Contains(v)) throw new UsageException($"{_command}: --{name} must be one of {string.Join(", ", choices)}, got '{v}'.");
        return v;
    }

    /// <summary>
    /// A comma-separated list of non-negative integers, where "A-B" stands for A, A+1, ..., B (for example seeds
    /// "0,1,2", "0-19" or "0-4,10").
    /// </summary>
    public int[] IntList(string name, int[] fallback)
    {
        if (!_values.TryGetValue(name, out var v) || v is null) return fallback;
        var result = new List<int>();
        foreach (string part in v.Split(',', StringSplitOptions.TrimEntries))
        {
            int dash = part.Length > 1 ? part.IndexOf('-', 1) : -1; // from 1: a leading '-' is a sign, and rejected
            string first = dash < 0 ? part : part[..dash], last = dash < 0 ? part : part[(dash + 1)..];
            if (!NonNegative(first, out int from) || !NonNegative(last, out int to) || to < from || to - from >= 100_000)
                throw new UsageException($"{_command}: --{name} must be a comma-separated list of non-negative integers or ranges A-B, got '{v}'.");
            for (int x = from; x <= to; x++) result.Add(x);
        }
        return result.ToArray();
    }

    private static bool NonNegative(string text, out int value)
        => int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);
}
