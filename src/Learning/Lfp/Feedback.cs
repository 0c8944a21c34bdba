using SpikeLfp.Network.Model;

namespace SpikeLfp.Learning.Lfp;

/// <summary>
/// The feedback each parameter collected in one LFP pass (summed over batch and time, never averaged),
/// in the same input-major layout as the weights. The optimizer steps with grad = -feedback.
/// </summary>
public sealed class Feedback
{
    /// <summary>Zero feedback shaped like <paramref name="network"/>.</summary>
    public Feedback(SpikingNetwork network)
    {
        Weights = network.Layers.Select(l => new float[l.Connection.Weights.Length]).ToArray();
        Bias = network.Layers.Select(l => new float[l.Connection.Bias.Length]).ToArray();
    }

    /// <summary>Per layer, feedback of the weights (input-major [input, neuron]).</summary>
    public float[][] Weights { get; }
    /// <summary>Per layer, feedback of the biases.</summary>
    public float[][] Bias { get; }

    /// <summary>Sets everything to zero.</summary>
    public void Clear()
    {
        foreach (var w in Weights) Array.Clear(w);
        foreach (var b in Bias) Array.Clear(b);
    }
}
