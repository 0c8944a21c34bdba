namespace SpikeLfp.Data.Events;

/// <summary>
/// Where the official event data sets are published, which files go where, and the checksums that the
/// publishers' archives are known by (taken from the tonic and SpikingJelly loaders, which check them).
/// There is no download here: <c>spikelfp data fetch shd|ssc|nmnist</c> prints these instructions.
/// </summary>
public static class EventDatasetSources
{
    /// <summary>One archive to download: its name, MD5 of the archive, and the file or folder it unpacks to.</summary>
    public sealed record Archive(string Name, string Md5, string Unpacks);

    /// <summary>Publication of one data set.</summary>
    public sealed record Source(string Title, string Page, string DownloadBase, IReadOnlyList<Archive> Archives, string Layout);

    /// <summary>The sources by name: shd, ssc, nmnist.</summary>
    public static IReadOnlyDictionary<string, Source> ByName { get; } = new Dictionary<string, Source>
    {
        ["shd"] = new(
            "Spiking Heidelberg Digits (Cramer et al. 2020, CC BY 4.0)",
            "https://zenkelab.org/resources/spiking-heidelberg-datasets-shd/",
            "https://zenkelab.org/datasets/",
            [new("shd_train.h5.zip", "f3252aeb598ac776c1b526422d90eecb", "shd_train.h5"),
             new("shd_test.h5.zip", "1503a5064faa34311c398fb0a1ed0a6f", "shd_test.h5")],
            "shd_train.h5 and shd_test.h5"),
        ["ssc"] = new(
            "Spiking Speech Commands (Cramer et al. 2020, CC BY 4.0)",
            "https://zenkelab.org/resources/spiking-heidelberg-datasets-shd/",
            "https://zenkelab.org/datasets/",
            [new("ssc_train.h5.zip", "d102be95e7144fcc0553d1f45ba94170", "ssc_train.h5"),
             new("ssc_valid.h5.zip", "b4eee3516a4a90dd0c71a6ac23a8ae43", "ssc_valid.h5"),
             new("ssc_test.h5.zip", "a35ff1e9cffdd02a20eb850c17c37748", "ssc_test.h5")],
            "ssc_train.h5, ssc_valid.h5 and ssc_test.h5"),
        ["nmnist"] = new(
            "N-MNIST (Orchard et al. 2015, CC BY-SA 4.0)",
            "https://www.garrickorchard.com/datasets/n-mnist",
            "https://data.mendeley.com/datasets/468j46mzdv/1",
            [new("Train.zip", "20959b8e626244a1b502305a9e6e2031", "Train/0..9/*.bin"),
             new("Test.zip", "69ca8762b2fe404d9b9bad1103e97832", "Test/0..9/*.bin")],
            "the folders Train/ and Test/, each with class folders 0..9 of .bin files"),
    };

    /// <summary>The instructions printed by <c>spikelfp data fetch NAME</c>, one line per entry.</summary>
    /// <exception cref="DatasetException">The name is not shd, ssc or nmnist.</exception>
    public static IReadOnlyList<string> Instructions(string name, string? dataDir)
    {
        if (!ByName.TryGetValue(name, out var source))
            throw new DatasetException($"cannot fetch '{name}': expected shd, ssc or nmnist");
        string folder = EventDatasets.FolderOf(name, dataDir);
        var lines = new List<string>
        {
            $"{source.Title}: there is no network access here, so download it by hand.",
            $"  Published at {source.Page}",
            $"  Files: {source.DownloadBase}",
        };
        foreach (var archive in source.Archives)
            lines.Add($"    {archive.Name,-18} md5 {archive.Md5}  -> unpacks to {archive.Unpacks}");
        lines.Add($"  Unpack into {folder} so that it holds {source.Layout}.");
        lines.Add($"  (The MD5 sums are those of the archives, as checked by the tonic and SpikingJelly loaders.)");
        lines.Add($"  Then: spikelfp data inspect --dataset {name} --data-dir {dataDir ?? DatasetCatalog.DefaultDataDirectory}");
        return lines;
    }
}
