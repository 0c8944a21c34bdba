using SpikeLfp.Learning.Lfp;
using SpikeLfp.Network.Model;
using SpikeLfp.Network.Synapses;
using SpikeLfp.Tests.Support;

namespace SpikeLfp.Tests.Reference;

/// <summary>LFP through a non-spiking ReLU MLP with the softmax reward (fixture lfp_dense_relu.json).</summary>
[Category("Reference")]
public class LfpDenseReferenceTests
{
    [Test]
    public void Lfp_on_a_relu_mlp_matches_reference_outputs_rewards_and_feedback()
    {
        var f = Fixture.Load("lfp_dense_relu");
        var layers = new List<AnalogLayer>();
        foreach (var (w, b, act) in new[] { ("W1", "b1", Activation.ReLU), ("W2", "b2", Activation.Identity) })
        {
            var shape = f.Shape(w);
            var syn = new DenseSynapses(shape[1], shape[0]);
            syn.FromOutputMajor(f.Floats(w));
            f.Floats(b).CopyTo(syn.Bias, 0);
            layers.Add(new AnalogLayer(syn, act));
        }
        var network = new AnalogNetwork(layers);
        int batch = f.Int("sizes.batch");
        var trace = network.Forward(f.Floats("x"), Enumerable.Range(0, batch).Select(i => (long)i).ToArray());
        Close.AssertAll(trace.PreActivations[0], f.Array("hidden_preactivation_z1"), "z1");
        Close.AssertAll(trace.Activations[0], f.Array("hidden_activation_a1"), "a1");
        Close.AssertAll(trace.Output, f.Array("outputs"), "outputs");

        var fw = network.Layers.Select(l => new float[l.Synapses.Weights.Length]).ToArray();
        var fb = network.Layers.Select(l => new float[l.Synapses.Outputs]).ToArray();
        var inputReward = new float[batch * network.InputSize];
        AnalogLfp.Backward(network, trace, f.Array("labels").Select(v => (int)v).ToArray(), fw, fb, inputReward);

        Close.AssertAll(inputReward, f.Array("input_reward"), "input_reward");
        for (int k = 0; k < 2; k++)
        {
            var syn = network.Layers[k].Synapses;
            Close.AssertAll(fw[k], Close.OutputMajorToInputMajor(f.Array($"feedback.W{k + 1}"), syn.Outputs, syn.Inputs), $"feedback W{k + 1}");
            Close.AssertAll(fb[k], f.Array($"feedback.b{k + 1}"), $"feedback b{k + 1}");
        }
    }

    [Test]
    public void Softmax_reward_matches_reference()
    {
        var f = Fixture.Load("lfp_dense_relu");
        var outputs = f.Floats("outputs");
        var labels = f.Array("labels").Select(v => (int)v).ToArray();
        int n = outputs.Length / labels.Length;
        var reward = new float[outputs.Length];
        for (int b = 0; b < labels.Length; b++)
            Learning.Rewards.SoftmaxReward.Compute(outputs.AsSpan(b * n, n), labels[b], reward.AsSpan(b * n, n));
        Close.AssertAll(reward, f.Array("reward"), "reward");
    }
}
