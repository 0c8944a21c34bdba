using System.Text;

namespace SpikeLfp.Network.IO;

/// <summary>
/// Reads an input file whole, with a cap: a pipe, a device (/dev/zero), a folder or an empty file is refused before
/// it is opened (opening a FIFO would wait for a writer forever), and no more than the cap is ever read.
/// </summary>
internal static class InputFile
{
    /// <summary>Cap of a JSON file that holds weights (a model.json, a checkpoint): 1 GiB.</summary>
    public const long MaxWeightsFileBytes = 1L << 30;

    /// <summary>Cap of a small JSON file (metrics.json, an architecture): 64 MiB.</summary>
    public const long MaxSmallFileBytes = 1L << 26;

    /// <summary>Reads <paramref name="path"/> as UTF-8 text, at most <paramref name="maxBytes"/> bytes.</summary>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="IOException">Not a regular file, empty, or unreadable; the message says which.</exception>
    /// <exception cref="SizeLimitException">Larger than <paramref name="maxBytes"/>.</exception>
    public static string ReadAllText(string path, long maxBytes)
    {
        CheckRegular(path);
        if (new FileInfo(path).Length > maxBytes) throw TooLarge(path, maxBytes);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        var buffer = new MemoryStream();
        var chunk = new byte[1 << 16];
        int n;
        while ((n = stream.Read(chunk)) > 0)
        {
            // The file may grow while it is read: the cap holds for what is read, not for what stat said.
            if (buffer.Length + n > maxBytes) throw TooLarge(path, maxBytes);
            buffer.Write(chunk, 0, n);
        }
        return new UTF8Encoding(false).GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    /// <summary>
    /// Throws unless <paramref name="path"/> is a regular file with content. Pipes, devices and /proc files report a
    /// length of 0, so an empty length is refused without opening (the one test that works before open on every OS).
    /// </summary>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="IOException">A folder, or empty or not a regular file (the message says which, without the path: callers name it).</exception>
    public static void CheckRegular(string path)
    {
        if (Directory.Exists(path)) throw new IOException("is a folder, not a file");
        var info = new FileInfo(path);
        if (!info.Exists) throw new FileNotFoundException($"Could not find file '{path}'.", path);
        if (info.Length == 0) throw new IOException("empty, or not a regular file (a pipe or a device)");
    }

    private static SizeLimitException TooLarge(string path, long maxBytes)
        => new($"'{path}' is larger than the limit of {SizeLimitException.Describe(maxBytes)} for this kind of file.");
}
