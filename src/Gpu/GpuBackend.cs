using ILGPU;
using ILGPU.Runtime;
using SpikeLfp.Gpu.Kernels;
using SpikeLfp.Learning.Lfp;
using SpikeLfp.Learning.Rewards;
using SpikeLfp.Network.Backends;
using SpikeLfp.Network.Encoding;
using SpikeLfp.Network.Model;
using SpikeLfp.Network.Simulation;
using SpikeLfp.Network.Synapses;
using SpikeLfp.Neurons;

namespace SpikeLfp.Gpu;

/// <summary>
/// The device backend on an ILGPU accelerator (CUDA on a GPU, ILGPU's CPU accelerator in tests): simulation and
/// LFP's backward pass behind the same interfaces as <see cref="CpuBackend"/> and <see cref="CpuLfpBackend"/>.
/// Kernels are compiled once here; parameters, the trace and LFP buffers live on the device and are reused.
/// </summary>
/// <remarks>
/// Host round trips, one per call: <see cref="Forward"/> uploads parameters and the batch's input, runs every layer
/// on the device (per layer one product for all steps, then one LIF scan over time) and downloads the trace the
/// host API promises (currents, membranes, spikes). <see cref="Backward"/> uploads parameters and labels and
/// downloads feedback and the workspace. Device-side trace contract: Backward reuses the device copy of the trace
/// when the trace is the one this backend's last Forward filled and its spike counts are unchanged;
/// any other trace (for example one simulated by the CPU backend) is uploaded first. For training without any
/// per-batch trace traffic, use <see cref="GpuLfpTrainer"/>, which keeps weights and optimizer state on the device.
/// </remarks>
public sealed class GpuBackend : IComputeBackend, ILfpBackend, IDisposable
{
    private readonly CompiledKernels _kernels;
    private readonly DenseProducts _products;
    private DeviceModel? _model;
    private ForwardTrace? _residentTrace;
    private long[] _residentStamp = [];

    /// <summary>Compiles the kernels for <paramref name="accelerator"/> (owned by the caller, who disposes it after this backend).</summary>
    public GpuBackend(Accelerator accelerator, GpuBackendOptions? options = null)
    {
        Accelerator = accelerator;
        Options = options ?? new GpuBackendOptions();
        _kernels = CompiledKernels.Load(accelerator);
        _products = new DenseProducts(accelerator, _kernels, Options.UseCuBlas);
    }

    /// <inheritdoc/>
    public string Name => "gpu";
    /// <summary>The accelerator every kernel runs on.</summary>
    public Accelerator Accelerator { get; }
    /// <summary>Settings.</summary>
    public GpuBackendOptions Options { get; }
    /// <summary>True when dense products go through cuBLAS (CUDA with libcublas and <see cref="GpuBackendOptions.UseCuBlas"/>).</summary>
    public bool UsesCuBlas => _products.UsesCuBlas;
    /// <summary>Why cuBLAS was requested but not used, or null.</summary>
    public string? CuBlasUnavailableReason => _products.CuBlasUnavailableReason;

    internal CompiledKernels Kernels => _kernels;
    internal DenseProducts Products => _products;

    /// <summary>Waits for every launched kernel (timing needs it; copies to the host already wait).</summary>
    public void Synchronize() => Accelerator.Synchronize();

    /// <inheritdoc/>
    public void Forward(SpikingNetwork network, ReadOnlySpan<float> features, ReadOnlySpan<long> sampleKeys, IInputEncoder encoder, ForwardTrace trace)
    {
        int batch = sampleKeys.Length, inputs = network.InputSize;
        TraceShape.CheckForward(network, features.Length, batch, encoder.IsSpiking, trace);
        trace.Batch = batch;
        var model = ModelFor(network, trace.Capacity, trace.Steps, encoder.IsSpiking);
        UploadParameters(model, network);
        if (encoder.IsSpiking)
        {
            encoder.Encode(features[..(batch * inputs)], inputs, sampleKeys, trace.InputSpikes!);
            UploadSpikes(model, trace.InputSpikes!, batch, model.Input);
        }
        else
        {
            features[..(batch * inputs)].CopyTo(trace.InputCurrent);
            model.Input.Upload<float>(trace.InputCurrent.AsSpan(0, batch * inputs));
        }
        RunForward(model, batch);
        for (int k = 0; k < model.Layers.Length; k++)
        {
            var layer = model.Layers[k];
            var lt = trace.Layers[k];
            int perSample = trace.Steps * layer.Size;
            layer.Current.Download<float>(lt.Current.AsSpan(0, batch * (layer.ConstantCurrent ? layer.Size : perSample)));
            layer.Membrane.Download<float>(lt.Membrane.AsSpan(0, batch * perSample));
            layer.Spikes.Download<float>(model.Staging.AsSpan(0, batch * perSample));
            for (int b = 0; b < batch; b++)
                for (int t = 0; t < trace.Steps; t++)
                    lt.Spikes.SetCount(b, t, SynapseKernels.CompactSpikes(model.Staging.AsSpan((b * trace.Steps + t) * layer.Size, layer.Size), lt.Spikes.Slot(b, t)));
        }
        _residentTrace = trace;
        _residentStamp = Stamp(trace);
    }

    /// <inheritdoc/>
    public float Backward(SpikingNetwork network, ForwardTrace trace, ReadOnlySpan<int> labels, ISpikeReward reward, LfpWorkspace workspace, Feedback feedback)
    {
        int batch = trace.Batch, steps = trace.Steps;
        TraceShape.CheckLabels(labels, trace);
        if (!workspace.Fits(trace)) throw new ArgumentException("the LFP workspace was allocated for another trace shape.");
        var model = ModelFor(network, trace.Capacity, steps, trace.SpikingInput);
        if (!ReferenceEquals(trace, _residentTrace) || !Stamp(trace).AsSpan().SequenceEqual(_residentStamp))
            UploadTrace(model, trace);
        UploadParameters(model, network);

        var top = model.Layers[^1];
        int classes = top.Size;
        if (reward is RateCodedSpikeReward rateCoded)
        {
            model.Labels.Upload(labels[..batch]);
            PlaceRateCodedReward(model, batch, rateCoded.DivideBySteps);
        }
        else
        {
            // Any other reward runs on the host over the downloaded trace; only its result travels.
            for (int b = 0; b < batch; b++)
                workspace.SampleReward[b] = reward.Compute(trace, b, labels[b], workspace.Incoming[^1].AsSpan(b * steps * classes, steps * classes));
            top.Incoming.Upload<float>(workspace.Incoming[^1].AsSpan(0, batch * steps * classes));
            model.SampleReward.Upload<float>(workspace.SampleReward.AsSpan(0, batch));
        }
        RunBackward(model, batch, workspace.KeepInputReward);

        for (int k = 0; k < model.Layers.Length; k++)
        {
            var layer = model.Layers[k];
            layer.WeightFeedback.Download<float>(feedback.Weights[k]);
            layer.BiasFeedback.Download<float>(feedback.Bias[k]);
            layer.Incoming.Download<float>(workspace.Incoming[k].AsSpan(0, batch * steps * layer.Size));
            layer.NormalizedReward.Download<float>(workspace.NormalizedReward[k].AsSpan(0, batch * steps * layer.Size));
            layer.Internal.Download<float>(workspace.Internal[k].AsSpan(0, batch * layer.Size));
        }
        if (model.Layers[0].ConstantCurrent) model.NormalizedRewardSum.Download<float>(workspace.NormalizedRewardSum.AsSpan(0, batch * model.Sizes[0]));
        if (workspace.KeepInputReward)
            model.InputReward.Download<float>(workspace.InputReward.AsSpan(0, batch * (trace.SpikingInput ? steps : 1) * trace.InputSize));
        model.SampleReward.Download<float>(workspace.SampleReward.AsSpan(0, batch));
        float total = 0f;
        for (int b = 0; b < batch; b++) total += workspace.SampleReward[b];
        return total;
    }

    /// <summary>Device memory for this shape, reallocated only when the shape changes or the batch outgrows it.</summary>
    internal DeviceModel ModelFor(SpikingNetwork network, int capacity, int steps, bool spikingInput)
    {
        if (_model is not null && _model.Matches(network, capacity, steps, spikingInput)) return _model;
        if (network.Layers.Any(l => !l.IsDense))
            throw new NotSupportedException("the GPU backend runs dense synapses only; use the CPU backend for other connection kinds.");
        if (network.Layers.FirstOrDefault(l => l.IsRecurrent || l.Neuron is not LifNeuron || l.Neurons.Reset == ResetMode.ZeroAll) is { } layer)
            throw new NotSupportedException($"the GPU backend runs feed-forward LIF layers only (not {(layer.IsRecurrent ? "recurrent " : "")}{layer.Neuron.Kind} with reset {layer.Neurons.Reset}); use the CPU backend.");
        _model?.Dispose();
        _residentTrace = null;
        _model = new DeviceModel(Accelerator, network, capacity, steps, spikingInput);
        return _model;
    }

    internal static void UploadParameters(DeviceModel model, SpikingNetwork network)
    {
        for (int k = 0; k < model.Layers.Length; k++)
        {
            model.Layers[k].Weights.Upload<float>(network.Layers[k].Synapses.Weights);
            model.Layers[k].Bias.Upload<float>(network.Layers[k].Synapses.Bias);
        }
    }

    /// <summary>Every layer for a batch: currents of all steps as one product, then one LIF scan over time.</summary>
    internal void RunForward(DeviceModel model, int batch)
    {
        int steps = model.Steps, rows = batch * steps;
        for (int k = 0; k < model.Layers.Length; k++)
        {
            var layer = model.Layers[k];
            int n = layer.Size;
            int currentRows = layer.ConstantCurrent ? batch : rows;
            var input = k == 0 ? model.Input : model.Layers[k - 1].Spikes;
            _kernels.BroadcastBias(currentRows * n, layer.Bias.View, layer.Current.View, n);
            _products.Multiply(input.View, layer.Weights.View, layer.Current.View, DenseProducts.Current(currentRows, layer.Inputs, n));
            _kernels.LifScan(batch * n, layer.Current.View, layer.Membrane.View, layer.Spikes.View, steps, n, layer.ConstantCurrent ? 1 : 0, DeviceNeurons.From(layer.Neurons));
        }
    }

    /// <summary>The rate-coded reward on the output spikes (labels already on the device).</summary>
    internal void PlaceRateCodedReward(DeviceModel model, int batch, bool divideBySteps)
    {
        int steps = model.Steps;
        if (model.SigmoidSteps != steps)
        {
            var table = new float[steps + 1];
            for (int n = 0; n <= steps; n++) table[n] = (float)(1.0 / (1.0 + Math.Exp(-(double)(n - steps / 2))));
            model.Sigmoid.Upload<float>(table);
            model.SigmoidSteps = steps;
        }
        var top = model.Layers[^1];
        float scale = divideBySteps ? 1f / steps : 1f;
        _kernels.RateCodedReward(batch * top.Size, top.Spikes.View, model.Labels.View, model.Sigmoid.View, top.Incoming.View, steps, top.Size, scale);
        _kernels.SampleReward(batch, top.Incoming.View, model.Labels.View, model.SampleReward.View, steps, top.Size);
    }

    /// <summary>
    /// LFP backward from the reward already in the output layer's Incoming: per layer, top down, the membrane scan
    /// back in time, the reward handed to the layer below (x (.) W^T rho as one product), then weight and bias feedback.
    /// </summary>
    internal void RunBackward(DeviceModel model, int batch, bool keepInputReward)
    {
        int steps = model.Steps, rows = batch * steps;
        for (int k = model.Layers.Length - 1; k >= 0; k--)
        {
            var layer = model.Layers[k];
            int n = layer.Size, inputs = layer.Inputs;
            bool analog = layer.ConstantCurrent;
            _kernels.MembraneBackward(batch * n, layer.Incoming.View, layer.Current.View, layer.Membrane.View, layer.NormalizedReward.View,
                layer.Internal.View, model.NormalizedRewardSum.View, steps, n, analog ? 1 : 0, analog ? 1 : 0, DeviceNeurons.From(layer.Neurons));
            var input = k == 0 ? model.Input : model.Layers[k - 1].Spikes;
            if (k > 0 || keepInputReward)
            {
                var target = k > 0 ? model.Layers[k - 1].Incoming : model.InputReward;
                var rho = analog ? model.NormalizedRewardSum : layer.NormalizedReward;
                int rewardRows = analog ? batch : rows;
                _products.Multiply(rho.View, layer.Weights.View, target.View, DenseProducts.RewardDown(rewardRows, inputs, n));
                _kernels.MultiplyByInput(rewardRows * inputs, input.View, target.View);
            }
            if (analog)
                _products.Multiply(input.View, model.NormalizedRewardSum.View, layer.WeightFeedback.View, DenseProducts.Feedback(batch, inputs, n));
            else
                _products.Multiply(input.View, layer.NormalizedReward.View, layer.WeightFeedback.View, DenseProducts.Feedback(rows, inputs, n));
            _kernels.ScaleByMagnitude(inputs * n, layer.Weights.View, layer.WeightFeedback.View);
            _kernels.BiasFeedback(n, layer.NormalizedReward.View, layer.Bias.View, layer.BiasFeedback.View, rows, n);
        }
    }

    private void UploadTrace(DeviceModel model, ForwardTrace trace)
    {
        int batch = trace.Batch, steps = trace.Steps;
        if (trace.SpikingInput) UploadSpikes(model, trace.InputSpikes!, batch, model.Input);
        else model.Input.Upload<float>(trace.InputCurrent.AsSpan(0, batch * trace.InputSize));
        for (int k = 0; k < model.Layers.Length; k++)
        {
            var layer = model.Layers[k];
            var lt = trace.Layers[k];
            layer.Current.Upload<float>(lt.Current.AsSpan(0, batch * (layer.ConstantCurrent ? 1 : steps) * layer.Size));
            layer.Membrane.Upload<float>(lt.Membrane.AsSpan(0, batch * steps * layer.Size));
            UploadSpikes(model, lt.Spikes, batch, layer.Spikes);
        }
        _residentTrace = trace;
        _residentStamp = Stamp(trace);
    }

    /// <summary>Event lists to dense 0/1 spikes [sample, step, neuron] on the device.</summary>
    internal static void UploadSpikes(DeviceModel model, SpikeTrain spikes, int batch, MemoryBuffer1D<float, Stride1D.Dense> target)
    {
        int steps = spikes.Steps, n = spikes.Neurons;
        var dense = model.Staging.AsSpan(0, batch * steps * n);
        dense.Clear();
        for (int b = 0; b < batch; b++)
            for (int t = 0; t < steps; t++)
                foreach (int i in spikes.Fired(b, t)) dense[(b * steps + t) * n + i] = 1f;
        target.Upload<float>(dense);
    }

    // A cheap fingerprint of a trace's content: batch size and every layer's spike total.
    private static long[] Stamp(ForwardTrace trace)
        => [trace.Batch, .. trace.Layers.Select(l => l.Spikes.Total(trace.Batch)), trace.InputSpikes?.Total(trace.Batch) ?? -1];

    /// <summary>Frees device memory (the accelerator stays the caller's).</summary>
    public void Dispose()
    {
        _model?.Dispose();
        _model = null;
        _products.Dispose();
    }
}
