using System.Text.RegularExpressions;

namespace SpikeLfp.Cli;

/// <summary>
/// One line for a failed read or write (disk full, permission denied, a folder removed under a run): the file the
/// user asked for and the operating system's reason, never a stack trace or the name of a temporary file.
/// </summary>
public static partial class FileErrorMessage
{
    /// <summary>"'PATH': REASON" from an <see cref="IOException"/> or <see cref="UnauthorizedAccessException"/>.</summary>
    public static string Describe(Exception e)
    {
        Match quoted = QuotedPath().Match(OneLine(e.Message));
        return quoted.Success ? $"'{TargetOf(quoted.Groups["path"].Value)}': {Reason(e)}" : OneLine(e.Message);
    }

    /// <summary>The operating system's reason alone ("No space left on device", "Permission denied").</summary>
    public static string Reason(Exception e)
    {
        string message = OneLine(e.Message);
        Match quoted = QuotedPath().Match(message);
        string reason = e switch
        {
            // "Access to the path 'P' is denied." hides the OS reason ("Permission denied", "Operation not permitted") in the inner exception.
            UnauthorizedAccessException => e.InnerException is { } inner ? OneLine(inner.Message) : "access denied",
            // A folder removed during the run makes the rename of a finished temporary file fail as "file not found" too.
            FileNotFoundException or DirectoryNotFoundException when quoted.Success && !Directory.Exists(Path.GetDirectoryName(quoted.Groups["path"].Value))
                => "its folder does not exist (was it removed during the run?)",
            // The same removal caught half-way (the temporary file gone, the folder not yet): still the user's doing.
            FileNotFoundException when quoted.Success && TempFile().IsMatch(Path.GetFileName(quoted.Groups["path"].Value))
                => "the file being written was removed during the run",
            FileNotFoundException => "no such file",
            DirectoryNotFoundException => "its folder does not exist",
            // Unix I/O errors read "REASON : 'P'".
            _ when quoted.Success && message[..quoted.Index].TrimEnd(' ', ':') is { Length: > 0 } before => before,
            _ => message,
        };
        return reason.TrimEnd('.');
    }

    // AtomicFile and PlotExport write ".NAME[.PID].GUID.tmp" next to NAME and rename it; the user asked for NAME.
    private static string TargetOf(string path)
    {
        Match temp = TempFile().Match(Path.GetFileName(path));
        return temp.Success ? Path.Combine(Path.GetDirectoryName(path) ?? "", temp.Groups["name"].Value) : path;
    }

    private static string OneLine(string text) => string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries)).Trim();

    [GeneratedRegex("'(?<path>[^']*)'")]
    private static partial Regex QuotedPath();

    [GeneratedRegex(@"^\.(?<name>.+?)\.(?:\d+\.)?[0-9a-f]{32}\.tmp$")]
    private static partial Regex TempFile();
}
