using System.Runtime.InteropServices;
using ILGPU;
using ILGPU.Runtime;

namespace SpikeLfp.Gpu;

/// <summary>Span-based host/device copies of a buffer's leading elements (synchronous: a download waits for the launched kernels).</summary>
internal static class DeviceCopies
{
    public static void Upload<T>(this MemoryBuffer1D<T, Stride1D.Dense> buffer, ReadOnlySpan<T> source) where T : unmanaged
    {
        if (source.IsEmpty) return;
        buffer.Accelerator.DefaultStream.Synchronize(); // a kernel launched earlier may still read the buffer
        buffer.View.SubView(0, source.Length).CopyFromCPU(ref MemoryMarshal.GetReference(source), source.Length);
    }

    public static void Download<T>(this MemoryBuffer1D<T, Stride1D.Dense> buffer, Span<T> target) where T : unmanaged
    {
        if (target.IsEmpty) return;
        // Wait for the kernels that write the buffer: ILGPU's CPU accelerator runs launches on its own threads, and a
        // copy to the host there does not wait for them (a download under load could read what a kernel had not
        // written yet). On CUDA the default stream orders them already; the wait costs nothing extra there.
        buffer.Accelerator.DefaultStream.Synchronize();
        buffer.View.SubView(0, target.Length).CopyToCPU(ref MemoryMarshal.GetReference(target), target.Length);
    }
}
