using SpikeLfp.Network.Backends;
using SpikeLfp.Network.Encoding;
using SpikeLfp.Network.Model;

namespace SpikeLfp.Network.Simulation;

/// <summary>
/// Runs a network on batches for a fixed number of steps (membranes at rest for every sample) and returns
/// predictions or full recordings of spikes and membranes.
/// </summary>
public sealed class Simulator
{
    private ForwardTrace? _trace;

    /// <summary>Creates a simulator; <paramref name="backend"/> defaults to a new <see cref="CpuBackend"/> on all cores.</summary>
    public Simulator(SpikingNetwork network, int steps, IInputEncoder encoder, IComputeBackend? backend = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(steps);
        Network = network;
        Steps = steps;
        Encoder = encoder;
        Backend = backend ?? new CpuBackend();
    }

    /// <summary>The simulated network.</summary>
    public SpikingNetwork Network { get; }
    /// <summary>Steps per sample.</summary>
    public int Steps { get; }
    /// <summary>Input encoding.</summary>
    public IInputEncoder Encoder { get; }
    /// <summary>Where the work runs.</summary>
    public IComputeBackend Backend { get; }

    /// <summary>
    /// Simulates a batch and returns its trace (valid until the next call). <paramref name="sampleKeys"/>
    /// seed the encoder per sample (for example data set indices).
    /// </summary>
    public ForwardTrace Forward(ReadOnlySpan<float> features, ReadOnlySpan<long> sampleKeys)
    {
        var trace = TraceFor(sampleKeys.Length);
        Backend.Forward(Network, features, sampleKeys, Encoder, trace);
        return trace;
    }

    /// <summary>
    /// <see cref="Forward(ReadOnlySpan{float}, ReadOnlySpan{long})"/>, calling <paramref name="afterSample"/> with each
    /// sample's index once it is simulated: on a <see cref="CpuBackend"/> on the thread that simulated it, right away,
    /// while its part of the trace is still in cache (samples in any order, several at once); on other backends after
    /// the whole batch, in sample order.
    /// </summary>
    /// <remarks>
    /// With <paramref name="stateRows"/> &gt; 0 (a <see cref="CpuBackend"/> only) the trace keeps each sample's hidden-layer
    /// states only until its <paramref name="afterSample"/> returns (<see cref="TraceFor(int, int)"/>).
    /// </remarks>
    public ForwardTrace Forward(ReadOnlySpan<float> features, ReadOnlySpan<long> sampleKeys, Action<int> afterSample, int stateRows = 0)
    {
        ArgumentNullException.ThrowIfNull(afterSample);
        if (stateRows > 0 && Backend is not CpuBackend)
            throw new ArgumentException("state rows need the CPU backend, which runs afterSample right after each sample.", nameof(stateRows));
        var trace = TraceFor(sampleKeys.Length, stateRows);
        if (Backend is CpuBackend cpu)
        {
            cpu.Forward(Network, features, sampleKeys, Encoder, trace, afterSample);
            return trace;
        }
        Backend.Forward(Network, features, sampleKeys, Encoder, trace);
        for (int b = 0; b < trace.Batch; b++) afterSample(b);
        return trace;
    }

    /// <summary>The trace the next forward pass of <paramref name="batch"/> samples fills (allocated, or grown, when needed).</summary>
    public ForwardTrace TraceFor(int batch) => TraceFor(batch, stateRows: 0);

    /// <summary>
    /// <see cref="TraceFor(int)"/> for a trace whose hidden layers keep the states of only <paramref name="stateRows"/>
    /// samples at a time, those being simulated (<see cref="ForwardTrace.KeepsAllStates"/>; 0: every sample's). For a
    /// caller that uses each sample's states right after its simulation: far less memory to write and read back.
    /// </summary>
    public ForwardTrace TraceFor(int batch, int stateRows)
    {
        ref var cached = ref stateRows == 0 ? ref _trace : ref _rowTrace;
        if (cached is null || cached.StateRows != stateRows || !cached.Fits(Network, batch, Steps, Encoder.Kind))
            cached = new ForwardTrace(Network, Math.Max(batch, cached?.Capacity ?? 0), Steps, Encoder.Kind, stateRows);
        return cached;
    }

    private ForwardTrace? _rowTrace;

    /// <summary>Predicted class per sample: argmax of output spike counts (lowest index wins ties).</summary>
    public void Predict(ReadOnlySpan<float> features, ReadOnlySpan<long> sampleKeys, Span<int> predictions)
    {
        // Only the output spikes are read: on the CPU the hidden layers' states live only while their sample is
        // simulated (one row per thread, in cache) instead of being written out for the whole batch.
        var trace = Backend is CpuBackend cpu
            ? Forward(features, sampleKeys, IgnoreSample, cpu.Parallelism.MaxDegreeOfParallelism)
            : Forward(features, sampleKeys);
        TraceStatistics.Predictions(trace, predictions);
    }

    private static readonly Action<int> IgnoreSample = _ => { };

    /// <summary>
    /// Simulates a batch and records every layer (input spikes first when the input is spiking),
    /// time-major [step, sample, neuron].
    /// </summary>
    public NetworkRecording Record(ReadOnlySpan<float> features, ReadOnlySpan<long> sampleKeys, int[]? labels, bool membranes = true)
        => Record(Forward(features, sampleKeys), labels, membranes);

    /// <summary>Records a batch this simulator has just run (for callers that also read the trace itself).</summary>
    public NetworkRecording Record(ForwardTrace trace, int[]? labels, bool membranes = true)
    {
        ArgumentNullException.ThrowIfNull(trace);
        if (!trace.Fits(Network, trace.Batch, Steps, Encoder.Kind))
            throw new ArgumentException("the trace was not made by this simulator's network, steps and encoder.", nameof(trace));
        if (membranes && !trace.KeepsAllStates)
            throw new ArgumentException("the trace keeps the membranes of the samples being simulated only; record with membranes: false.", nameof(trace));
        int batch = trace.Batch;
        var layers = new List<LayerRecording>();
        if (trace.SpikingInput)
        {
            var input = new LayerRecording("input", Steps, batch, Network.InputSize, float.NaN, withMembranes: false);
            for (int b = 0; b < batch; b++)
                for (int t = 0; t < Steps; t++)
                    foreach (int i in trace.InputSpikes!.Fired(b, t)) input.Spikes[input.IndexOf(t, b, i)] = 1f;
            layers.Add(input);
        }
        for (int k = 0; k < Network.Layers.Count; k++)
        {
            var lt = trace.Layers[k];
            // A readout has no threshold, and its membranes are its output: always recorded.
            bool readout = !lt.IsSpiking, withMembranes = membranes || readout;
            var rec = new LayerRecording(Network.LayerName(k), Steps, batch, lt.Size, readout ? float.NaN : Network.Layers[k].Neurons.Threshold,
                withMembranes, isSpiking: !readout);
            for (int b = 0; b < batch; b++)
                for (int t = 0; t < Steps; t++)
                {
                    foreach (int i in lt.Spikes.Fired(b, t)) rec.Spikes[rec.IndexOf(t, b, i)] = 1f;
                    if (withMembranes) lt.MembraneAt(b, t).CopyTo(rec.Membranes.AsSpan(rec.IndexOf(t, b, 0), lt.Size));
                }
            layers.Add(rec);
        }
        return new NetworkRecording(layers, labels);
    }
}
