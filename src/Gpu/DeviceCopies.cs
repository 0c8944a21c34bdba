using System.Runtime.InteropServices;
using ILGPU;
using ILGPU.Runtime;

namespace SpikeLfp.Gpu;

/// <summary>Span-based host/device copies of a buffer's leading elements (synchronous on the default stream).</summary>
internal static class DeviceCopies
{
    public static void Upload<T>(this MemoryBuffer1D<T, Stride1D.Dense> buffer, ReadOnlySpan<T> source) where T : unmanaged
    {
        if (source.IsEmpty) return;
        buffer.View.SubView(0, source.Length).CopyFromCPU(ref MemoryMarshal.GetReference(source), source.Length);
    }

    public static void Download<T>(this MemoryBuffer1D<T, Stride1D.Dense> buffer, Span<T> target) where T : unmanaged
    {
        if (target.IsEmpty) return;
        buffer.View.SubView(0, target.Length).CopyToCPU(ref MemoryMarshal.GetReference(target), target.Length);
    }
}
