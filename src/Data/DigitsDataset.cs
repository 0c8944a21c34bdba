using System.Globalization;
using System.IO.Compression;

namespace SpikeLfp.Data;

/// <summary>
/// The small embedded default data set: UCI optical digits, 1,797 8x8 images with 17 grey levels
/// (see Resources/README.md for provenance and licences).
/// </summary>
public static class DigitsDataset
{
    internal const string ResourceName = "SpikeLfp.Data.Resources.digits.csv.gz";
    private const string FileLabel = "embedded digits.csv.gz";
    private const int PixelCount = 64;
    private const int ClassCount = 10;
    private const int MaxPixel = 16;

    /// <summary>
    /// Loads the embedded digits. For each class, the first 80% (rounded down) of its samples in file
    /// order go to train and the rest to test; file order is kept within each split. Pixels p in 0..16
    /// are scaled to <c>(p/16 - 0.5)/0.5</c>. Shape (1, 8, 8), name "digits".
    /// </summary>
    public static DatasetSplit Load()
    {
        using Stream resource = typeof(DigitsDataset).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new DatasetException($"{FileLabel}: resource {ResourceName} is missing from the assembly");
        return Parse(resource);
    }

    /// <summary>Parses the gzipped CSV form (64 pixels then the label per line) and splits it.</summary>
    internal static DatasetSplit Parse(Stream gzipped)
    {
        var pixels = new List<byte[]>();
        var labels = new List<int>();
        try
        {
            using var gzip = new GZipStream(gzipped, CompressionMode.Decompress, leaveOpen: true);
            using var reader = new StreamReader(gzip);
            int lineNumber = 0;
            while (reader.ReadLine() is { } line)
            {
                lineNumber++;
                if (line.Length == 0) continue;
                var (sample, label) = ParseLine(line, lineNumber);
                pixels.Add(sample);
                labels.Add(label);
            }
        }
        catch (InvalidDataException e)
        {
            throw new DatasetException($"{FileLabel}: not valid gzip ({e.Message})", e);
        }

        if (labels.Count == 0)
            throw new DatasetException($"{FileLabel}: holds no samples");

        // Split per class in file order: the first floor(80%) of each class train, the rest test.
        var perClass = new int[ClassCount];
        foreach (int label in labels) perClass[label]++;
        var trainQuota = perClass.Select(n => n * 8 / 10).ToArray();
        var seen = new int[ClassCount];
        var train = new List<int>();
        var test = new List<int>();
        for (int i = 0; i < labels.Count; i++)
        {
            int label = labels[i];
            (seen[label]++ < trainQuota[label] ? train : test).Add(i);
        }

        return new DatasetSplit(Build(train, pixels, labels), Build(test, pixels, labels));
    }

    private static (byte[] Pixels, int Label) ParseLine(string line, int lineNumber)
    {
        var sample = new byte[PixelCount];
        int field = 0;
        int label = -1;
        foreach (var range in line.AsSpan().Split(','))
        {
            var text = line.AsSpan(range).Trim();
            if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value))
                throw new DatasetException($"{FileLabel}: line {lineNumber} field {field + 1} is not an integer");
            if (field < PixelCount)
            {
                if (value is < 0 or > MaxPixel)
                    throw new DatasetException($"{FileLabel}: line {lineNumber} pixel {field + 1} is {value}, expected 0..{MaxPixel}");
                sample[field] = (byte)value;
            }
            else if (field == PixelCount)
            {
                if (value is < 0 or >= ClassCount)
                    throw new DatasetException($"{FileLabel}: line {lineNumber} label is {value}, expected 0..{ClassCount - 1}");
                label = value;
            }
            field++;
        }
        if (field != PixelCount + 1)
            throw new DatasetException($"{FileLabel}: line {lineNumber} has {field} fields, expected {PixelCount + 1}");
        return (sample, label);
    }

    private static Dataset Build(List<int> indices, List<byte[]> pixels, List<int> labels)
    {
        var features = new float[indices.Count * PixelCount];
        var chosen = new int[indices.Count];
        for (int row = 0; row < indices.Count; row++)
        {
            int source = indices[row];
            chosen[row] = labels[source];
            var target = features.AsSpan(row * PixelCount, PixelCount);
            for (int p = 0; p < PixelCount; p++)
                target[p] = (pixels[source][p] / (float)MaxPixel - 0.5f) / 0.5f;
        }
        return new Dataset("digits", features, chosen, PixelCount, ClassCount, new SampleShape(1, 8, 8));
    }
}
