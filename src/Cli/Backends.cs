using SpikeLfp.Gpu;
using SpikeLfp.Learning.Lfp;
using SpikeLfp.Learning.Training;
using SpikeLfp.Network.Encoding;
using SpikeLfp.Network.Model;
using SpikeLfp.Network.Backends;

namespace SpikeLfp.Cli;

/// <summary>Backend selection from the command line.</summary>
public static class Backends
{
    /// <summary>--device, for the commands that accept it.</summary>
    public static readonly Flag DeviceFlag = Flag.OneOf("device", ["cpu", "gpu", "auto"], "cpu, gpu (CUDA; exits 2 when there is none) or auto (CUDA when present, default cpu)");

    /// <summary>A CPU backend with --threads (default all cores); a run passes this one instance to its trainer and simulators.</summary>
    public static CpuBackend Cpu(Arguments a) => new(a.Has("threads") ? a.Int("threads", Environment.ProcessorCount, 1, 1024) : null);

    /// <summary>
    /// Where --device (cpu, gpu, auto; default cpu) runs: "cpu", or "gpu" when CUDA is asked for or auto finds it.
    /// </summary>
    /// <exception cref="UsageException">--device gpu on a machine without CUDA (exit code 2).</exception>
    public static string Device(Arguments a)
    {
        string device = DeviceFlag.Chosen(a, "cpu");
        if (device == "cpu") return "cpu";
        bool cuda = GpuDevice.CudaAvailable();
        if (device == "gpu" && !cuda)
            throw new UsageException("--device gpu: no CUDA GPU was found (no NVIDIA driver, or no visible device); use --device cpu or auto.");
        return cuda ? "gpu" : "cpu";
    }

    /// <summary>
    /// The simulation and LFP backends for --device (and --threads on the CPU). On the GPU both are one
    /// <see cref="GpuBackend"/> on the first CUDA device, opened once per process and kept until it exits.
    /// </summary>
    /// <exception cref="UsageException">--device gpu without CUDA.</exception>
    public static (IComputeBackend Compute, ILfpBackend Lfp) Select(Arguments a)
    {
        if (Device(a) == "cpu")
        {
            var cpu = Cpu(a);
            return (cpu, new CpuLfpBackend(cpu));
        }
        var gpu = SharedGpu.Value;
        return (gpu, gpu);
    }

    /// <summary>
    /// The LFP trainer for --device: on the CPU, <see cref="LfpTrainer"/>; on the GPU, <see cref="GpuLfpTrainer"/>, which
    /// keeps weights and optimizer state on the device for the whole run (one round trip per batch), or for an LI
    /// readout <see cref="LfpTrainer"/> on the GPU backend.
    /// </summary>
    /// <exception cref="UsageException">--device gpu without CUDA, or a network the device kernels do not run.</exception>
    public static ILfpBatchTrainer LfpTrainer(Arguments a, SpikingNetwork network, TrainingOptions options, IInputEncoder encoder)
    {
        if (Device(a) == "cpu")
        {
            var cpu = Cpu(a);
            return new LfpTrainer(network, options, cpu, new CpuLfpBackend(cpu), encoder: encoder);
        }
        try
        {
            GpuBackend.CheckSupported(network);
        }
        catch (NotSupportedException e)
        {
            throw new UsageException($"--device gpu: {e.Message}");
        }
        var gpu = SharedGpu.Value;
        // The device-resident trainer places the rate-coded reward on output spikes on the device; an LI readout's
        // softmax reward runs on the host between the device's forward and backward.
        return network.Layers[^1].Neuron.Spikes ? new GpuLfpTrainer(gpu, network, options, encoder) : new LfpTrainer(network, options, gpu, gpu, encoder: encoder);
    }

    // One command line process is one run: its trainer and simulators share this backend (opening CUDA and compiling
    // the kernels is done once). Its device copy of a trace is reused only for the trace it last filled
    // (ForwardTrace.Fill), so two simulations of the run never see each other's trace.
    private static readonly Lazy<GpuBackend> SharedGpu = new(() => new GpuBackend(GpuDevice.OpenCuda().Accelerator));
}
