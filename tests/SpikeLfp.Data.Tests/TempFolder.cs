namespace SpikeLfp.Data.Tests;

/// <summary>A fresh folder under the system temp path, deleted on dispose.</summary>
internal sealed class TempFolder : IDisposable
{
    public TempFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"spikelfp-data-tests-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        if (Directory.Exists(Path)) Directory.Delete(Path, recursive: true);
    }
}

/// <summary>Small, fully known IDX data sets written to disk.</summary>
internal static class SmallIdx
{
    public const int Rows = 3;
    public const int Cols = 2;

    /// <summary>Pixel j of image i is (i * 7 + j * 31) mod 256, so every value is predictable.</summary>
    public static byte[] Pixels(int count)
    {
        var pixels = new byte[count * Rows * Cols];
        for (int i = 0; i < count; i++)
            for (int j = 0; j < Rows * Cols; j++)
                pixels[i * Rows * Cols + j] = (byte)((i * 7 + j * 31) % 256);
        return pixels;
    }

    public static byte[] Labels(int count, int classes) =>
        Enumerable.Range(0, count).Select(i => (byte)(i % classes)).ToArray();

    /// <summary>Writes a valid four-file set: 12 train, 5 test images, 4 classes; ".gz" suffix when asked.</summary>
    public static void WriteSet(string folder, bool gzip = false, int trainCount = 12, int testCount = 5, int classes = 4)
    {
        string gz = gzip ? ".gz" : "";
        IdxFormat.WriteImages(Path.Combine(folder, IdxDataset.TrainImagesFile + gz), Pixels(trainCount), trainCount, Rows, Cols);
        IdxFormat.WriteLabels(Path.Combine(folder, IdxDataset.TrainLabelsFile + gz), Labels(trainCount, classes));
        IdxFormat.WriteImages(Path.Combine(folder, IdxDataset.TestImagesFile + gz), Pixels(testCount), testCount, Rows, Cols);
        IdxFormat.WriteLabels(Path.Combine(folder, IdxDataset.TestLabelsFile + gz), Labels(testCount, classes));
    }

    /// <summary>Raw IDX images bytes built by hand (header then pixels), independent of the writer.</summary>
    public static byte[] ImagesBytes(int magic, int count, int rows, int cols, int payloadLength)
    {
        var bytes = new byte[16 + payloadLength];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(bytes, magic);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4), count);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(8), rows);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(12), cols);
        for (int i = 16; i < bytes.Length; i++) bytes[i] = (byte)i;
        return bytes;
    }

    public static byte[] LabelsBytes(int magic, int count, int payloadLength)
    {
        var bytes = new byte[8 + payloadLength];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(bytes, magic);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4), count);
        return bytes;
    }

    public static byte[] Gzip(byte[] raw)
    {
        using var output = new MemoryStream();
        using (var gzip = new System.IO.Compression.GZipStream(output, System.IO.Compression.CompressionLevel.Optimal, leaveOpen: true))
            gzip.Write(raw);
        return output.ToArray();
    }
}
