using SpikeLfp.Network.Model;
using SpikeLfp.Network.Simulation;

namespace SpikeLfp.Gpu;

/// <summary>The checks every backend makes before simulating a batch into a trace, in one place.</summary>
public static class TraceShape
{
    /// <summary>Throws <see cref="ArgumentException"/> when the trace or the features do not fit the network and batch.</summary>
    public static void CheckForward(SpikingNetwork network, int featureCount, int batch, bool spikingInput, ForwardTrace trace)
    {
        if (batch < 1) throw new ArgumentException("a batch needs at least one sample.");
        if (trace.Input == Network.Encoding.InputKind.CurrentSequence)
            throw new NotSupportedException("the GPU backend takes constant currents or spikes, not analog sequences (rows); use the CPU backend.");
        if (!trace.Fits(network, batch, trace.Steps, spikingInput))
            throw new ArgumentException("the trace was allocated for another network, batch size, step count or input kind.");
        if (featureCount < batch * network.InputSize)
            throw new ArgumentException($"expected {batch} x {network.InputSize} features, got {featureCount}.");
    }

    /// <summary>Throws <see cref="ArgumentException"/> when labels or labels' classes do not fit the simulated batch.</summary>
    public static void CheckLabels(ReadOnlySpan<int> labels, ForwardTrace trace)
    {
        if (labels.Length < trace.Batch) throw new ArgumentException($"expected {trace.Batch} labels, got {labels.Length}.");
        int classes = trace.Layers[^1].Size;
        for (int b = 0; b < trace.Batch; b++)
            if ((uint)labels[b] >= (uint)classes)
                throw new ArgumentOutOfRangeException(nameof(labels), $"label {labels[b]} is not a class of a {classes}-neuron output layer.");
    }
}
