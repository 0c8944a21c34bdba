namespace SpikeLfp.Sweeps;

/// <summary>
/// How to start spikelfp again as a child process: the executable and the arguments before the command, for
/// example the apphost alone, or "dotnet" and the path of spikelfp.dll.
/// </summary>
/// <param name="FileName">The executable, absolute.</param>
/// <param name="Prefix">Arguments before the spikelfp command.</param>
public sealed record Launcher(string FileName, IReadOnlyList<string> Prefix)
{
    /// <summary>The whole command line for <paramref name="args"/>, each word quoted for a POSIX shell.</summary>
    public string ShellCommand(IEnumerable<string> args) => string.Join(" ", new[] { FileName }.Concat(Prefix).Concat(args).Select(ShellQuote));

    /// <summary>Quotes a word for a POSIX shell when it needs it.</summary>
    public static string ShellQuote(string word)
        => word.Length > 0 && word.All(c => char.IsAsciiLetterOrDigit(c) || "-_./=:,+@%".Contains(c)) ? word : "'" + word.Replace("'", "'\\''") + "'";
}
