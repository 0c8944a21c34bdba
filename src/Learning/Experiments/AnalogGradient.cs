using SpikeLfp.Learning.Lfp.Synapses;
using SpikeLfp.Learning.Rewards;
using SpikeLfp.Network.Model;
using SpikeLfp.Network.Synapses;

namespace SpikeLfp.Learning.Experiments;

/// <summary>
/// Plain backpropagation through an <see cref="AnalogNetwork"/> (dense, convolutional and pooled layers):
/// batch-mean cross-entropy on the outputs (the logits, noise included), every activation differentiated by its
/// true derivative. This is the gradient baseline of the Heaviside and convergence experiments. Below a step the
/// derivative is zero (everywhere but at 0, where it does not exist), so no gradient reaches any parameter below a
/// step (LFP.md, "Surrogate-gradient baseline").
/// </summary>
public static class AnalogGradient
{
    /// <summary>
    /// da/dz of <paramref name="activation"/> at <paramref name="z"/>: 1 for Identity, H(z) for ReLU (0 at z = 0, as
    /// PyTorch), and 0 for Step.
    /// </summary>
    public static float Derivative(Activation activation, float z) => activation switch
    {
        Activation.ReLU => z > 0f ? 1f : 0f,
        Activation.Step => 0f,
        _ => 1f,
    };

    /// <summary>
    /// Gradients of the batch-mean cross-entropy of <paramref name="trace"/>'s outputs for <paramref name="labels"/>.
    /// <paramref name="weightGradients"/> and <paramref name="biasGradients"/> are overwritten (input-major like the
    /// weights, so they pair with the parameters in an optimizer). Returns the loss; <paramref name="inputGradient"/>,
    /// when given, receives dL/dx of the network input [sample, input].
    /// </summary>
    public static float Backward(AnalogNetwork network, AnalogTrace trace, ReadOnlySpan<int> labels,
        float[][] weightGradients, float[][] biasGradients, float[]? inputGradient = null)
    {
        int batch = trace.Batch, outputs = network.OutputSize;
        if (labels.Length != batch) throw new ArgumentException($"{labels.Length} labels for a batch of {batch}.", nameof(labels));
        var upstream = new float[batch * outputs]; // dL/da of the current layer
        var softmax = new float[outputs];
        double loss = 0;
        for (int b = 0; b < batch; b++)
        {
            loss -= LogSoftmax(trace.Output.AsSpan(b * outputs, outputs), labels[b], softmax);
            for (int c = 0; c < outputs; c++)
                upstream[b * outputs + c] = (softmax[c] - (c == labels[b] ? 1f : 0f)) / batch;
        }

        for (int k = network.Layers.Count - 1; k >= 0; k--)
        {
            var layer = network.Layers[k];
            var syn = layer.Synapses;
            int n = syn.Outputs, inputs = syn.Inputs;
            var z = trace.PreActivations[k];
            var x = trace.Inputs[k];
            // Additive noise on the output or on an input does not change any derivative.
            var delta = new float[batch * n];
            for (int i = 0; i < delta.Length; i++) delta[i] = upstream[i] * Derivative(layer.Activation, z[i]);

            var outerProducts = SynapseLfp.For(syn);
            var gw = weightGradients[k];
            Array.Clear(gw);
            var gb = biasGradients[k];
            Array.Clear(gb);
            bool needBelow = k > 0 || inputGradient is not null;
            var below = needBelow ? new float[batch * inputs] : [];
            for (int b = 0; b < batch; b++)
            {
                var db = delta.AsSpan(b * n, n);
                if (!db.ContainsAnyExcept(0f)) continue; // nothing flows through this sample (always, below a step)
                var xb = x.AsSpan(b * inputs, inputs);
                // dL/db and dL/dW are the feedback sums with the gradient in place of LFP's rho.
                outerProducts.AccumulateBiasFeedback(db, gb);
                outerProducts.AccumulateAnalogFeedback(0, 1, xb, db, gw);
                if (needBelow) syn.AccumulateInputGradient(xb, db, below.AsSpan(b * inputs, inputs));
            }
            if (k == 0 && inputGradient is not null) below.CopyTo(inputGradient, 0);
            upstream = below;
        }
        return (float)(loss / batch);
    }

    /// <summary>The cross-entropy -log softmax(logits)[label] of one sample (in double).</summary>
    public static double CrossEntropy(ReadOnlySpan<float> logits, int label)
    {
        if ((uint)label >= (uint)logits.Length) throw new ArgumentOutOfRangeException(nameof(label));
        return -SoftmaxNormalizer.Of(logits).LogProbability(logits[label]);
    }

    // log softmax(logits)[label]; writes softmax(logits) (computed in double, as the loss is summed over a batch).
    private static double LogSoftmax(ReadOnlySpan<float> logits, int label, Span<float> softmax)
    {
        if ((uint)label >= (uint)logits.Length) throw new ArgumentOutOfRangeException(nameof(label));
        var normalizer = SoftmaxNormalizer.Of(logits);
        for (int c = 0; c < logits.Length; c++) softmax[c] = (float)normalizer.Probability(logits[c]);
        return normalizer.LogProbability(logits[label]);
    }
}
