namespace SpikeLfp.Data;

/// <summary>
/// Any problem with a data set on disk or in a package: a missing file, a malformed header, truncated
/// data, labels out of range, a failed download. The message is one line and names the file (or folder)
/// and the problem, so the CLI can print it as is.
/// </summary>
public class DatasetException : Exception
{
    /// <summary>Creates an exception with a one-line message.</summary>
    public DatasetException(string message) : base(message) { }

    /// <summary>Creates an exception with a one-line message and the low-level cause.</summary>
    public DatasetException(string message, Exception innerException) : base(message, innerException) { }
}
