using SpikeLfp.Network.Encoding;
using SpikeLfp.Network.Model;
using SpikeLfp.Network.Simulation;

namespace SpikeLfp.Gpu;

/// <summary>The checks every backend makes before simulating a batch into a trace, in one place.</summary>
internal static class TraceShape
{
    /// <summary>Throws <see cref="ArgumentException"/> when the trace or the features do not fit the network, encoder and batch.</summary>
    public static void CheckForward(SpikingNetwork network, int featureCount, int batch, IInputEncoder encoder, ForwardTrace trace)
    {
        if (batch < 1) throw new ArgumentException("a batch needs at least one sample.");
        if (!trace.Fits(network, batch, trace.Steps, encoder.Kind))
            throw new ArgumentException("the trace was allocated for another network, batch size, step count or input kind.");
        if (!trace.KeepsAllStates)
            throw new ArgumentException("the GPU fills every sample's states: give it a trace that keeps them all (no state rows).");
        int perSample = FeaturesPerSample(network, encoder);
        if (featureCount < batch * perSample)
            throw new ArgumentException($"expected {batch} x {perSample} features, got {featureCount}.");
    }

    /// <summary>Features of one sample (<see cref="IInputEncoder.FeaturesPerSample"/>).</summary>
    public static int FeaturesPerSample(SpikingNetwork network, IInputEncoder encoder) => encoder.FeaturesPerSample(network.InputSize);

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
