using ILGPU;
using ILGPU.Runtime;
using SpikeLfp.Gpu.Kernels;


namespace SpikeLfp.Gpu;

/// <summary>
/// Every kernel of the backend, compiled once for one accelerator (ILGPU caches nothing across loads, so the
/// backend holds these delegates for its lifetime and only launches them afterwards).
/// </summary>
internal sealed class CompiledKernels
{
    public required Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ProductShape> Product { get; init; }
    public required Action<Index1D, ArrayView<float>, ArrayView<float>, int> BroadcastBias { get; init; }
    public required Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int> AddRecurrentBias { get; init; }
    public required Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, DeviceNeurons> NeuronScan { get; init; }
    public required Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, DeviceNeurons> NeuronStep { get; init; }
    public required Action<Index1D, ArrayView<float>, ArrayView<long>, ArrayView<float>, int, int, ulong> RateEncode { get; init; }
    public required Action<Index1D, ArrayView<float>, ArrayView<int>, int, int> CountSpikes { get; init; }
    public required Action<Index1D, ArrayView<float>, ArrayView<int>, int, int> Predict { get; init; }
    public required Action<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, int, int, float> RateCodedReward { get; init; }
    public required Action<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<float>, int, int> SampleReward { get; init; }
    public required Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, DeviceNeurons> MembraneBackward { get; init; }
    public required Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, DeviceNeurons> MembraneBackwardStep { get; init; }
    public required Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int> AddFiredReward { get; init; }
    public required Action<Index1D, ArrayView<float>, ArrayView<float>, int, int> SumOverSteps { get; init; }
    public required Action<Index1D, ArrayView<float>, ArrayView<float>, int, int> DelaySpikes { get; init; }
    public required Action<Index1D, ArrayView<float>, ArrayView<float>> MultiplyByInput { get; init; }
    public required Action<Index1D, ArrayView<float>, ArrayView<float>> ScaleByMagnitude { get; init; }
    public required Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int> BiasFeedback { get; init; }
    public required Action<Index1D, ArrayView<float>, ArrayView<double>, int, int> SquaredSums { get; init; }
    public required Action<Index1D, ArrayView<double>, ArrayView<double>, int, double> ClipCoefficient { get; init; }
    public required Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<double>, float, float, int> Sgd { get; init; }
    public required Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<double>, float, float, float, float, float> Adam { get; init; }

    /// <summary>Compiles every kernel for <paramref name="accelerator"/> (fused multiply-adds spelled the way it runs them).</summary>
    public static CompiledKernels Load(Accelerator accelerator)
        => accelerator.AcceleratorType == AcceleratorType.CPU ? Load<FusedMultiplyAdd>(accelerator) : Load<ContractedMultiplyAdd>(accelerator);

    private static CompiledKernels Load<TMath>(Accelerator a) where TMath : struct, IMultiplyAdd => new()
    {
        Product = a.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ProductShape>(DenseKernels.Product<TMath>),
        BroadcastBias = a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int>(ForwardKernels.BroadcastBias),
        AddRecurrentBias = a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int>(ForwardKernels.AddRecurrentBias),
        NeuronScan = a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, DeviceNeurons>(ForwardKernels.NeuronScan),
        NeuronStep = a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, DeviceNeurons>(ForwardKernels.NeuronStep),
        RateEncode = a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<long>, ArrayView<float>, int, int, ulong>(ForwardKernels.RateEncode),
        CountSpikes = a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<int>, int, int>(ForwardKernels.CountSpikes),
        Predict = a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<int>, int, int>(ForwardKernels.Predict),
        RateCodedReward = a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, int, int, float>(LfpDeviceKernels.RateCodedReward),
        SampleReward = a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<float>, int, int>(LfpDeviceKernels.SampleReward),
        MembraneBackward = a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, DeviceNeurons>(LfpDeviceKernels.MembraneBackward),
        MembraneBackwardStep = a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, DeviceNeurons>(LfpDeviceKernels.MembraneBackwardStep),
        AddFiredReward = a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int>(LfpDeviceKernels.AddFiredReward),
        SumOverSteps = a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int, int>(LfpDeviceKernels.SumOverSteps),
        DelaySpikes = a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int, int>(LfpDeviceKernels.DelaySpikes),
        MultiplyByInput = a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>>(LfpDeviceKernels.MultiplyByInput),
        ScaleByMagnitude = a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>>(LfpDeviceKernels.ScaleByMagnitude),
        BiasFeedback = a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int>(LfpDeviceKernels.BiasFeedback),
        SquaredSums = a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<double>, int, int>(OptimizerKernels.SquaredSums),
        ClipCoefficient = a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<double>, ArrayView<double>, int, double>(OptimizerKernels.ClipCoefficient),
        Sgd = a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<double>, float, float, int>(OptimizerKernels.Sgd<TMath>),
        Adam = a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<double>, float, float, float, float, float>(OptimizerKernels.Adam),
    };
}
