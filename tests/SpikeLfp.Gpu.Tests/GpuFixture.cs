using SpikeLfp.Gpu;

namespace SpikeLfp.Gpu.Tests;

/// <summary>One ILGPU CPU accelerator and backend for the whole assembly: compiling the kernels is the slow part.</summary>
[SetUpFixture]
public sealed class GpuFixture
{
    public static GpuDevice Device { get; private set; } = null!;
    public static GpuBackend Backend { get; private set; } = null!;

    [OneTimeSetUp]
    public void Open()
    {
        Device = GpuDevice.OpenCpu();
        Backend = new GpuBackend(Device.Accelerator);
    }

    [OneTimeTearDown]
    public void Close()
    {
        Backend.Dispose();
        Device.Dispose();
    }
}
