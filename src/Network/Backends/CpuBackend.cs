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
    /// <summary>Creates a backend that uses up to <paramref name="maxThreads"/> threads (default: all cores).</summary>
    public CpuBackend(int? maxThreads = null)
    {
        Parallelism = new ParallelOptions { MaxDegreeOfParallelism = maxThreads ?? Environment.ProcessorCount };
    }

    /// <summary>A shared instance using all cores.</summary>
    public static CpuBackend Shared { get; } = new();

    /// <summary>Threading limits used by every kernel launch.</summary>
    public ParallelOptions Parallelism { get; }

    /// <inheritdoc/>
    public string Name => "cpu";

    /// <inheritdoc/>
    public void Forward(SpikingNetwork network, ReadOnlySpan<float> features, ReadOnlySpan<long> sampleKeys, IInputEncoder encoder, ForwardTrace trace)
    {
        int batch = sampleKeys.Length;
        if (!trace.Fits(network, batch, trace.Steps, encoder.IsSpiking))
            throw new ArgumentException("the trace was allocated for another network, batch size, step count or input kind.");
        if (features.Length < batch * network.InputSize)
            throw new ArgumentException($"expected {batch} x {network.InputSize} features, got {features.Length}.");
        trace.Batch = batch;

        if (encoder.IsSpiking)
            encoder.Encode(features[..(batch * network.InputSize)], network.InputSize, sampleKeys, trace.InputSpikes!);
        else
        {
            features[..(batch * network.InputSize)].CopyTo(trace.InputCurrent);
            // A constant current is the same at every step: W x + b is computed once, not T times.
            var first = network.Layers[0].Connection;
            if (first is DenseSynapses dense)
                DenseMath.AffineRows(trace.InputCurrent, batch, network.InputSize, dense, trace.Layers[0].Current, Parallelism);
            else
            {
                var input = trace.InputCurrent;
                var current = trace.Layers[0].Current;
                int inputs = network.InputSize, n = first.Outputs;
                Parallel.For(0, batch, Parallelism, b =>
                {
                    first.ResetCurrent(current.AsSpan(b * n, n));
                    first.DeliverAnalog(input.AsSpan(b * inputs, inputs), current.AsSpan(b * n, n));
                });
            }
        }

        Parallel.For(0, batch, Parallelism, b => SimulateSample(network, trace, b));
    }

    private static void SimulateSample(SpikingNetwork network, ForwardTrace trace, int b)
    {
        for (int t = 0; t < trace.Steps; t++)
        {
            for (int k = 0; k < network.Layers.Count; k++)
            {
                var layer = network.Layers[k];
                var lt = trace.Layers[k];
                var current = lt.CurrentAt(b, t);
                if (!lt.ConstantCurrent)
                {
                    layer.Connection.ResetCurrent(current);
                    var fired = k == 0 ? trace.InputSpikes!.Fired(b, t) : trace.Layers[k - 1].Spikes.Fired(b, t);
                    layer.Connection.DeliverSpikes(fired, current);
                }
                var spikes = lt.SpikeScratch.AsSpan(b * lt.Size, lt.Size);
                var previous = t == 0 ? Span<float>.Empty : lt.MembraneAt(b, t - 1);
                Lif.Step(current, previous, lt.MembraneAt(b, t), spikes, layer.Neurons);
                lt.Spikes.SetCount(b, t, SynapseKernels.CompactSpikes(spikes, lt.Spikes.Slot(b, t)));
            }
        }
    }
}
