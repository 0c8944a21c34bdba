namespace SpikeLfp.Data;

/// <summary>Turns a data-set name from the command line into loaded data.</summary>
public static class DatasetCatalog
{
    /// <summary>Names <see cref="Resolve"/> knows besides folder paths.</summary>
    public static IReadOnlyList<string> KnownNames { get; } = ["digits", "fashion-mnist", "mnist"];

    /// <summary>
    /// Where fetched data sets live: <c>$XDG_CACHE_HOME/spikelfp</c> when XDG_CACHE_HOME is set to an
    /// absolute path, otherwise <c>~/.cache/spikelfp</c>.
    /// </summary>
    public static string DefaultDataDirectory
    {
        get
        {
            string? xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
            // The XDG spec says relative values are invalid and must be ignored.
            if (!string.IsNullOrWhiteSpace(xdg) && Path.IsPathFullyQualified(xdg))
                return Path.Combine(xdg, "spikelfp");
            string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            return Path.Combine(home, ".cache", "spikelfp");
        }
    }

    /// <summary>
    /// Loads a data set: "digits" (embedded), "fashion-mnist" or "mnist" (from
    /// <c>dataDir/NAME</c>, see <see cref="NpmDatasetFetcher"/>), or any folder of IDX files.
    /// </summary>
    /// <param name="dataset">"digits", "fashion-mnist", "mnist" or a folder path.</param>
    /// <param name="dataDir">Folder of fetched data sets; null means <see cref="DefaultDataDirectory"/>.</param>
    /// <exception cref="DatasetException">Unknown name, missing or malformed files.</exception>
    public static DatasetSplit Resolve(string dataset, string? dataDir)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        switch (dataset)
        {
            case "digits":
                return DigitsDataset.Load();
            case "fashion-mnist":
            case "mnist":
                return IdxDataset.LoadFolder(Path.Combine(dataDir ?? DefaultDataDirectory, dataset), dataset);
        }
        if (dataset.Length > 0 && Directory.Exists(dataset))
        {
            string name = Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(dataset)));
            return IdxDataset.LoadFolder(dataset, name.Length > 0 ? name : dataset);
        }
        throw new DatasetException($"unknown dataset '{dataset}': expected digits, fashion-mnist, mnist or a folder of IDX files");
    }
}
