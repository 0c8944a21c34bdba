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
        if (Directory.Exists(path)) throw new UsageException($"--{flag}: '{path}' is a folder, not a file.");
        if (File.Exists(path) && !a.Has(OutputFolder.OverwriteSwitch))
            throw new UsageException($"--{flag}: '{path}' already exists; pass --{OutputFolder.OverwriteSwitch} to replace it, or choose another file.");
    }
}
