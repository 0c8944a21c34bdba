namespace SpikeLfp.Gpu;

/// <summary>Settings of a <see cref="GpuBackend"/>.</summary>
public sealed record GpuBackendOptions
{
    /// <summary>
    /// Use cuBLAS for the dense products on CUDA when libcublas can be loaded (default true). False keeps the tiled
    /// kernel, whose sums match the CPU backend bit for bit; the device check compares with it off.
    /// </summary>
    public bool UseCuBlas { get; init; } = true;
}
