namespace SpikeLfp.Data.Events;

/// <summary>
/// One N-MNIST / N-Caltech101 sample file (<c>.bin</c>): a plain sequence of 5-byte events, no header.
/// Byte 0 is x, byte 1 is y (pixels from 0), bit 7 of byte 2 the polarity (1 ON, 0 OFF) and the remaining 23
/// bits (byte 2 bits 6..0, byte 3, byte 4, most significant first) the timestamp in microseconds.
/// Layout as published with the data sets by Garrick Orchard (his MATLAB reader Read_Ndataset.m, and the
/// Python port that documents "bit 39-32 x, 31-24 y, 23 polarity, 22-0 timestamp").
/// </summary>
internal static class NMnistFormat
{
    /// <summary>Bytes per event.</summary>
    public const int BytesPerEvent = 5;

    /// <summary>Largest timestamp the 23-bit field holds, in microseconds (about 8.4 s).</summary>
    public const int MaxTimestampUs = (1 << 23) - 1;

    /// <summary>Largest coordinate an 8-bit field holds.</summary>
    public const int MaxCoordinate = byte.MaxValue;

    /// <summary>Largest file accepted (16 million events); anything larger is treated as not a sample file.</summary>
    public const long MaxFileBytes = BytesPerEvent * (1L << 24);

    /// <summary>Number of events in <paramref name="bytes"/>, or a <see cref="DatasetException"/> naming <paramref name="name"/> when it is not whole events.</summary>
    public static int EventCount(long bytes, string name)
    {
        if (bytes > MaxFileBytes)
            throw new DatasetException($"{name}: {bytes} bytes, more than the {MaxFileBytes} of any N-MNIST-style sample file");
        if (bytes % BytesPerEvent != 0)
            throw new DatasetException($"{name}: truncated, {bytes} bytes is not a whole number of {BytesPerEvent}-byte events");
        return (int)(bytes / BytesPerEvent);
    }

    /// <summary>
    /// Decodes <paramref name="bytes"/> into the first <c>n</c> entries of the output spans (each at least that
    /// long) and returns <c>n</c>. Order and ranges are checked by <see cref="EventDatasetBuilder"/>.
    /// </summary>
    /// <exception cref="DatasetException">The length is not whole events.</exception>
    public static int Decode(ReadOnlySpan<byte> bytes, string name, Span<int> timesUs, Span<ushort> x, Span<ushort> y, Span<byte> polarity)
    {
        int n = EventCount(bytes.Length, name);
        for (int k = 0, b = 0; k < n; k++, b += BytesPerEvent)
        {
            x[k] = bytes[b];
            y[k] = bytes[b + 1];
            polarity[k] = (byte)(bytes[b + 2] >> 7);
            timesUs[k] = ((bytes[b + 2] & 0x7F) << 16) | (bytes[b + 3] << 8) | bytes[b + 4];
        }
        return n;
    }

    /// <summary>Encodes events into <paramref name="destination"/> (<see cref="BytesPerEvent"/> bytes each).</summary>
    /// <exception cref="ArgumentException">A coordinate, polarity or timestamp does not fit its field.</exception>
    public static void Encode(ReadOnlySpan<int> timesUs, ReadOnlySpan<ushort> x, ReadOnlySpan<ushort> y, ReadOnlySpan<byte> polarity, Span<byte> destination)
    {
        int n = timesUs.Length;
        if (x.Length != n || y.Length != n || polarity.Length != n || destination.Length < n * BytesPerEvent)
            throw new ArgumentException("every span needs one entry per event and the destination five bytes per event");
        for (int k = 0, b = 0; k < n; k++, b += BytesPerEvent)
        {
            int t = timesUs[k];
            if (x[k] > MaxCoordinate || y[k] > MaxCoordinate || polarity[k] > 1 || (uint)t > MaxTimestampUs)
                throw new ArgumentException($"event {k} (t {t} us, x {x[k]}, y {y[k]}, p {polarity[k]}) does not fit the N-MNIST layout");
            destination[b] = (byte)x[k];
            destination[b + 1] = (byte)y[k];
            destination[b + 2] = (byte)((polarity[k] << 7) | (t >> 16));
            destination[b + 3] = (byte)(t >> 8);
            destination[b + 4] = (byte)t;
        }
    }
}
