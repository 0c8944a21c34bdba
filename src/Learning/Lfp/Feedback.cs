using SpikeLfp.Network.Model;
using SpikeLfp.Network.Synapses;

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
        Weights = network.Layers.Select(l => CacheLineArrays.Floats(l.Connection.Weights.Length)).ToArray();
        Bias = network.Layers.Select(l => new float[l.Connection.Bias.Length]).ToArray();
        RecurrentWeights = network.Layers.Select(l => CacheLineArrays.Floats(l.Recurrent?.Weights.Length ?? 0)).ToArray();
        RecurrentBias = network.Layers.Select(l => new float[l.Recurrent?.Bias.Length ?? 0]).ToArray();
        _recurrent = network.Layers.Select(l => l.IsRecurrent).ToArray();
    }

    private readonly bool[] _recurrent;

    /// <summary>Per layer, feedback of the weights (input-major [input, neuron]).</summary>
    public float[][] Weights { get; }
    /// <summary>Per layer, feedback of the biases.</summary>
    public float[][] Bias { get; }

    /// <summary>Per layer, feedback of the recurrent weights (input-major [presynaptic, postsynaptic]; empty for feed-forward layers).</summary>
    public float[][] RecurrentWeights { get; }
    /// <summary>Per layer, feedback of the recurrent biases (empty for feed-forward layers).</summary>
    public float[][] RecurrentBias { get; }

    /// <summary>Every array in the order of <see cref="SpikingNetwork.Parameters"/>: the gradients an optimizer steps with (negated).</summary>
    public IReadOnlyList<float[]> InParameterOrder()
    {
        var all = new List<float[]>();
        for (int k = 0; k < Weights.Length; k++)
        {
            all.Add(Weights[k]);
            all.Add(Bias[k]);
            if (!_recurrent[k]) continue;
            all.Add(RecurrentWeights[k]);
            all.Add(RecurrentBias[k]);
        }
        return all;
    }

    /// <summary>Sets everything to zero.</summary>
    public void Clear()
    {
        foreach (var a in InParameterOrder()) Array.Clear(a);
    }
}
