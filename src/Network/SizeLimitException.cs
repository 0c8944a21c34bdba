namespace SpikeLfp.Network;

/// <summary>
/// A size (a trace of samples x steps x neurons, a file) that is over a named limit or beyond the memory of this
/// machine, found before anything of that size was allocated; the message names the size and the limit.
/// </summary>
public sealed class SizeLimitException(string message) : Exception(message)
{
    /// <summary>
    /// The memory this process may use: the machine's physical memory or the container's limit, as the garbage
    /// collector sees it.
    /// </summary>
    public static long AvailableMemoryBytes => GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;

    /// <summary>A byte count for messages ("3.2 GiB", "512 MiB").</summary>
    public static string Describe(long bytes) => bytes >= 1L << 30
        ? FormattableString.Invariant($"{bytes / (double)(1L << 30):F1} GiB")
        : FormattableString.Invariant($"{bytes / (double)(1L << 20):F1} MiB");
}
