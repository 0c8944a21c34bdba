using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;

namespace SpikeLfp.Gpu;

/// <summary>
/// An ILGPU context and one accelerator: the first CUDA device, or ILGPU's CPU accelerator (which runs the very
/// same kernels, slowly; tests use it). Dispose it after the backends built on it.
/// </summary>
public sealed class GpuDevice : IDisposable
{
    private GpuDevice(Context context, Accelerator accelerator)
    {
        Context = context;
        Accelerator = accelerator;
    }

    /// <summary>The ILGPU context.</summary>
    public Context Context { get; }
    /// <summary>The accelerator kernels run on.</summary>
    public Accelerator Accelerator { get; }
    /// <summary>Device name, for logs and reports.</summary>
    public string Name => Accelerator.Name;

    /// <summary>True when a CUDA driver and at least one CUDA device are present.</summary>
    public static bool CudaAvailable()
    {
        try
        {
            using var context = Context.Create(b => b.Cuda());
            return context.GetCudaDevices().Count > 0;
        }
        catch (Exception e) when (e is DllNotFoundException or TypeInitializationException or InvalidOperationException or NotSupportedException or CudaException)
        {
            return false;
        }
    }

    /// <summary>Opens the first CUDA device.</summary>
    /// <exception cref="InvalidOperationException">No CUDA device.</exception>
    public static GpuDevice OpenCuda()
    {
        var context = Context.Create(b => b.Cuda().EnableAlgorithms());
        if (context.GetCudaDevices().Count == 0)
        {
            context.Dispose();
            throw new InvalidOperationException("no CUDA device found (is the NVIDIA driver installed and a GPU visible?).");
        }
        return new GpuDevice(context, context.CreateCudaAccelerator(0));
    }

    /// <summary>
    /// Opens ILGPU's CPU accelerator: one simulated multiprocessor running the kernels as .NET code, with groups of
    /// up to 256 threads as the tiled product needs (ILGPU's default CPU device allows 16).
    /// </summary>
    public static GpuDevice OpenCpu()
    {
        var context = Context.Create(b => b.CPU(new CPUDevice(numThreadsPerWarp: 4, numWarpsPerMultiprocessor: 64, numMultiprocessors: 1)).EnableAlgorithms());
        return new GpuDevice(context, context.CreateCPUAccelerator(0));
    }

    /// <summary>Frees the accelerator and the context.</summary>
    public void Dispose()
    {
        Accelerator.Dispose();
        Context.Dispose();
    }
}
