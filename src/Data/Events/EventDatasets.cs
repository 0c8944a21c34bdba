namespace SpikeLfp.Data.Events;

/// <summary>An event data set ready for a network: its parts and the binner that turns a sample into input steps.</summary>
/// <param name="Data">Train, test (and validation where published) samples.</param>
/// <param name="Binner">Bins any sample of <paramref name="Data"/>; its <see cref="EventBinner.InputSize"/> and
/// <see cref="EventBinner.Steps"/> size the network's input layer and simulation.</param>
public sealed record EventSource(EventDatasetSplit Data, EventBinner Binner);

/// <summary>
/// The one place that turns an event data-set name from the command line into loaded data:
/// <c>shd</c>, <c>ssc</c> (HDF5 files in <c>DATA_DIR/shd</c>, <c>DATA_DIR/ssc</c>), <c>nmnist</c>
/// (<c>DATA_DIR/nmnist/Train</c>, <c>Test</c>) and <c>events:PATH</c> (a folder in the N-MNIST layout, as
/// <c>spikelfp data convert --to events</c> writes, or in the <see cref="EventTableFolder"/> layout).
/// </summary>
public static class EventDatasets
{
    /// <summary>Prefix of a folder given as an event data set: <c>events:PATH</c>.</summary>
    public const string PathPrefix = "events:";

    /// <summary>Published event data sets this reader knows by name.</summary>
    public static IReadOnlyList<string> KnownNames { get; } = ["shd", "ssc", "nmnist"];

    /// <summary>Classes of SHD: spoken digits 0-9 in English and German.</summary>
    public const int ShdClasses = 20;

    /// <summary>Classes of SSC: the 35 words of Speech Commands.</summary>
    public const int SscClasses = 35;

    /// <summary>True for <c>shd</c>, <c>ssc</c>, <c>nmnist</c> and anything starting with <c>events:</c>.</summary>
    public static bool IsEventDataset(string name) => KnownNames.Contains(name) || name.StartsWith(PathPrefix, StringComparison.Ordinal);

    /// <summary>The binning a data set is usually trained with: SHD and SSC 100 steps of 10 ms; others 10 ms bins over the longest sample. All binary.</summary>
    public static EventBinningOptions DefaultBinning(string name) =>
        name is "shd" or "ssc" ? EventBinningOptions.Heidelberg : new EventBinningOptions();

    /// <summary>
    /// Loads <paramref name="name"/> and makes its binner: <paramref name="binning"/>, or
    /// <see cref="DefaultBinning"/> when null. A step count left open is found over every part.
    /// </summary>
    /// <exception cref="DatasetException">Unknown name, missing or malformed files.</exception>
    /// <exception cref="ArgumentException">Invalid binning options.</exception>
    public static EventSource Open(string name, string? dataDir, EventBinningOptions? binning = null)
    {
        var data = Load(name, dataDir);
        var parts = data.Validation is null ? new[] { data.Train, data.Test } : [data.Train, data.Test, data.Validation];
        return new EventSource(data, new EventBinner(data.Train.Sensor, binning ?? DefaultBinning(name), parts));
    }

    /// <summary>Loads the parts of <paramref name="name"/> (see the type's remarks for the layouts).</summary>
    /// <param name="name">shd, ssc, nmnist or events:PATH.</param>
    /// <param name="dataDir">Folder of data sets; null means <see cref="DatasetCatalog.DefaultDataDirectory"/>.</param>
    /// <exception cref="DatasetException">Unknown name, missing or malformed files.</exception>
    public static EventDatasetSplit Load(string name, string? dataDir)
    {
        ArgumentNullException.ThrowIfNull(name);
        string root = dataDir ?? DatasetCatalog.DefaultDataDirectory;
        switch (name)
        {
            case "shd":
                return new EventDatasetSplit(
                    HeidelbergSpikesFormat.Read(Locate(root, name, "shd_train.h5"), name, ShdClasses),
                    HeidelbergSpikesFormat.Read(Locate(root, name, "shd_test.h5"), name, ShdClasses));
            case "ssc":
                return new EventDatasetSplit(
                    HeidelbergSpikesFormat.Read(Locate(root, name, "ssc_train.h5"), name, SscClasses),
                    HeidelbergSpikesFormat.Read(Locate(root, name, "ssc_test.h5"), name, SscClasses),
                    HeidelbergSpikesFormat.Read(Locate(root, name, "ssc_valid.h5"), name, SscClasses));
            case "nmnist":
                string folder = Path.Combine(root, name);
                if (!NMnistFolder.Looks(folder))
                    throw new DatasetException($"{folder}: no Train/ and Test/ folders of N-MNIST .bin files (see 'spikelfp data fetch nmnist')");
                return NMnistFolder.Load(folder, name, NMnistFolder.NMnistSensor);
        }
        if (name.StartsWith(PathPrefix, StringComparison.Ordinal) && name.Length > PathPrefix.Length)
        {
            string path = name[PathPrefix.Length..];
            string shortName = Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(path)));
            if (shortName.Length == 0) shortName = "events";
            if (!Directory.Exists(path))
                throw new DatasetException($"{path}: event data set folder not found");
            if (NMnistFolder.Looks(path)) return NMnistFolder.Load(path, shortName);
            if (EventTableFolder.Looks(path)) return EventTableFolder.Load(path, shortName);
            throw new DatasetException($"{path}: neither the N-MNIST layout (Train/CLASS/*.bin, Test/CLASS/*.bin) nor an event table (train/labels.csv, test/labels.csv)");
        }
        throw new DatasetException($"unknown event dataset '{name}': expected shd, ssc, nmnist or events:PATH");
    }

    /// <summary>Where the files of <paramref name="name"/> go: <c>DATA_DIR/NAME</c>.</summary>
    public static string FolderOf(string name, string? dataDir) => Path.Combine(dataDir ?? DatasetCatalog.DefaultDataDirectory, name);

    /// <summary>
    /// The file in <c>root/name/file</c>, or in <c>root/file</c> for a user who put the files straight into the
    /// data folder; a missing file names both places and how to get it.
    /// </summary>
    private static string Locate(string root, string name, string file)
    {
        string inFolder = Path.Combine(root, name, file), direct = Path.Combine(root, file);
        if (File.Exists(inFolder)) return inFolder;
        if (File.Exists(direct)) return direct;
        throw new DatasetException($"{inFolder}: file not found (see 'spikelfp data fetch {name}')");
    }
}
