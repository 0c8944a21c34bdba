using SpikeLfp.Learning.Rewards;
using SpikeLfp.Network.Model;
using SpikeLfp.Learning.Lfp.Synapses;
using SpikeLfp.Network.Synapses;

namespace SpikeLfp.Learning.Lfp;

/// <summary>
/// LFP through non-spiking dense layers (LFP.md, "Rewards", and fixture lfp_dense_relu.json): per layer,
/// rho = R / (z + eps sign(z)) with sign(0) = +1; F_W = |W| (.) (rho^T x); F_b = |b| (.) sum_batch rho;
/// reward to the layer below x (.) (W^T rho). Activations (ReLU, step) pass reward through unchanged.
/// </summary>
public static class AnalogLfp
{
    /// <summary>
    /// Softmax reward on the outputs, propagated to every parameter. <paramref name="weightFeedback"/> and
    /// <paramref name="biasFeedback"/> are overwritten (input-major like the weights). Returns the summed reward;
    /// <paramref name="inputReward"/>, when given, receives the reward reaching the input [sample, input].
    /// </summary>
    public static float Backward(AnalogNetwork network, AnalogTrace trace, ReadOnlySpan<int> labels,
        float[][] weightFeedback, float[][] biasFeedback, float[]? inputReward = null)
    {
        int batch = trace.Batch, top = network.Layers.Count - 1;
        int outputs = network.OutputSize;
        var reward = new float[batch * outputs];
        float total = 0;
        for (int b = 0; b < batch; b++)
            total += SoftmaxReward.Compute(trace.Output.AsSpan(b * outputs, outputs), labels[b], reward.AsSpan(b * outputs, outputs));

        for (int k = top; k >= 0; k--)
        {
            var syn = network.Layers[k].Synapses;
            var rule = SynapseLfp.For(syn);
            int n = syn.Outputs, inputs = syn.Inputs;
            var z = trace.PreActivations[k];
            var x = trace.Inputs[k];
            var rho = new float[batch * n];
            for (int i = 0; i < rho.Length; i++)
                rho[i] = reward[i] / Stabilizer.Stabilize(z[i]);

            var fw = weightFeedback[k];
            Array.Clear(fw);
            for (int b = 0; b < batch; b++)
                rule.AccumulateAnalogFeedback(0, 1, x.AsSpan(b * inputs, inputs), rho.AsSpan(b * n, n), fw);
            VectorMath.MultiplyByMagnitude(syn.Weights, fw);
            var fb = biasFeedback[k];
            Array.Clear(fb);
            for (int b = 0; b < batch; b++) rule.AccumulateBiasFeedback(rho.AsSpan(b * n, n), fb);
            VectorMath.MultiplyByMagnitude(syn.Bias, fb);

            if (k == 0 && inputReward is null) break; // nobody reads the reward of the network input
            var below = new float[batch * inputs];
            for (int b = 0; b < batch; b++)
                rule.RewardAnalogInputs(x.AsSpan(b * inputs, inputs), rho.AsSpan(b * n, n), below.AsSpan(b * inputs, inputs));
            if (k == 0 && inputReward is not null) below.CopyTo(inputReward, 0);
            reward = below; // the activation of the layer below passes its reward through unchanged
        }
        return total;
    }
}
