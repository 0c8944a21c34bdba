using SpikeLfp.Data;
using SpikeLfp.Learning.Lfp;
using SpikeLfp.Learning.Optimizers;
using SpikeLfp.Learning.Rewards;
using SpikeLfp.Network.Backends;
using SpikeLfp.Network.Encoding;
using SpikeLfp.Network.Model;
using SpikeLfp.Network.Simulation;
using SpikeLfp.Network.Synapses;

namespace SpikeLfp.Learning.Training;

/// <summary>
/// Trains a spiking network with Layer-wise Feedback Propagation: per batch, simulate from rest, place the
/// rate-coded reward on the output spikes, propagate it back (no surrogate gradient anywhere),
/// step the optimizer with grad = -feedback after global-norm clipping. Deterministic for a given seed.
/// </summary>
public sealed class LfpTrainer : ILfpBatchTrainer
{
    private readonly TrainingOptions _options;
    private readonly Simulator _simulator;
    private readonly ILfpBackend _lfp;
    private readonly ISpikeReward _reward;
    private readonly float[][] _parameters;
    private LfpWorkspace? _workspace;
    private readonly Feedback _feedback;
    private readonly float[][] _gradients;
    private readonly string[] _parameterNames;
    private readonly int[] _predictions;
    private int[] _batchLabels = [];
    private bool[] _finiteMembranes = [];
    private Action<int>? _afterSample;
    private ForwardTrace? _batchTrace;

    /// <summary>Creates a trainer for <paramref name="network"/> (trained in place).</summary>
    /// <remarks>
    /// <paramref name="encoder"/> defaults to the one <c>options.Encoder</c> names; the rows encoder needs the data
    /// set's shape, so pass it (<see cref="RowsEncoder.For"/>) when <c>options.Encoder</c> is "rows".
    /// Forward and backward share one backend: give <paramref name="backend"/> (where the forward pass and evaluation
    /// run) and the LFP backward follows it (a <see cref="CpuLfpBackend"/> on the same threads, or the backend itself
    /// when it also runs LFP, as <c>GpuBackend</c> does); or give only <paramref name="lfp"/> and the forward pass
    /// follows it. With neither, both run on one new <see cref="CpuBackend"/> on all cores.
    /// </remarks>
    public LfpTrainer(SpikingNetwork network, TrainingOptions options, IComputeBackend? backend = null, ILfpBackend? lfp = null, ISpikeReward? reward = null,
        IInputEncoder? encoder = null)
    {
        options.Validate();
        _options = options;
        Network = network;
        if (encoder is not null && encoder.Name != options.Encoder.Name())
            throw new ArgumentException($"the encoder is '{encoder.Name}' but the options name '{options.Encoder.Name()}'.", nameof(encoder));
        Encoder = encoder ?? (options.Encoder == EncoderKind.Rows
            ? throw new ArgumentException("the rows encoder needs the data set's shape: pass RowsEncoder.For(featureCount, network.InputSize).", nameof(encoder))
            : InputEncoders.Create(options.Encoder, (ulong)options.Seed));
        backend ??= lfp as IComputeBackend ?? (lfp as CpuLfpBackend)?.Cpu ?? new CpuBackend();
        _simulator = new Simulator(network, options.Steps, Encoder, backend);
        _lfp = lfp ?? backend as ILfpBackend ?? new CpuLfpBackend(backend as CpuBackend);
        _reward = reward ?? (network.Layers[^1].Neuron.Spikes ? new RateCodedSpikeReward() : new ReadoutSoftmaxReward());
        Optimizer = OptimizerFactory.Create(options.Optimizer, options.LearningRate, options.Momentum, (_simulator.Backend as CpuBackend)?.Parallelism);
        _parameters = network.Parameters().ToArray();
        _feedback = new Feedback(network);
        _gradients = _feedback.InParameterOrder().ToArray();
        _parameterNames = network.Layers.SelectMany((l, k) => ParameterNames(l).Select(p => $"{network.LayerName(k)} ({p})")).ToArray();
        _predictions = new int[options.BatchSize];
    }

    /// <summary>The network being trained.</summary>
    public SpikingNetwork Network { get; }
    /// <summary>Where LFP's backward pass runs (paired with <see cref="EvaluationBackend"/>, see the constructor).</summary>
    public ILfpBackend LfpBackend => _lfp;
    /// <summary>The optimizer (its state goes into checkpoints).</summary>
    public IOptimizer Optimizer { get; }
    /// <summary>The input encoder.</summary>
    public IInputEncoder Encoder { get; }
    /// <summary>Features per sample the trainer expects: the network's inputs, or whole images for a sequence encoder.</summary>
    public int FeatureCount => Encoder.FeaturesPerSample(Network.InputSize);
    /// <summary>Settings.</summary>
    public TrainingOptions Options => _options;

    /// <summary>
    /// Trains one epoch (1-based <paramref name="epoch"/>) and evaluates on <paramref name="test"/>.
    /// <paramref name="progress"/> receives the number of samples done after each batch.
    /// </summary>
    /// <exception cref="NumericalInstabilityException">Feedback, weights or membranes became NaN or infinite.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellation"/> was signalled; checked before each batch.</exception>
    public EpochMetrics TrainEpoch(Dataset train, Dataset test, int epoch, IProgress<int>? progress = null, CancellationToken cancellation = default)
        => TrainEpoch(train, test, new EpochProgress(epoch, Network.Layers.Count), progress, cancellation);

    /// <summary>
    /// Trains the rest of the epoch described by <paramref name="state"/>, starting at its
    /// <see cref="EpochProgress.NextBatch"/>, then evaluates on <paramref name="test"/>. <paramref name="state"/> is
    /// updated after every batch, so when <paramref name="cancellation"/> stops the epoch at a batch boundary it
    /// holds exactly what a checkpoint needs to continue; continuing from it gives bit-identical results.
    /// </summary>
    /// <exception cref="NumericalInstabilityException">Feedback, weights or membranes became NaN or infinite; <paramref name="state"/> then no longer matches the network.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellation"/> was signalled; checked before each batch.</exception>
    public EpochMetrics TrainEpoch(Dataset train, Dataset test, EpochProgress state, IProgress<int>? progress = null, CancellationToken cancellation = default)
        => EpochLoop.TrainEpoch(this, train, test, state, progress, cancellation);

    /// <inheritdoc/>
    public IComputeBackend? EvaluationBackend => _simulator.Backend;

    /// <inheritdoc/>
    /// <remarks>The host network is the trained one: nothing to do.</remarks>
    public void SyncNetwork() { }

    /// <inheritdoc/>
    public OptimizerState SaveOptimizerState() => Optimizer.SaveState();

    /// <inheritdoc/>
    public void LoadOptimizerState(OptimizerState state) => Optimizer.LoadState(state);

    /// <summary>
    /// One LFP update on a batch; returns the summed reward and the number of correct predictions (made by the
    /// forward pass before the update). Adds each layer's spike count to <paramref name="spikeTotals"/>.
    /// </summary>
    public (double Reward, int Correct) TrainBatch(ReadOnlySpan<float> features, ReadOnlySpan<int> labels, ReadOnlySpan<long> keys, int epoch, int batchIndex, double[]? spikeTotals = null)
    {
        var (trace, reward) = _lfp is CpuLfpBackend cpu && _simulator.Backend is CpuBackend
            ? ForwardAndBackwardBySample(cpu, features, labels, keys, epoch, batchIndex)
            : ForwardThenBackward(features, labels, keys, epoch, batchIndex);
        TraceStatistics.Predictions(trace, _predictions);
        int hits = 0;
        for (int i = 0; i < trace.Batch; i++) if (_predictions[i] == labels[i]) hits++;
        if (spikeTotals is not null)
            for (int k = 0; k < Network.Layers.Count; k++) spikeTotals[k] += TraceStatistics.SpikeTotal(trace, k);

        // grad = -feedback, clipped to the global norm: applied as a scale inside the optimizer's single pass.
        float clip = GradientClipping.Coefficient(_gradients, _options.ClipNorm, out double norm, (_simulator.Backend as CpuBackend)?.Parallelism);
        if (!double.IsFinite(norm) || !double.IsFinite(reward))
            throw new NumericalInstabilityException($"non-finite feedback in layer {FirstNonFinite(_gradients)} at epoch {epoch}, batch {batchIndex + 1}; lower the learning rate or check the input.");
        // The optimizer checks the weights as it writes them (a finite feedback can still overflow a weight).
        if (!Optimizer.StepAndCheckFinite(_parameters, _gradients, -clip))
            throw new NumericalInstabilityException($"non-finite weights in layer {FirstNonFinite(_parameters)} after the update at epoch {epoch}, batch {batchIndex + 1}; lower the learning rate.");
        return (reward, hits);
    }

    private (ForwardTrace Trace, float Reward) ForwardThenBackward(ReadOnlySpan<float> features, ReadOnlySpan<int> labels, ReadOnlySpan<long> keys, int epoch, int batchIndex)
    {
        var trace = _simulator.Forward(features, keys);
        CheckMembranes(trace, epoch, batchIndex);
        if (_workspace is null || !_workspace.Fits(trace)) _workspace = new LfpWorkspace(trace);
        return (trace, _lfp.Backward(Network, trace, labels, _reward, _workspace, _feedback));
    }

    // On the CPU each sample's reward pass runs right after its simulation, on the same thread, and its membranes are
    // checked there too: its trace is still in cache, where a pass over the whole batch's trace reads it from memory.
    // Same operations as ForwardThenBackward, so the same results.
    private (ForwardTrace Trace, float Reward) ForwardAndBackwardBySample(CpuLfpBackend cpu, ReadOnlySpan<float> features, ReadOnlySpan<int> labels, ReadOnlySpan<long> keys, int epoch, int batchIndex)
    {
        int batch = keys.Length;
        if (labels.Length < batch) throw new ArgumentException($"expected {batch} labels, got {labels.Length}.");
        // Each sample's membranes and currents are read by its reward pass right after its simulation, never again: the
        // trace keeps them for the samples in flight only (one row per thread), so they stay in cache instead of going
        // out to memory and back.
        int stateRows = ((CpuBackend)_simulator.Backend).Parallelism.MaxDegreeOfParallelism;
        var trace = _simulator.TraceFor(batch, stateRows);
        if (_workspace is null || !_workspace.Fits(trace)) _workspace = new LfpWorkspace(trace);
        if (_batchLabels.Length < batch) _batchLabels = new int[batch];
        if (_finiteMembranes.Length < batch)
        {
            _finiteMembranes = new bool[batch];
            _nonFinite = new (int, int)[batch];
        }
        labels[..batch].CopyTo(_batchLabels);
        _batchTrace = trace;
        cpu.BeginBatch(Network);
        try
        {
            _simulator.Forward(features, keys, _afterSample ??= RewardSimulatedSample, stateRows);
            if (Array.IndexOf(_finiteMembranes, false, 0, batch) >= 0) ThrowForFirstNonFinite(batch, epoch, batchIndex);
            return (trace, cpu.AccumulateFeedback(Network, trace, _workspace, _feedback));
        }
        finally { cpu.EndBatch(Network); }
    }

    // Runs on the thread that has just simulated sample b of _batchTrace, while the sample's states exist.
    private void RewardSimulatedSample(int b)
    {
        var trace = _batchTrace!;
        _finiteMembranes[b] = MembranesFinite(trace, b);
        if (_finiteMembranes[b]) ((CpuLfpBackend)_lfp).RewardSample(Network, trace, _reward, _workspace!, b, _batchLabels[b]);
        else _nonFinite[b] = TraceStatistics.FirstNonFiniteMembrane(trace, b)!.Value;
    }

    private static bool MembranesFinite(ForwardTrace trace, int sample)
    {
        foreach (var layer in trace.Layers)
            if (!VectorMath.AllFinite(layer.MembranesOf(sample))) return false;
        return true;
    }

    private (int Layer, int Step)[] _nonFinite = [];

    // The message CheckMembranes gives for the whole batch: the first layer, then the first sample, with a non-finite membrane.
    private void ThrowForFirstNonFinite(int batch, int epoch, int batchIndex)
    {
        int worst = -1;
        for (int b = 0; b < batch; b++)
            if (!_finiteMembranes[b] && (worst < 0 || _nonFinite[b].Layer < _nonFinite[worst].Layer)) worst = b;
        var (layer, step) = _nonFinite[worst];
        throw NonFiniteMembrane(layer, worst, step, epoch, batchIndex);
    }

    // A huge learning rate can leave finite weights whose currents overflow: catch it where it happens, in the
    // membranes, instead of as NaN feedback one step later.
    private void CheckMembranes(ForwardTrace trace, int epoch, int batchIndex)
    {
        if (TraceStatistics.FirstNonFiniteMembrane(trace) is not { } bad) return;
        throw NonFiniteMembrane(bad.Layer, bad.Sample, bad.Step, epoch, batchIndex);
    }

    private NumericalInstabilityException NonFiniteMembrane(int layer, int sample, int step, int epoch, int batchIndex)
        => new($"non-finite membrane in layer {Network.LayerName(layer)} at epoch {epoch}, batch {batchIndex + 1}, simulation step {step + 1} (sample {sample + 1} of the batch); lower the learning rate or check the input.");

    private string FirstNonFinite(float[][] arrays)
    {
        for (int a = 0; a < arrays.Length; a++)
            if (!VectorMath.AllFinite(arrays[a])) return _parameterNames[a];
        return "unknown";
    }

    private static IEnumerable<string> ParameterNames(SpikingLayer layer)
        => layer.IsRecurrent ? ["weights", "bias", "recurrent weights", "recurrent bias"] : ["weights", "bias"];
}
