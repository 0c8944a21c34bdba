namespace SpikeLfp.Cli;

/// <summary>A single output file named by a flag (plot --out, bench --json): an existing one is replaced only with --overwrite.</summary>
public static class OutputFile
{
    /// <summary>
    /// Refuses <paramref name="path"/> (the value of --<paramref name="flag"/>) when it is a folder, or a file that
    /// exists and --overwrite was not given. Called before any work, so nothing is computed that could not be saved.
    /// </summary>
    public static void CheckMayWrite(Arguments a, string flag, string path)
    {
        if (path.Length == 0) throw new UsageException($"--{flag}: the path is empty; give a file name.");
        if (Directory.Exists(path)) throw new UsageException($"--{flag}: '{path}' is a folder, not a file.");
        if (File.Exists(path) && !a.Has(OutputFolder.OverwriteSwitch))
            throw new UsageException($"--{flag}: '{path}' already exists; pass --{OutputFolder.OverwriteSwitch} to replace it, or choose another file.");
        string folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        if (!Directory.Exists(folder)) throw new UsageException($"--{flag}: the folder '{folder}' does not exist.");
        CheckFolderWritable(flag, folder);
    }

    /// <summary>
    /// Refuses a <paramref name="folder"/> in which no file can be created (read-only, immutable, not the user's),
    /// by creating and removing a probe file: the rename that saves each result needs exactly that.
    /// </summary>
    public static void CheckFolderWritable(string flag, string folder)
    {
        string probe = Path.Combine(folder, $".spikelfp-probe.{Environment.ProcessId}.tmp");
        try
        {
            using var _ = new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"--{flag}: cannot write into '{folder}': {FileErrorMessage.Reason(e)}.");
        }
    }
}
