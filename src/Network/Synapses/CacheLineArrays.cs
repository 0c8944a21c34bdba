using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace SpikeLfp.Network.Synapses;

/// <summary>
/// Float arrays whose first element starts a cache line, for the large arrays the vector kernels stream through
/// (weights, traces, feedback). A 64-byte load from an array that starts elsewhere in a line straddles two lines: on
/// Zen 5 the LifCNN's spike delivery took 1.6x as long with its weights 8 bytes past a line, and the offset was whatever
/// the allocations before had left, so a change anywhere could move a kernel's speed by that much. .NET has no aligned
/// managed arrays, so these live on the pinned object heap, where arrays never move, and an array that lands off a line
/// is allocated again after a filler that moves it onto one. The tries are garbage at once, collected with the next
/// full collection (at most 64 MB of them; arrays over 32 MB get none). Alignment only changes speed, never a value:
/// when the heap does not oblige within a few tries, the last array is returned as it is.
/// </summary>
internal static class CacheLineArrays
{
    private const int Line = 64;
    // Shorter arrays span a few lines at most: not worth a pinned allocation.
    private const int MinLength = 256;
    private const int MaxTries = 16;
    private const long MaxTryBytes = 64L << 20;
    // Bytes from an array's last element to the next object's first one (its header), as measured on 64-bit .NET.
    private const int FollowingObjectHeader = 24;

    /// <summary>A zeroed array of <paramref name="length"/> floats, starting a cache line whenever the heap allows.</summary>
    public static float[] Floats(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (length < MinLength) return new float[length];
        var array = GC.AllocateArray<float>(length, pinned: true);
        // Each try takes an array and a filler of its size: none for arrays over 32 MB.
        int tries = (int)Math.Min(MaxTries, MaxTryBytes / (8L * length));
        if (tries == 0 || OffsetInLine(array) == 0) return array;
        // Every try stays referenced until the end, so that none leaves a gap for the next one.
        var held = new object[2 * tries];
        for (int attempt = 0; attempt < tries && OffsetInLine(array) != 0; attempt++)
        {
            // A pinned allocation goes into a gap that freed objects left, or else to the end of the heap, right after
            // the last one. A filler at least as large as the array goes where the array would go next; the array after
            // it then starts the filler's size plus a header further on, which the filler's size puts on a line. Each
            // try that lands in a gap uses it up, so the tries reach the end of the heap.
            long size = (4L * length + 7) & ~7L;
            long fillerStart = OffsetInLine(array) + size + FollowingObjectHeader;
            long filler = size + (Line - (fillerStart + size + FollowingObjectHeader) % Line) % Line;
            held[2 * attempt] = array;
            held[2 * attempt + 1] = GC.AllocateArray<byte>((int)filler, pinned: true);
            array = GC.AllocateArray<float>(length, pinned: true);
        }
        GC.KeepAlive(held);
        return array;
    }

    /// <summary>Whether <paramref name="array"/>'s first element starts a cache line (for tests and diagnostics).</summary>
    public static bool StartsLine(float[] array) => OffsetInLine(array) == 0;

    // For the arrays made here, pinned, the address never changes; any other array may move after the answer.
    private static unsafe int OffsetInLine(float[] array)
        => (int)((nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(array)) & (Line - 1));
}
