using System.Reflection;
using ILGPU;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.PTX;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;
using SpikeLfp.Gpu.Kernels;

namespace SpikeLfp.Gpu.Tests;

/// <summary>
/// The CPU accelerator runs kernels as .NET code and would accept calls that CUDA cannot compile; this compiles
/// every kernel to PTX (no GPU needed) and checks that nothing was left as an unresolved external function.
/// </summary>
[Category("Gpu")]
public class PtxCompilationTests
{
    private static IEnumerable<MethodInfo> Kernels() =>
        new[] { typeof(ForwardKernels), typeof(LfpDeviceKernels), typeof(OptimizerKernels), typeof(DenseKernels), typeof(PopulationKernels) }
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Static))
            .Select(m => m.IsGenericMethodDefinition ? m.MakeGenericMethod(typeof(ContractedMultiplyAdd)) : m);

    [Test]
    public void Every_kernel_compiles_to_ptx_for_an_sm90_gpu()
    {
        using var context = Context.Create(b => b.CPU().EnableAlgorithms());
        var backend = new PTXBackend(context, new CudaCapabilityContext(CudaArchitecture.SM_90), CudaArchitecture.SM_90, CudaInstructionSet.ISA_80, null);
        var names = new List<string>();
        foreach (var kernel in Kernels())
        {
            var entry = kernel.GetParameters()[0].ParameterType == typeof(Index1D)
                ? EntryPointDescription.FromImplicitlyGroupedKernel(kernel)
                : EntryPointDescription.FromExplicitlyGroupedKernel(kernel);
            var compiled = (PTXCompiledKernel)backend.Compile(entry, new KernelSpecialization());
            Assert.That(compiled.PTXAssembly, Does.Not.Contain(".extern .func"), $"{kernel.Name} calls a function PTX cannot resolve");
            names.Add(kernel.Name);
        }
        Assert.That(names, Has.Count.GreaterThanOrEqualTo(15));
    }
}
