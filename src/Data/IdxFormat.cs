using System.Buffers.Binary;
using System.IO.Compression;

namespace SpikeLfp.Data;

/// <summary>
/// Reads and writes MNIST-style IDX files: images (magic 0x00000803, then big-endian count, rows,
/// columns, then one byte per pixel) and labels (magic 0x00000801, then count, then one byte per label).
/// Files may be raw or gzip; gzip is recognised by its magic bytes 1f 8b, not by the file name.
/// Every header is checked against the real amount of data before anything it claims is allocated.
/// </summary>
public static class IdxFormat
{
    /// <summary>Magic number of an IDX file of unsigned-byte images (3 dimensions).</summary>
    public const int ImagesMagic = 0x00000803;

    /// <summary>Magic number of an IDX file of unsigned-byte labels (1 dimension).</summary>
    public const int LabelsMagic = 0x00000801;

    /// <summary>Largest accepted image side; anything larger is treated as a corrupt header.</summary>
    public const int MaxImageSide = 4096;

    /// <summary>
    /// Largest accepted pixel count of one file (count x rows x cols): 256 Mi pixels, five times MNIST's 47 Mi, is
    /// 1 GiB once turned into float features. Checked against the header before any pixel is read or decompressed.
    /// </summary>
    public const long MaxPixels = 1L << 28;

    private const int ImagesHeaderLength = 16;
    private const int LabelsHeaderLength = 8;

    // Deflate cannot expand by more than about 1032:1, so a gzip file can never hold more than this many
    // bytes per compressed byte; a header claiming more is rejected before any allocation.
    private const long MaxDeflateRatio = 1032;
    private const int GrowthStep = 1 << 20;

    /// <summary>Reads an IDX images file, raw or gzip.</summary>
    /// <param name="path">The file to read.</param>
    /// <returns>Pixels row-major <c>[count, rows, cols]</c>, the image count and the image size.</returns>
    /// <exception cref="DatasetException">The file is missing, unreadable or malformed.</exception>
    public static (byte[] pixels, int count, int rows, int cols) ReadImages(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return WithFile(path, stream => ReadImages(stream, path));
    }

    /// <summary>Reads an IDX labels file, raw or gzip.</summary>
    /// <param name="path">The file to read.</param>
    /// <returns>One byte per label.</returns>
    /// <exception cref="DatasetException">The file is missing, unreadable or malformed.</exception>
    public static byte[] ReadLabels(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return WithFile(path, stream => ReadLabels(stream, path));
    }

    /// <summary>
    /// Writes an IDX images file atomically (a temporary file next to it, then a rename). A path ending
    /// in ".gz" is written gzip-compressed.
    /// </summary>
    /// <param name="path">The file to write; replaced if it exists.</param>
    /// <param name="pixels">Row-major <c>[count, rows, cols]</c> pixels.</param>
    /// <param name="count">Number of images (at least 1).</param>
    /// <param name="rows">Rows per image.</param>
    /// <param name="cols">Columns per image.</param>
    public static void WriteImages(string path, byte[] pixels, int count, int rows, int cols)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(pixels);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(rows, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(cols, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(rows, MaxImageSide);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(cols, MaxImageSide);
        if ((long)count * rows * cols != pixels.Length)
            throw new ArgumentException($"{pixels.Length} pixels is not {count} x {rows} x {cols}", nameof(pixels));

        Span<byte> header = stackalloc byte[ImagesHeaderLength];
        BinaryPrimitives.WriteInt32BigEndian(header, ImagesMagic);
        BinaryPrimitives.WriteInt32BigEndian(header[4..], count);
        BinaryPrimitives.WriteInt32BigEndian(header[8..], rows);
        BinaryPrimitives.WriteInt32BigEndian(header[12..], cols);
        WriteAtomically(path, header.ToArray(), pixels);
    }

    /// <summary>
    /// Writes an IDX labels file atomically (a temporary file next to it, then a rename). A path ending
    /// in ".gz" is written gzip-compressed.
    /// </summary>
    /// <param name="path">The file to write; replaced if it exists.</param>
    /// <param name="labels">One byte per label (at least one).</param>
    public static void WriteLabels(string path, byte[] labels)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentOutOfRangeException.ThrowIfLessThan(labels.Length, 1, nameof(labels) + ".Length");

        var header = new byte[LabelsHeaderLength];
        BinaryPrimitives.WriteInt32BigEndian(header, LabelsMagic);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), labels.Length);
        WriteAtomically(path, header, labels);
    }

    /// <summary>Reads an images file from a seekable stream; <paramref name="name"/> goes into messages.</summary>
    internal static (byte[] pixels, int count, int rows, int cols) ReadImages(Stream stream, string name)
    {
        var (header, payloadSource) = OpenPayload(stream, name, ImagesHeaderLength, "images");
        using Stream? ownedGzip = payloadSource.Gzip ? payloadSource.Data : null;
        CheckMagic(header, ImagesMagic, name, "images");
        int count = BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(4));
        int rows = BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(8));
        int cols = BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(12));
        if (count < 1)
            throw new DatasetException($"{name}: header claims {count} images, expected at least 1");
        if (rows < 1 || cols < 1 || rows > MaxImageSide || cols > MaxImageSide)
            throw new DatasetException($"{name}: header claims {rows}x{cols} images, expected each side in 1..{MaxImageSide}");
        long claimed = (long)count * rows * cols;
        if (claimed > MaxPixels)
            throw new DatasetException($"{name}: header claims {count} images of {rows}x{cols}, {claimed} pixels, more than the limit of {MaxPixels}");
        byte[] pixels = ReadPayload(payloadSource, claimed, name, ImagesHeaderLength, $"{count} images of {rows}x{cols}");
        return (pixels, count, rows, cols);
    }

    /// <summary>Reads a labels file from a seekable stream; <paramref name="name"/> goes into messages.</summary>
    internal static byte[] ReadLabels(Stream stream, string name)
    {
        var (header, payloadSource) = OpenPayload(stream, name, LabelsHeaderLength, "labels");
        using Stream? ownedGzip = payloadSource.Gzip ? payloadSource.Data : null;
        CheckMagic(header, LabelsMagic, name, "labels");
        int count = BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(4));
        if (count < 1)
            throw new DatasetException($"{name}: header claims {count} labels, expected at least 1");
        return ReadPayload(payloadSource, count, name, LabelsHeaderLength, $"{count} labels");
    }

    /// <summary>True when the stream starts with the gzip magic bytes 1f 8b (position is restored).</summary>
    internal static bool IsGzip(Stream stream)
    {
        long start = stream.Position;
        Span<byte> magic = stackalloc byte[2];
        int read = stream.ReadAtLeast(magic, 2, throwOnEndOfStream: false);
        stream.Position = start;
        return read == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
    }

    private static T WithFile<T>(string path, Func<Stream, T> read)
    {
        FileStream stream;
        try
        {
            DataFile.CheckRegular(path);
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new DatasetException($"{path}: file not found", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DatasetException($"{path}: cannot open ({OneLine(e.Message)})", e);
        }

        using (stream)
        {
            try
            {
                return read(stream);
            }
            catch (IOException e)
            {
                throw new DatasetException($"{path}: read failed ({OneLine(e.Message)})", e);
            }
        }
    }

    /// <summary>
    /// Reads the fixed-size header (through gzip when the stream is gzip) and returns it together with a
    /// source positioned at the payload and the most payload bytes the file can possibly hold.
    /// </summary>
    private static (byte[] Header, PayloadSource Source) OpenPayload(Stream stream, string name, int headerLength, string kind)
    {
        bool gzip = IsGzip(stream);
        long fileLength = stream.Length - stream.Position;
        Stream data = gzip ? new GZipStream(stream, CompressionMode.Decompress, leaveOpen: true) : stream;
        var header = new byte[headerLength];
        int read;
        try
        {
            read = data.ReadAtLeast(header, headerLength, throwOnEndOfStream: false);
        }
        catch (InvalidDataException e)
        {
            data.Dispose();
            throw new DatasetException($"{name}: claims gzip but is not valid gzip ({OneLine(e.Message)})", e);
        }
        if (read < headerLength)
        {
            data.Dispose();
            throw new DatasetException($"{name}: truncated header, {read} of {headerLength} bytes of an IDX {kind} header{(gzip ? " after gzip" : "")}");
        }
        long maxPayload = gzip
            ? Math.Min((long)Array.MaxLength, fileLength * MaxDeflateRatio)
            : fileLength - headerLength;
        return (header, new PayloadSource(data, gzip, maxPayload));
    }

    private sealed record PayloadSource(Stream Data, bool Gzip, long MaxPayload);

    private static void CheckMagic(byte[] header, int expected, string name, string kind)
    {
        int magic = BinaryPrimitives.ReadInt32BigEndian(header);
        if (magic != expected)
            throw new DatasetException($"{name}: wrong magic 0x{magic:X8}, expected 0x{expected:X8} (IDX {kind})");
    }

    /// <summary>
    /// Reads exactly <paramref name="claimed"/> payload bytes and checks that nothing follows. Raw files
    /// are checked against their length before allocating; gzip data is decompressed into a buffer that
    /// grows only as real data arrives, capped at the claimed size plus one byte.
    /// </summary>
    private static byte[] ReadPayload(PayloadSource source, long claimed, string name, int headerLength, string what)
    {
        Stream data = source.Data;
        if (claimed > Array.MaxLength)
            throw new DatasetException($"{name}: header claims {what}, {claimed} bytes, more than can be held in memory");

        if (!source.Gzip)
        {
            long actual = source.MaxPayload;
            if (actual != claimed)
                throw new DatasetException(actual < claimed
                    ? $"{name}: truncated, header claims {what} ({headerLength + claimed} bytes) but the file has {headerLength + actual} bytes"
                    : $"{name}: header claims {what} ({headerLength + claimed} bytes) but the file has {headerLength + actual} bytes, {actual - claimed} extra");
            var payload = GC.AllocateUninitializedArray<byte>((int)claimed);
            data.ReadExactly(payload);
            return payload;
        }

        if (claimed > source.MaxPayload)
            throw new DatasetException($"{name}: header claims {what}, {claimed} bytes, more than a {source.MaxPayload / MaxDeflateRatio}-byte gzip file can hold");
        try
        {
            var buffer = new byte[(int)Math.Min(claimed, GrowthStep)];
            int filled = 0;
            while (true)
            {
                if (filled == buffer.Length)
                {
                    if (filled == claimed) break;
                    // Grow by doubling, never past the claimed size: memory follows the real data.
                    Array.Resize(ref buffer, (int)Math.Min(claimed, (long)buffer.Length * 2));
                }
                int n = data.Read(buffer, filled, buffer.Length - filled);
                if (n == 0)
                    throw new DatasetException($"{name}: truncated, header claims {what} ({claimed} payload bytes) but gzip data ends after {filled}");
                filled += n;
            }
            // One more byte (the +1 of the cap) tells whether the file holds more than it claims.
            Span<byte> extra = stackalloc byte[1];
            if (data.Read(extra) != 0)
                throw new DatasetException($"{name}: header claims {what} ({claimed} payload bytes) but the gzip data holds more");
            return buffer;
        }
        catch (InvalidDataException e)
        {
            throw new DatasetException($"{name}: claims gzip but is not valid gzip ({OneLine(e.Message)})", e);
        }
    }

    private static void WriteAtomically(string path, byte[] header, byte[] payload)
    {
        string full = Path.GetFullPath(path);
        string folder = Path.GetDirectoryName(full) ?? ".";
        Directory.CreateDirectory(folder);
        string temp = Path.Combine(folder, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                if (full.EndsWith(".gz", StringComparison.OrdinalIgnoreCase))
                {
                    using var gzip = new GZipStream(file, CompressionLevel.Optimal, leaveOpen: true);
                    gzip.Write(header);
                    gzip.Write(payload);
                }
                else
                {
                    file.Write(header);
                    file.Write(payload);
                }
                file.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    internal static string OneLine(string text) =>
        string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
