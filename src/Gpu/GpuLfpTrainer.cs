using ILGPU;
using ILGPU.Runtime;
using SpikeLfp.Gpu.Kernels;
using SpikeLfp.Data;
using SpikeLfp.Learning.Optimizers;
using SpikeLfp.Learning.Training;
using SpikeLfp.Network.Backends;
using SpikeLfp.Network.Encoding;
using SpikeLfp.Network.Model;

namespace SpikeLfp.Gpu;

/// <summary>
/// LFP training with everything on the device: weights and optimizer state are uploaded once and stay there;
/// per batch the host sends features, labels and sample keys, and receives predictions, rewards, spike counts and
/// the gradient norm (one round trip). Same step as <see cref="LfpTrainer"/>: simulate from rest, rate-coded
/// reward, LFP backward, grad = -feedback, global-norm clipping, SGD with momentum or Adam, over every parameter
/// (recurrent weights and biases included).
/// Call <see cref="CopyWeightsTo"/> to bring the trained weights back to the host network.
/// </summary>
public sealed class GpuLfpTrainer : ILfpBatchTrainer, IDisposable
{
    private readonly GpuBackend _backend;
    private readonly DeviceModel _model;
    private readonly TrainingOptions _options;
    private readonly IInputEncoder _encoder;
    private readonly SpikeTrain? _hostSpikes;
    private readonly MemoryBuffer1D<float, Stride1D.Dense>[] _parameters, _feedback, _first, _second;
    private readonly MemoryBuffer1D<double, Stride1D.Dense> _partials, _clip;
    private readonly int _partialCount;
    private readonly float[] _rewards;
    private readonly int[] _predictions, _counts;
    private readonly double[] _clipState = new double[2];
    private long _steps;

    /// <summary>Uploads <paramref name="network"/>'s weights to <paramref name="backend"/>'s device for training with <paramref name="options"/>.</summary>
    /// <remarks>
    /// <paramref name="encoder"/> defaults to the one <c>options.Encoder</c> names; the rows encoder needs the data
    /// set's shape, so pass it (<see cref="RowsEncoder.For"/>) when <c>options.Encoder</c> is "rows", as for <see cref="LfpTrainer"/>.
    /// </remarks>
    /// <exception cref="NotSupportedException">A layer the device kernels do not run (the message names it), or an LI readout.</exception>
    public GpuLfpTrainer(GpuBackend backend, SpikingNetwork network, TrainingOptions options, IInputEncoder? encoder = null)
    {
        options.Validate();
        _backend = backend;
        _options = options;
        Network = network;
        if (encoder is not null && encoder.Name != options.Encoder.Name())
            throw new ArgumentException($"the encoder is '{encoder.Name}' but the options name '{options.Encoder.Name()}'.", nameof(encoder));
        _encoder = encoder ?? (options.Encoder == EncoderKind.Rows
            ? throw new ArgumentException("the rows encoder needs the data set's shape: pass RowsEncoder.For(featureCount, network.InputSize).", nameof(encoder))
            : InputEncoders.Create(options.Encoder, (ulong)options.Seed));
        // Its own device memory, not the backend's cached model: evaluation through the same backend (another batch
        // size) would otherwise reallocate the buffers this trainer keeps its weights and optimizer state in.
        GpuBackend.CheckSupported(network);
        if (!network.Layers[^1].Neuron.Spikes)
            throw new NotSupportedException("the device-resident trainer places the rate-coded reward on output spikes; train an LI readout with LfpTrainer on the GPU backend.");
        _model = new DeviceModel(backend.Accelerator, network, options.BatchSize, options.Steps, _encoder.Kind);
        GpuBackend.UploadParameters(_model, network);
        if (_encoder.IsSpiking && _encoder is not BernoulliRateEncoder)
            _hostSpikes = new SpikeTrain(options.BatchSize, options.Steps, network.InputSize);
        _parameters = _model.Layers.SelectMany(l => l.Parameters()).ToArray();
        _feedback = _model.Layers.SelectMany(l => l.Feedback()).ToArray();
        _first = _parameters.Select(p => _model.Allocate<float>(p.Length)).ToArray();
        _second = _parameters.Select(p => _model.Allocate<float>(options.Optimizer == OptimizerKind.Adam ? p.Length : 1)).ToArray();
        foreach (var b in _first.Concat(_second)) b.MemSetToZero();
        _partialCount = _parameters.Sum(p => Chunks(p.Length));
        _partials = _model.Allocate<double>(_partialCount);
        _clip = _model.Allocate<double>(2);
        _rewards = new float[options.BatchSize];
        _predictions = new int[options.BatchSize];
        _counts = new int[options.BatchSize * network.Layers.Count];
    }

    /// <summary>The host network (its weights are updated by <see cref="CopyWeightsTo"/>).</summary>
    public SpikingNetwork Network { get; }

    /// <inheritdoc/>
    public TrainingOptions Options => _options;

    /// <inheritdoc/>
    public IInputEncoder Encoder => _encoder;

    /// <inheritdoc/>
    public IComputeBackend? EvaluationBackend => _backend;

    /// <summary>Trains one epoch on the device (<see cref="EpochLoop.TrainEpoch"/>) and evaluates on <paramref name="test"/>.</summary>
    public EpochMetrics TrainEpoch(Dataset train, Dataset test, EpochProgress state, IProgress<int>? progress = null, CancellationToken cancellation = default)
        => EpochLoop.TrainEpoch(this, train, test, state, progress, cancellation);

    (double Reward, int Correct) ILfpBatchTrainer.TrainBatch(ReadOnlySpan<float> features, ReadOnlySpan<int> labels, ReadOnlySpan<long> keys, int epoch, int batchIndex, double[]? spikeTotals)
    {
        var (reward, correct, totals) = TrainBatch(features, labels, keys);
        if (spikeTotals is not null)
            for (int k = 0; k < totals.Length; k++) spikeTotals[k] += totals[k];
        return (reward, correct);
    }

    /// <inheritdoc/>
    public void SyncNetwork() => CopyWeightsTo(Network);

    /// <summary>
    /// The device optimizer state in the host optimizers' form (<see cref="Learning.Optimizers.Sgd"/>: "velocity";
    /// <see cref="Learning.Optimizers.Adam"/>: "m" and "v"; one array per parameter, none before the first step), so a
    /// checkpoint written here resumes on the CPU and the other way round.
    /// </summary>
    public OptimizerState SaveOptimizerState()
    {
        float[][] Download(MemoryBuffer1D<float, Stride1D.Dense>[] buffers)
            => _steps == 0 ? [] : buffers.Select(b => { var host = new float[b.Length]; b.Download<float>(host); return host; }).ToArray();
        var buffers = _options.Optimizer == OptimizerKind.Adam
            ? new Dictionary<string, float[][]> { ["m"] = Download(_first), ["v"] = Download(_second) }
            : new Dictionary<string, float[][]> { ["velocity"] = Download(_first) };
        return new OptimizerState(_options.Optimizer, _steps, buffers);
    }

    /// <inheritdoc/>
    /// <exception cref="ArgumentException">The state is for another optimizer or other parameter sizes.</exception>
    public void LoadOptimizerState(OptimizerState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.Kind != _options.Optimizer) throw new ArgumentException($"cannot load {state.Kind.Name()} state into {_options.Optimizer.Name()}.");
        void Upload(MemoryBuffer1D<float, Stride1D.Dense>[] buffers, float[][] arrays)
        {
            if (arrays.Length == 0) { foreach (var b in buffers) b.MemSetToZero(); return; }
            if (arrays.Length != buffers.Length || arrays.Zip(buffers).Any(p => p.First.Length != p.Second.Length))
                throw new ArgumentException("the optimizer state does not fit the network's parameters.");
            for (int p = 0; p < buffers.Length; p++) buffers[p].Upload<float>(arrays[p]);
        }
        if (state.Kind == OptimizerKind.Adam)
        {
            Upload(_first, state.Buffers["m"]);
            Upload(_second, state.Buffers["v"]);
        }
        else Upload(_first, state.Buffers["velocity"]);
        _steps = state.Steps;
    }

    /// <summary>
    /// One LFP update on a batch; returns the summed reward, the number of correct predictions (made before the
    /// update) and each layer's spike total.
    /// </summary>
    /// <exception cref="NumericalInstabilityException">The feedback or the reward is NaN or infinite.</exception>
    public (double Reward, int Correct, long[] SpikeTotals) TrainBatch(ReadOnlySpan<float> features, ReadOnlySpan<int> labels, ReadOnlySpan<long> keys)
    {
        int batch = keys.Length, steps = _options.Steps;
        if (batch < 1 || batch > _options.BatchSize) throw new ArgumentException($"a batch holds 1 to {_options.BatchSize} samples, got {batch}.");
        if (features.Length < batch * TraceShape.FeaturesPerSample(Network, _encoder) || labels.Length < batch) throw new ArgumentException("features or labels are shorter than the batch.");
        for (int b = 0; b < batch; b++)
            if ((uint)labels[b] >= (uint)Network.OutputSize) throw new ArgumentOutOfRangeException(nameof(labels), $"label {labels[b]} is not a class of the network.");
        var k = _backend.Kernels;

        // Upload: the batch's input and labels.
        UploadInput(features, keys, batch);
        _model.Labels.Upload(labels[..batch]);

        _backend.RunForward(_model, batch);
        var top = _model.Layers[^1];
        k.Predict(batch, top.Spikes.View, _model.Predictions.View, steps, top.Size);
        for (int l = 0; l < _model.Layers.Length; l++)
            k.CountSpikes(batch, _model.Layers[l].Spikes.View, _model.SpikeCounts.View, steps * _model.Layers[l].Size, l * batch);
        _backend.PlaceRateCodedReward(_model, batch, divideBySteps: true);
        _backend.RunBackward(_model, batch, keepInputReward: false);
        Step();

        // Download: predictions, rewards, spike counts and the gradient norm.
        _model.Predictions.Download<int>(_predictions.AsSpan(0, batch));
        _model.SampleReward.Download<float>(_rewards.AsSpan(0, batch));
        _model.SpikeCounts.Download<int>(_counts.AsSpan(0, batch * _model.Layers.Length));
        _clip.Download<double>(_clipState);
        float reward = 0f;
        int correct = 0;
        for (int b = 0; b < batch; b++) { reward += _rewards[b]; if (_predictions[b] == labels[b]) correct++; }
        if (!double.IsFinite(_clipState[0]) || !float.IsFinite(reward))
            throw new NumericalInstabilityException($"non-finite feedback after optimizer step {_steps}; lower the learning rate or check the input.");
        var totals = new long[_model.Layers.Length];
        for (int l = 0; l < totals.Length; l++)
            for (int b = 0; b < batch; b++) totals[l] += _counts[l * batch + b];
        return (reward, correct, totals);
    }

    // The input of every step: encoded on the device for Bernoulli rate coding, on the host for other encoders.
    private void UploadInput(ReadOnlySpan<float> features, ReadOnlySpan<long> keys, int batch)
    {
        int inputs = Network.InputSize, steps = _options.Steps;
        if (_encoder is BernoulliRateEncoder rate)
        {
            _model.Features.Upload(features[..(batch * inputs)]);
            _model.Keys.Upload(keys);
            _backend.Kernels.RateEncode(batch * steps * inputs, _model.Features.View, _model.Keys.View, _model.Input.View, steps, inputs, rate.Seed);
        }
        else if (_hostSpikes is not null)
        {
            int perSample = _encoder.FeaturesPerSample(inputs);
            _encoder.Encode(features[..(batch * perSample)], perSample, keys, _hostSpikes);
            GpuBackend.UploadSpikes(_model, _hostSpikes, batch, _model.Input);
        }
        else if (_encoder is ISequenceEncoder sequence)
        {
            var currents = _model.Staging.AsSpan(0, batch * steps * inputs);
            sequence.EncodeSequence(features[..(batch * sequence.FeatureCount)], sequence.FeatureCount, batch, steps, inputs, currents);
            _model.Input.Upload<float>(currents);
        }
        else _model.Input.Upload(features[..(batch * inputs)]);
    }

    /// <summary>Downloads the device weights into <paramref name="network"/> (the trainer's own network by default).</summary>
    public void CopyWeightsTo(SpikingNetwork? network = null)
    {
        network ??= Network;
        for (int l = 0; l < _model.Layers.Length; l++)
            foreach (var (device, host) in _model.Layers[l].Parameters().Zip(network.Layers[l].Parameters()))
                device.Download<float>(host);
    }

    /// <summary>grad = -feedback; clip the global norm (computed even when clipping is off, to catch NaN); update.</summary>
    private void Step()
    {
        var k = _backend.Kernels;
        int offset = 0;
        foreach (var f in _feedback)
        {
            int chunks = Chunks(f.Length);
            k.SquaredSums(chunks, f.View, _partials.View, (int)f.Length, offset);
            offset += chunks;
        }
        k.ClipCoefficient(1, _partials.View, _clip.View, _partialCount, _options.ClipNorm);
        _steps++;
        float lr = _options.LearningRate;
        for (int p = 0; p < _parameters.Length; p++)
        {
            int n = (int)_parameters[p].Length;
            if (_options.Optimizer == OptimizerKind.Adam)
            {
                const float beta1 = 0.9f, beta2 = 0.999f, epsilon = 1e-8f;
                float c1 = 1f - MathF.Pow(beta1, _steps), c2 = 1f - MathF.Pow(beta2, _steps);
                k.Adam(n, _parameters[p].View, _feedback[p].View, _first[p].View, _second[p].View, _clip.View, lr / c1, MathF.Sqrt(c2), beta1, beta2, epsilon);
            }
            else
                k.Sgd(n, _parameters[p].View, _feedback[p].View, _first[p].View, _clip.View, lr, _options.Momentum, _steps == 1 ? 1 : 0);
        }
    }

    private static int Chunks(long length) => (int)((length + OptimizerKernels.Chunk - 1) / OptimizerKernels.Chunk);

    /// <summary>Frees the trainer's device memory (weights, optimizer state, trace).</summary>
    public void Dispose() => _model.Dispose();
}
