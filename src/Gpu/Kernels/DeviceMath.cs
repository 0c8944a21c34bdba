namespace SpikeLfp.Gpu.Kernels;

/// <summary>
/// How a kernel computes a * b + c. The CPU backend accumulates dense products with fused multiply-adds; a kernel
/// generic over this type reproduces that rounding on every accelerator: ILGPU's CPU accelerator runs
/// <see cref="FusedMultiplyAdd"/> as written, and on CUDA <see cref="ContractedMultiplyAdd"/>'s mul + add is
/// contracted into one fma by the PTX assembler (the .NET intrinsic has no PTX mapping in ILGPU 1.5).
/// </summary>
internal interface IMultiplyAdd
{
    /// <summary>a * b + c.</summary>
    float Apply(float a, float b, float c);
}

/// <summary>a * b + c rounded once (MathF.FusedMultiplyAdd): the CPU accelerator's choice.</summary>
internal readonly struct FusedMultiplyAdd : IMultiplyAdd
{
    /// <inheritdoc/>
    public float Apply(float a, float b, float c) => MathF.FusedMultiplyAdd(a, b, c);
}

/// <summary>a * b + c as mul + add, which ptxas contracts into fma.rn.f32: the CUDA choice.</summary>
internal readonly struct ContractedMultiplyAdd : IMultiplyAdd
{
    /// <inheritdoc/>
    public float Apply(float a, float b, float c) => a * b + c;
}
