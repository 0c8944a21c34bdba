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

namespace SpikeLfp.Gpu;

/// <summary>
/// The device backend on an ILGPU accelerator (CUDA on a GPU, ILGPU's CPU accelerator in tests): simulation and
/// LFP's backward pass behind the same interfaces as <see cref="CpuBackend"/> and <see cref="CpuLfpBackend"/>, for
/// dense layers of LIF or CubaLIF neurons (every reset mode), feed-forward or recurrent, under a constant current, an
/// analog sequence or spikes (<see cref="CheckSupported"/> says what is refused).
/// Kernels are compiled once here; parameters, the trace and LFP buffers live on the device and are reused.
/// </summary>
/// <remarks>
/// Host round trips, one per call: <see cref="Forward"/> uploads parameters and the batch's input, runs every layer
/// on the device (per layer one product for all steps, then one scan over time of a feed-forward layer's neurons, or
/// a recurrent layer stepped in time) and downloads the trace the host API promises (currents, neuron states,
/// spikes). <see cref="Backward"/> uploads parameters and labels and downloads feedback and the workspace. Device-side trace contract: Backward reuses the device copy of the trace
/// only when the trace is the one this backend's last Forward filled and nothing has filled it since
/// (<see cref="ForwardTrace.Fill"/> unchanged); any other trace (for example one simulated by the CPU backend, or by
/// another run) is uploaded first. For training without any
/// per-batch trace traffic, use <see cref="GpuLfpTrainer"/>, which keeps weights and optimizer state on the device.
/// </remarks>
public sealed class GpuBackend : IComputeBackend, ILfpBackend, IDisposable
{
    private readonly CompiledKernels _kernels;
    private readonly DenseProducts _products;
    private DeviceModel? _model;
    private ForwardTrace? _residentTrace;
    private long _residentFill;

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

    /// <summary>Device bytes of the trace and LFP buffers held now (0 before the first batch); see <see cref="DeviceMemory.Bytes"/>.</summary>
    public long DeviceBytes => _model?.AllocatedBytes ?? 0;

    internal CompiledKernels Kernels => _kernels;

    /// <summary>Waits for every launched kernel (timing needs it; copies to the host already wait).</summary>
    public void Synchronize() => Accelerator.Synchronize();

    /// <inheritdoc/>
    public void Forward(SpikingNetwork network, ReadOnlySpan<float> features, ReadOnlySpan<long> sampleKeys, IInputEncoder encoder, ForwardTrace trace)
    {
        int batch = sampleKeys.Length;
        TraceShape.CheckForward(network, features.Length, batch, encoder, trace);
        trace.Batch = batch;
        var model = ModelFor(network, trace.Capacity, trace.Steps, trace.Input);
        UploadParameters(model, network);
        EncodeInput(model, features, sampleKeys, encoder, trace);
        RunForward(model, batch);
        for (int k = 0; k < model.Layers.Length; k++) DownloadLayerTrace(model, model.Layers[k], trace.Layers[k], batch);
        if (model.Layers[0].InputDrive is { } drive) drive.Download<float>(trace.InputDrive.AsSpan(0, batch * model.Sizes[0]));
        _residentTrace = trace;
        _residentFill = trace.Fill;
    }

    // The batch's input into the trace (as the CPU backend encodes it) and onto the device.
    private static void EncodeInput(DeviceModel model, ReadOnlySpan<float> features, ReadOnlySpan<long> sampleKeys, IInputEncoder encoder, ForwardTrace trace)
    {
        int batch = trace.Batch, inputs = trace.InputSize, steps = trace.Steps;
        switch (trace.Input)
        {
            case InputKind.Spikes:
                int perSample = encoder.FeaturesPerSample(inputs);
                encoder.Encode(features[..(batch * perSample)], perSample, sampleKeys, trace.InputSpikes!);
                UploadSpikes(model, trace.InputSpikes!, batch, model.Input);
                break;
            case InputKind.CurrentSequence:
                int featureCount = ((ISequenceEncoder)encoder).FeatureCount;
                ((ISequenceEncoder)encoder).EncodeSequence(features[..(batch * featureCount)], featureCount, batch, steps, inputs, trace.InputCurrent);
                model.Input.Upload<float>(trace.InputCurrent.AsSpan(0, batch * steps * inputs));
                break;
            default:
                features[..(batch * inputs)].CopyTo(trace.InputCurrent);
                model.Input.Upload<float>(trace.InputCurrent.AsSpan(0, batch * inputs));
                break;
        }
    }

    // What the host trace promises: currents, neuron states and spikes (as event lists).
    private static void DownloadLayerTrace(DeviceModel model, DeviceLayer layer, LayerTrace lt, int batch)
    {
        int steps = lt.Steps, perSample = steps * layer.Size;
        layer.Current.Download<float>(lt.Current.AsSpan(0, batch * (layer.ConstantCurrent ? layer.Size : perSample)));
        layer.Membrane.Download<float>(lt.Membrane.AsSpan(0, batch * perSample));
        layer.Synaptic?.Download<float>(lt.Synaptic.AsSpan(0, batch * perSample));
        layer.Spikes.Download<float>(model.Staging.AsSpan(0, batch * perSample));
        for (int b = 0; b < batch; b++)
            for (int t = 0; t < steps; t++)
                lt.Spikes.SetCount(b, t, SynapseKernels.CompactSpikesBranchFree(model.Staging.AsSpan((b * steps + t) * layer.Size, layer.Size), lt.Spikes.Slot(b, t)));
    }

    /// <inheritdoc/>
    public float Backward(SpikingNetwork network, ForwardTrace trace, ReadOnlySpan<int> labels, ISpikeReward reward, LfpWorkspace workspace, Feedback feedback)
    {
        int batch = trace.Batch, steps = trace.Steps;
        TraceShape.CheckLabels(labels, trace);
        if (!workspace.Fits(trace)) throw new ArgumentException("the LFP workspace was allocated for another trace shape.");
        var model = ModelFor(network, trace.Capacity, steps, trace.Input);
        if (!ReferenceEquals(trace, _residentTrace) || trace.Fill != _residentFill)
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
        RunBackward(model, batch, workspace.KeepsDiagnostics);

        for (int k = 0; k < model.Layers.Length; k++) DownloadLayerLfp(model.Layers[k], k, batch, steps, workspace, feedback);
        if (workspace.NormalizedRewardSum.Length > 0) model.NormalizedRewardSum.Download<float>(workspace.NormalizedRewardSum.AsSpan(0, batch * model.Sizes[0]));
        if (workspace.KeepsDiagnostics)
            model.InputReward.Download<float>(workspace.InputReward.AsSpan(0, batch * (trace.Input == InputKind.ConstantCurrent ? 1 : steps) * trace.InputSize));
        model.SampleReward.Download<float>(workspace.SampleReward.AsSpan(0, batch));
        float total = 0f;
        for (int b = 0; b < batch; b++) total += workspace.SampleReward[b];
        return total;
    }

    // Feedback, and what the workspace keeps: the training workspace has no per-step reward for layers below the
    // output (nor per-step rho for a constant-current first layer), the diagnostic one has everything.
    private static void DownloadLayerLfp(DeviceLayer layer, int k, int batch, int steps, LfpWorkspace workspace, Feedback feedback)
    {
        int perStep = batch * steps * layer.Size, perSample = batch * layer.Size;
        layer.WeightFeedback.Download<float>(feedback.Weights[k]);
        layer.BiasFeedback.Download<float>(feedback.Bias[k]);
        if (layer.Recurrent is { } recurrent)
        {
            recurrent.WeightFeedback.Download<float>(feedback.RecurrentWeights[k]);
            recurrent.BiasFeedback.Download<float>(feedback.RecurrentBias[k]);
        }
        if (workspace.Incoming[k].Length > 0) layer.Incoming.Download<float>(workspace.Incoming[k].AsSpan(0, perStep));
        if (workspace.NormalizedReward[k].Length > 0) layer.NormalizedReward.Download<float>(workspace.NormalizedReward[k].AsSpan(0, perStep));
        layer.Internal.Download<float>(workspace.Internal[k].AsSpan(0, perSample));
        layer.SynapticReward?.Download<float>(workspace.SynapticReward[k].AsSpan(0, perSample));
    }

    /// <summary>Device memory for this shape, reallocated only when the shape changes or the batch outgrows it.</summary>
    internal DeviceModel ModelFor(SpikingNetwork network, int capacity, int steps, InputKind input)
    {
        CheckSupported(network);
        if (_model is not null && _model.Matches(network, capacity, steps, input)) return _model;
        _model?.Dispose();
        _residentTrace = null;
        _model = new DeviceModel(Accelerator, network, capacity, steps, input);
        return _model;
    }

    /// <summary>
    /// Throws <see cref="NotSupportedException"/>, naming the layer and what is missing, for a network the device
    /// kernels do not run: synapses other than dense, or a neuron kind without a device kernel.
    /// </summary>
    public static void CheckSupported(SpikingNetwork network)
    {
        for (int k = 0; k < network.Layers.Count; k++)
        {
            var layer = network.Layers[k];
            if (!layer.IsDense)
                throw new NotSupportedException($"layer {k + 1} ({network.LayerName(k)}) has {layer.Connection.Kind} synapses: the GPU backend runs dense synapses only; use the CPU backend.");
            if (!DeviceNeurons.Supports(layer.Neuron))
                throw new NotSupportedException($"layer {k + 1} ({network.LayerName(k)}) has '{layer.Neuron.Kind}' neurons: the GPU backend has kernels for lif, cuba and li only; use the CPU backend.");
        }
    }

    /// <summary>Every trainable array of <paramref name="network"/> to the device, in <see cref="SpikingLayer.Parameters"/>' order.</summary>
    internal static void UploadParameters(DeviceModel model, SpikingNetwork network)
    {
        for (int k = 0; k < model.Layers.Length; k++)
            foreach (var (device, host) in model.Layers[k].Parameters().Zip(network.Layers[k].Parameters()))
                device.Upload<float>(host);
    }

    /// <summary>
    /// Every layer for a batch: W x + b of all steps as one product, then a feed-forward layer's neurons scan their
    /// time axis in one launch, while a recurrent layer adds V s_{t-1} + b_V and steps its neurons one step at a time.
    /// </summary>
    internal void RunForward(DeviceModel model, int batch)
    {
        for (int k = 0; k < model.Layers.Length; k++)
        {
            var layer = model.Layers[k];
            var input = k == 0 ? model.Input : model.Layers[k - 1].Spikes;
            int inputRows = layer.ConstantInput ? batch : batch * model.Steps;
            var affine = layer.InputDrive ?? layer.Current;
            _kernels.BroadcastBias(inputRows * layer.Size, layer.Bias.View, affine.View, layer.Size);
            _products.Multiply(input.View, layer.Weights.View, affine.View, DenseProducts.Current(inputRows, layer.Inputs, layer.Size));
            if (layer.Recurrent is null)
                _kernels.NeuronScan(batch * layer.Size, layer.Current.View, Synaptic(model, layer), layer.Membrane.View, layer.Spikes.View,
                    model.Steps, layer.Size, layer.ConstantCurrent ? 1 : 0, layer.Neurons);
            else StepRecurrentLayer(model, layer, batch);
        }
    }

    // z_t = W x_t + b + b_V + V s_{t-1} (in the CPU's order), then the neurons' step t: one product and one launch per step.
    private void StepRecurrentLayer(DeviceModel model, DeviceLayer layer, int batch)
    {
        int steps = model.Steps, n = layer.Size;
        var recurrent = layer.Recurrent!;
        var source = layer.InputDrive ?? layer.Current;
        _kernels.AddRecurrentBias(batch * steps * n, source.View, recurrent.Bias.View, layer.Current.View, steps, n, layer.InputDrive is null ? 0 : 1);
        for (int t = 0; t < steps; t++)
        {
            if (t > 0)
                _products.Multiply(StepRows(layer.Spikes, t - 1, n), recurrent.Weights.View, StepRows(layer.Current, t, n), DenseProducts.RecurrentCurrent(batch, steps, n));
            _kernels.NeuronStep(batch * n, layer.Current.View, Synaptic(model, layer), layer.Membrane.View, layer.Spikes.View, t, steps, n, layer.Neurons);
        }
    }

    // The rows of step t in a [sample, step, neuron] buffer: a view that starts at (0, t, 0); products stride over samples.
    private static ArrayView<float> StepRows(MemoryBuffer1D<float, Stride1D.Dense> buffer, int step, int size)
        => buffer.View.SubView((long)step * size, buffer.Length - (long)step * size);

    private static ArrayView<float> Synaptic(DeviceModel model, DeviceLayer layer) => (layer.Synaptic ?? model.Unused).View;

    private static ArrayView<float> SynapticReward(DeviceModel model, DeviceLayer layer) => (layer.SynapticReward ?? model.Unused).View;

    /// <summary>The rate-coded reward on the output spikes (labels already on the device).</summary>
    internal void PlaceRateCodedReward(DeviceModel model, int batch, bool divideBySteps)
    {
        int steps = model.Steps;
        if (model.SigmoidSteps != steps)
        {
            var table = new float[steps + 1];
            for (int n = 0; n <= steps; n++) table[n] = RateCodedSpikeReward.SigmoidComplement(n - steps / 2);
            model.Sigmoid.Upload<float>(table);
            model.SigmoidSteps = steps;
        }
        var top = model.Layers[^1];
        float scale = divideBySteps ? 1f / steps : 1f;
        _kernels.RateCodedReward(batch * top.Size, top.Spikes.View, model.Labels.View, model.Sigmoid.View, top.Incoming.View, steps, top.Size, scale);
        _kernels.SampleReward(batch, top.Incoming.View, model.Labels.View, model.SampleReward.View, steps, top.Size);
    }

    /// <summary>
    /// LFP backward from the reward already in the output layer's Incoming: per layer, top down, the neurons back in
    /// time, the reward handed to the layer below (x (.) W^T rho as one product), then weight and bias feedback (and
    /// those of the recurrent synapses). rho is q_t for current-based neurons throughout.
    /// </summary>
    internal void RunBackward(DeviceModel model, int batch, bool keepInputReward)
    {
        int steps = model.Steps, rows = batch * steps;
        for (int k = model.Layers.Length - 1; k >= 0; k--)
        {
            var layer = model.Layers[k];
            int n = layer.Size, inputs = layer.Inputs;
            if (layer.Recurrent is null)
                _kernels.MembraneBackward(batch * n, layer.Incoming.View, layer.MembraneDrive.View, layer.Membrane.View, layer.NormalizedReward.View,
                    layer.Internal.View, SynapticReward(model, layer), steps, n, layer.ConstantDrive ? 1 : 0, layer.Neurons);
            else RecurrentLayerBackward(model, layer, batch);

            // A constant input is the same at every step: one row per sample, against rho summed over steps.
            bool constant = layer.ConstantInput;
            if (constant) _kernels.SumOverSteps(batch * n, layer.NormalizedReward.View, model.NormalizedRewardSum.View, steps, n);
            var rho = constant ? model.NormalizedRewardSum : layer.NormalizedReward;
            int inputRows = constant ? batch : rows;
            var input = k == 0 ? model.Input : model.Layers[k - 1].Spikes;
            if (k > 0 || keepInputReward)
            {
                var target = k > 0 ? model.Layers[k - 1].Incoming : model.InputReward;
                _products.Multiply(rho.View, layer.Weights.View, target.View, DenseProducts.RewardDown(inputRows, inputs, n));
                _kernels.MultiplyByInput(inputRows * inputs, input.View, target.View);
            }
            SynapseFeedback(input, rho, inputRows, layer.Weights, layer.WeightFeedback, inputs, n);
            _kernels.BiasFeedback(n, layer.NormalizedReward.View, layer.Bias.View, layer.BiasFeedback.View, rows, n);
            if (layer.Recurrent is { } recurrent)
            {
                // F_V pairs q_t with s_{t-1}: against the spikes delayed by one step it is one product over (sample, step) rows.
                _kernels.DelaySpikes(rows * n, layer.Spikes.View, recurrent.DelayedSpikes.View, steps, n);
                SynapseFeedback(recurrent.DelayedSpikes, layer.NormalizedReward, rows, recurrent.Weights, recurrent.WeightFeedback, n, n);
                _kernels.BiasFeedback(n, layer.NormalizedReward.View, recurrent.Bias.View, recurrent.BiasFeedback.View, rows, n);
            }
        }
    }

    // F = |W| (.) (x^T rho) summed over the rows.
    private void SynapseFeedback(MemoryBuffer1D<float, Stride1D.Dense> input, MemoryBuffer1D<float, Stride1D.Dense> rho, int rows,
        MemoryBuffer1D<float, Stride1D.Dense> weights, MemoryBuffer1D<float, Stride1D.Dense> feedback, int inputs, int outputs)
    {
        _products.Multiply(input.View, rho.View, feedback.View, DenseProducts.Feedback(rows, inputs, outputs));
        _kernels.ScaleByMagnitude(inputs * outputs, weights.View, feedback.View);
    }

    // Back in time one step per launch: the reward q_t V^T that step t hands to the spikes of t-1 joins their
    // internal reward before step t-1 reads it (docs/lfp-temporal.md, "Recurrent synapses").
    private void RecurrentLayerBackward(DeviceModel model, DeviceLayer layer, int batch)
    {
        int steps = model.Steps, n = layer.Size;
        var recurrent = layer.Recurrent!;
        layer.Internal.MemSetToZero();
        layer.SynapticReward?.MemSetToZero();
        for (int t = steps - 1; t >= 0; t--)
        {
            _kernels.MembraneBackwardStep(batch * n, layer.Incoming.View, layer.MembraneDrive.View, layer.Membrane.View, layer.NormalizedReward.View,
                layer.Internal.View, SynapticReward(model, layer), t, steps, n, layer.Neurons);
            if (t == 0) break;
            _products.Multiply(StepRows(layer.NormalizedReward, t, n), recurrent.Weights.View, recurrent.StepReward.View, DenseProducts.RecurrentRewardDown(batch, steps, n));
            _kernels.AddFiredReward(batch * n, recurrent.StepReward.View, layer.Spikes.View, layer.Internal.View, t - 1, steps, n);
        }
    }

    private void UploadTrace(DeviceModel model, ForwardTrace trace)
    {
        int batch = trace.Batch, steps = trace.Steps;
        if (trace.SpikingInput) UploadSpikes(model, trace.InputSpikes!, batch, model.Input);
        else model.Input.Upload<float>(trace.InputCurrent.AsSpan(0, batch * (trace.Input == InputKind.CurrentSequence ? steps : 1) * trace.InputSize));
        for (int k = 0; k < model.Layers.Length; k++)
        {
            var layer = model.Layers[k];
            var lt = trace.Layers[k];
            layer.Current.Upload<float>(lt.Current.AsSpan(0, batch * (layer.ConstantCurrent ? 1 : steps) * layer.Size));
            layer.Membrane.Upload<float>(lt.Membrane.AsSpan(0, batch * steps * layer.Size));
            layer.Synaptic?.Upload<float>(lt.Synaptic.AsSpan(0, batch * steps * layer.Size));
            UploadSpikes(model, lt.Spikes, batch, layer.Spikes);
        }
        _residentTrace = trace;
        _residentFill = trace.Fill;
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

    /// <summary>Frees device memory (the accelerator stays the caller's).</summary>
    public void Dispose()
    {
        _model?.Dispose();
        _model = null;
        _products.Dispose();
    }
}
