using SpikeLfp.Sweeps;

namespace SpikeLfp.Cli;

/// <summary>
/// The folder a command writes its results into, claimed for as long as the command runs: a run never writes over
/// an earlier one unless the user says --overwrite, and two commands never write into one folder at once.
/// </summary>
/// <remarks>
/// The claim is an exclusive lock on <see cref="LockFileName"/> inside the folder (an advisory file lock the kernel
/// releases when the process ends, even by SIGKILL, so a killed run never blocks the folder). The file stays behind
/// as the mark of a folder spikelfp wrote: --overwrite clears only such folders, never one holding other files.
/// </remarks>
public sealed class OutputFolder : IDisposable
{
    /// <summary>The lock file, and the mark of a folder spikelfp wrote.</summary>
    public const string LockFileName = ".spikelfp.lock";

    /// <summary>The switch that lets a command replace what an earlier run left in its output.</summary>
    public const string OverwriteSwitch = "overwrite";

    private readonly FileStream _lock;

    private OutputFolder(string path, FileStream held) => (Path, _lock) = (path, held);

    /// <summary>The folder.</summary>
    public string Path { get; }

    /// <summary>
    /// The output folder of a new run: --out, or runs/&lt;command&gt;-&lt;timestamp&gt;; created and locked. A folder
    /// that is not empty is refused unless --overwrite is given, which deletes what an earlier spikelfp run left there.
    /// Called after the inputs were validated, so a refused or failed command leaves nothing behind.
    /// <paramref name="otherWay"/>, given the folder, names another way on in the refusal (train's --resume), or "".
    /// </summary>
    public static OutputFolder ForNewRun(Arguments a, string command, Func<string, string>? otherWay = null)
    {
        string folder = a.OptionalString("out") ?? System.IO.Path.Combine("runs", $"{command}-{DateTime.Now:yyyyMMdd-HHmmss}");
        if (folder.Length == 0) throw new UsageException("--out: the path is empty; give a folder.");
        CheckLinks(folder);
        if (File.Exists(folder)) throw new UsageException($"--out: '{folder}' is a file, not a folder.");
        try { Directory.CreateDirectory(folder); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"--out: cannot write to '{folder}': {e.Message}");
        }
        // A folder spikelfp never wrote is refused before the lock file is made: it gets no mark, and is never cleared.
        if (!File.Exists(System.IO.Path.Combine(folder, LockFileName)) && EarlierResults(folder) is { Length: > 0 } foreign)
            throw new UsageException(a.Has(OverwriteSwitch)
                ? $"--{OverwriteSwitch}: '{folder}' holds files spikelfp did not write ({Describe(foreign)}); --{OverwriteSwitch} only replaces an earlier spikelfp run. Remove them yourself or choose another folder."
                : $"--out: '{folder}' is not empty ({Describe(foreign)}); choose a new or empty folder.");
        var claimed = Claim(folder);
        try
        {
            var earlier = EarlierResults(folder);
            if (earlier.Length > 0)
            {
                if (!a.Has(OverwriteSwitch))
                    throw new UsageException($"--out: '{folder}' already holds results ({Describe(earlier)}); pass --{OverwriteSwitch} to replace them{otherWay?.Invoke(folder)}, or choose another folder.");
                claimed.Clear(earlier);
            }
            return claimed;
        }
        catch
        {
            claimed.Dispose();
            throw;
        }
    }

    // A symbolic link that leads nowhere (a loop, or a missing target) looks like a file to File.Exists: name the link.
    private static void CheckLinks(string folder)
    {
        var info = new FileInfo(System.IO.Path.TrimEndingDirectorySeparator(folder));
        if (info.LinkTarget is null) return;
        FileSystemInfo? target;
        try { target = info.ResolveLinkTarget(returnFinalTarget: true); }
        catch (IOException e) { throw new UsageException($"--out: '{folder}' is a symbolic link that cannot be followed ({FileErrorMessage.Reason(e)}); choose another folder."); }
        if (target is null || !target.Exists)
            throw new UsageException($"--out: '{folder}' is a symbolic link to '{info.LinkTarget}', which does not exist; choose another folder.");
    }

    /// <summary>The existing folder of a run to continue, locked; it must hold <paramref name="requiredFile"/>.</summary>
    public static OutputFolder ForResume(string folder, string requiredFile, string missingMessage)
    {
        if (!File.Exists(System.IO.Path.Combine(folder, requiredFile))) throw new UsageException(missingMessage);
        return Claim(folder);
    }

    /// <summary>Releases the lock (the lock file stays, as the mark of a spikelfp folder).</summary>
    public void Dispose() => _lock.Dispose();

    // Locks the folder and proves it writable (the lock file is written), so no run starts that cannot save.
    private static OutputFolder Claim(string folder)
    {
        string path = System.IO.Path.Combine(folder, LockFileName);
        FileStream? held;
        try { held = TaskLock.TryOpen(path, FileMode.OpenOrCreate); }
        catch (UnauthorizedAccessException e) { throw new UsageException($"--out: cannot write to '{folder}': {e.Message}"); }
        if (held is null)
        {
            // TryOpen answers null for a lock held elsewhere and for other I/O failures; tell them apart.
            if (!File.Exists(path)) throw new UsageException($"--out: cannot write to '{folder}': the lock file {LockFileName} cannot be created.");
            throw new UsageException($"--out: '{folder}' is in use by another spikelfp process (it holds {LockFileName}); wait for it to finish or choose another folder.");
        }
        try
        {
            held.SetLength(0);
            held.Write(System.Text.Encoding.ASCII.GetBytes($"{Environment.ProcessId}\n"));
            held.Flush();
        }
        catch (IOException e)
        {
            held.Dispose();
            throw new UsageException($"--out: cannot write to '{folder}': {e.Message}");
        }
        // An existing lock file opens even in a folder that no longer takes new files (a resumed run's folder made
        // read-only); every result is saved by creating a file and renaming it, so probe that too.
        try { OutputFile.CheckFolderWritable("out", folder); }
        catch
        {
            held.Dispose();
            throw;
        }
        return new OutputFolder(folder, held);
    }

    // Everything in the folder but the lock file.
    private static string[] EarlierResults(string folder)
        => Directory.EnumerateFileSystemEntries(folder).Where(p => System.IO.Path.GetFileName(p) != LockFileName).Order(StringComparer.Ordinal).ToArray();

    private static string Describe(string[] entries)
        => string.Join(", ", entries.Take(3).Select(System.IO.Path.GetFileName)) + (entries.Length > 3 ? $" and {entries.Length - 3} more" : "");

    // --overwrite: deletes an earlier run's files (the folder holds the lock file, so spikelfp wrote it). The new run
    // starts from an empty folder: no stale checkpoint, raster or per-seed file of the old run is mixed into the new.
    private void Clear(string[] earlier)
    {
        try
        {
            foreach (string entry in earlier)
            {
                if (Directory.Exists(entry) && !File.GetAttributes(entry).HasFlag(FileAttributes.ReparsePoint)) Directory.Delete(entry, recursive: true);
                else File.Delete(entry);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"--{OverwriteSwitch}: cannot clear '{Path}': {e.Message}");
        }
    }
}
