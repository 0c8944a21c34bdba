using SpikeLfp.Network.Encoding;
using SpikeLfp.Network.Model;
using SpikeLfp.Network.Simulation;
using SpikeLfp.Network.Synapses;
using SpikeLfp.Neurons;

namespace SpikeLfp.Network.Backends;

/// <summary>
/// The CPU backend: SIMD kernels, parallel over the samples of a batch (each sample's T steps through all
/// layers are independent, so results do not depend on the number of threads). Neuron updates are
/// clock-driven; spike delivery is event-driven.
/// </summary>
public sealed class CpuBackend : IComputeBackend
{
    /// <summary>
    /// Creates a backend that uses up to <paramref name="maxThreads"/> threads (default: all cores). This is the
    /// documented default of every type that takes an optional backend (<see cref="Simulation.Simulator"/>, the
    /// trainers, the evaluator): passing null there means a new <c>CpuBackend()</c> owned by that object, never a
    /// process-wide instance. Pass one backend to the trainer and the simulators of a run so they share its threads.
    /// </summary>
    public CpuBackend(int? maxThreads = null)
    {
        Parallelism = new ParallelOptions { MaxDegreeOfParallelism = maxThreads ?? Environment.ProcessorCount };
    }

    /// <summary>Threading limits used by every kernel launch.</summary>
    public ParallelOptions Parallelism { get; }

    /// <inheritdoc/>
    public string Name => "cpu";

    /// <inheritdoc/>
    public void Forward(SpikingNetwork network, ReadOnlySpan<float> features, ReadOnlySpan<long> sampleKeys, IInputEncoder encoder, ForwardTrace trace)
        => Forward(network, features, sampleKeys, encoder, trace, afterSample: null);

    /// <summary>
    /// <see cref="Forward(SpikingNetwork, ReadOnlySpan{float}, ReadOnlySpan{long}, IInputEncoder, ForwardTrace)"/>, calling
    /// <paramref name="afterSample"/> with a sample's index on the thread that simulated it, as soon as it is done and
    /// while its part of the trace is still in cache (samples in any order, several at once).
    /// </summary>
    public void Forward(SpikingNetwork network, ReadOnlySpan<float> features, ReadOnlySpan<long> sampleKeys, IInputEncoder encoder, ForwardTrace trace,
        Action<int>? afterSample)
    {
        int batch = sampleKeys.Length, inputs = network.InputSize;
        if (!trace.Fits(network, batch, trace.Steps, encoder.Kind))
            throw new ArgumentException("the trace was allocated for another network, batch size, step count or input kind.");
        int featureCount = encoder.FeaturesPerSample(inputs);
        if (features.Length < batch * featureCount)
            throw new ArgumentException($"expected {batch} x {featureCount} features, got {features.Length}.");
        trace.Batch = batch;
        var first = network.Layers[0];
        var firstCurrent = trace.Layers[0].Current;

        switch (trace.Input)
        {
            case InputKind.Spikes:
                encoder.Encode(features[..(batch * featureCount)], featureCount, sampleKeys, trace.InputSpikes!);
                break;
            case InputKind.CurrentSequence:
                // Every step's analog input is known up front: W x_t + b for all (sample, step) rows at once.
                ((ISequenceEncoder)encoder).EncodeSequence(features[..(batch * featureCount)], featureCount, batch, trace.Steps, inputs, trace.InputCurrent);
                Affine(first.Connection, trace.InputCurrent, batch * trace.Steps, inputs, firstCurrent);
                break;
            default:
                // A constant current is the same at every step: W x + b is computed once, not T times.
                features[..(batch * inputs)].CopyTo(trace.InputCurrent);
                Affine(first.Connection, trace.InputCurrent, batch, inputs, first.IsRecurrent ? trace.InputDrive : firstCurrent);
                break;
        }

        Parallel.For(0, batch, Parallelism, b =>
        {
            // A trace with state rows keeps this sample's membranes and currents only until EndSample.
            trace.BeginSample(b);
            try
            {
                SimulateSample(network, trace, b);
                afterSample?.Invoke(b);
            }
            finally { trace.EndSample(b); }
        });
    }

    // output[r] = W x[r] + b for every row of x.
    private void Affine(ISynapses synapses, float[] x, int rows, int inputs, float[] output)
    {
        if (synapses is DenseSynapses dense)
        {
            DenseMath.AffineRows(x, rows, inputs, dense, output, Parallelism);
            return;
        }
        int n = synapses.Outputs;
        Parallel.For(0, rows, Parallelism, r =>
        {
            synapses.ResetCurrent(output.AsSpan(r * n, n));
            synapses.DeliverAnalog(x.AsSpan(r * inputs, inputs), output.AsSpan(r * n, n));
        });
    }

    private static void SimulateSample(SpikingNetwork network, ForwardTrace trace, int b)
    {
        bool analogFirst = trace.Input != InputKind.Spikes;
        for (int t = 0; t < trace.Steps; t++)
        {
            for (int k = 0; k < network.Layers.Count; k++)
            {
                var layer = network.Layers[k];
                var lt = trace.Layers[k];
                var current = lt.CurrentAt(b, t);
                if (k == 0 && analogFirst)
                {
                    // The analog part is in place already; a constant one kept apart is copied in for the recurrent part.
                    if (trace.InputDrive.Length > 0) trace.InputDrive.AsSpan(b * lt.Size, lt.Size).CopyTo(current);
                }
                else
                {
                    var fired = k == 0 ? trace.InputSpikes!.Fired(b, t) : trace.Layers[k - 1].Spikes.Fired(b, t);
                    if (KeepsPooledInput(layer, lt) is { } pool)
                    {
                        // Pooled once, kept in the trace for the learning rules' passes over the same spikes.
                        var pooled = lt.PooledInput!.Slot(b, t);
                        int pooledCount = pool.ListPooledSpikes(fired, pooled);
                        lt.PooledInput.SetCount(b, t, pooledCount);
                        pool.Inner.DeliverSpikesFromRest(pooled[..pooledCount], current);
                    }
                    else layer.Connection.DeliverSpikesFromRest(fired, current);
                }
                if (layer.Recurrent is { } recurrent)
                {
                    // z_t += V s_{t-1} + b_V: the population's own spikes of the previous step (none before step 0).
                    VectorMath.Add(recurrent.Bias, current);
                    if (t > 0) recurrent.DeliverSpikes(lt.Spikes.Fired(b, t - 1), current);
                }
                var slot = lt.Spikes.Slot(b, t);
                if (!layer.Neuron.TryStepAndListSpikes(current, lt.StateAt(b, t - 1), lt.StateAt(b, t), slot, out int count))
                {
                    var spikes = lt.SpikeScratch.AsSpan(b * lt.Size, lt.Size);
                    layer.Neuron.Step(current, lt.StateAt(b, t - 1), lt.StateAt(b, t), spikes);
                    count = SynapseKernels.CompactSpikesBranchFree(spikes, slot);
                }
                lt.Spikes.SetCount(b, t, count);
            }
        }
        for (int k = 0; k < network.Layers.Count; k++)
            if (KeepsPooledInput(network.Layers[k], trace.Layers[k]) is not null) trace.Layers[k].MarkPooledInput(b, trace.Fill);
    }

    // The layer's max pooling of spikes when its trace keeps the pooled lists (a trace made for this network does).
    private static PooledSynapses? KeepsPooledInput(SpikingLayer layer, LayerTrace lt)
        => layer.Connection is PooledSynapses { Pool: PoolKind.Max } pool && lt.PooledInput is { } kept && kept.Neurons == pool.PooledInputs ? pool : null;
}
