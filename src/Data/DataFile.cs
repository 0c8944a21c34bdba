using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace SpikeLfp.Data;

/// <summary>The check every data file passes before it is opened.</summary>
internal static partial class DataFile
{
    /// <summary>
    /// Throws unless <paramref name="path"/> is a regular file with content: a FIFO would make open wait for a writer
    /// forever and a device (/dev/zero) never ends; both, like /proc files, report a length of 0, the one sign of them
    /// that every OS gives before open. (The Network layer's InputFile makes the same check for models and checkpoints.)
    /// </summary>
    /// <exception cref="DatasetException">Missing, a folder, or empty or not a regular file.</exception>
    public static void CheckRegular(string path)
    {
        if (Directory.Exists(path)) throw new DatasetException($"{path}: is a folder, expected a file");
        var info = Target(path);
        if (!info.Exists) throw new DatasetException($"{path}: file not found");
        if (info.Length == 0) throw new DatasetException($"{path}: empty, or not a regular file (a pipe or a device)");
    }

    /// <summary>
    /// For a file that may hold nothing (an N-MNIST recording without events): its length, after making sure that a
    /// length of 0 is an empty file and not a FIFO, a socket or a device that streams data (/dev/zero). Such a path is
    /// opened without blocking, and refused when it cannot seek (a FIFO or socket) or yields a byte where an empty file
    /// has none.
    /// </summary>
    /// <exception cref="DatasetException">Missing, a folder, or not a regular file; the message names the path.</exception>
    public static long CheckRegularOrEmpty(string path)
    {
        if (Directory.Exists(path)) throw new DatasetException($"{path}: is a folder, expected a file");
        var info = Target(path);
        if (!info.Exists) throw new DatasetException($"{path}: file not found");
        if (info.Length > 0 || OperatingSystem.IsWindows()) return info.Length;
        int fd = OpenForReading(info.FullName, OperatingSystem.IsLinux() ? LinuxNonBlocking : BsdNonBlocking);
        if (fd < 0) throw new DatasetException($"{path}: cannot read (error {Marshal.GetLastPInvokeError()})");
        using var handle = new SafeFileHandle(fd, ownsHandle: true);
        using var stream = new FileStream(handle, FileAccess.Read, 1);
        if (!stream.CanSeek || stream.ReadByte() >= 0) throw new DatasetException($"{path}: not a regular file (a pipe, a socket or a device)");
        return 0;
    }

    // The file a path names, through every symbolic link: FileInfo's length is the link's own, not its target's.
    private static FileInfo Target(string path)
    {
        var info = new FileInfo(path);
        if (info.LinkTarget is null) return info;
        try { return info.ResolveLinkTarget(returnFinalTarget: true) as FileInfo ?? info; }
        catch (IOException e) { throw new DatasetException($"{path}: a symbolic link that cannot be followed ({e.Message})"); }
    }

    // O_NONBLOCK: open returns at once even for a FIFO without a writer (O_RDONLY is 0 everywhere).
    private const int LinuxNonBlocking = 0x800, BsdNonBlocking = 0x4;

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int OpenForReading(string path, int flags);
}
