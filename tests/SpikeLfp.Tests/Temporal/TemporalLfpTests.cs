using SpikeLfp.Learning.Lfp;
using SpikeLfp.Learning.Rewards;
using SpikeLfp.Network.Backends;
using SpikeLfp.Network.Encoding;
using SpikeLfp.Network.Model;
using SpikeLfp.Network.Simulation;
using SpikeLfp.Network.Synapses;
using SpikeLfp.Neurons;
using SpikeLfp.Tests.Support;

namespace SpikeLfp.Tests.Temporal;

/// <summary>
/// LFP through CubaLIF and recurrent layers (docs/lfp-temporal.md). No reference implementation exists, so the rule
/// is pinned by reductions to the referenced LIF rule (bit for bit) and by a hand-checkable case computed from the
/// equations alone (docs/lfp_temporal_reference.py, float64).
/// </summary>
public class TemporalLfpTests
{
    private static readonly LifParameters Membrane = new(0.8f, 1f);

    private sealed class FixedReward(float[] perStep) : ISpikeReward
    {
        public float Compute(ForwardTrace trace, int sample, int label, Span<float> reward)
        {
            perStep.CopyTo(reward);
            return perStep.Sum();
        }
    }

    private static (ForwardTrace Trace, LfpWorkspace Workspace, Feedback Feedback) HandCase(NeuronModel neuron, bool recurrent)
    {
        var w = new DenseSynapses(2, 2);
        w.FromOutputMajor([0.9f, 0.4f, 0.3f, 0.8f]);
        w.Bias[0] = 0.15f;
        w.Bias[1] = -0.05f;
        DenseSynapses? v = null;
        if (recurrent)
        {
            v = new DenseSynapses(2, 2);
            v.FromOutputMajor([0.2f, -0.6f, 0.7f, 0.1f]);
            v.Bias[0] = 0.05f;
            v.Bias[1] = 0.02f;
        }
        var network = new SpikingNetwork([new SpikingLayer(w, neuron, v)]);
        double[] x = [1, 0, 1, 1, 0, 1]; // [step, sample, input], one sample
        var trace = new Simulator(network, 3, new ReplayEncoder(x, 3, 1, 2)).Forward(new float[2], [0]);
        var workspace = new LfpWorkspace(trace, keepInputReward: true);
        var feedback = new Feedback(network);
        new CpuLfpBackend().Backward(network, trace, [0], new FixedReward([0.2f, -0.1f, 0f, 0.3f, 0.5f, -0.2f]), workspace, feedback);
        return (trace, workspace, feedback);
    }

    [Test]
    public void Cuba_lif_lfp_matches_the_hand_computed_case()
    {
        var (trace, workspace, feedback) = HandCase(new CubaLifNeuron(Membrane, 0.5f), recurrent: false);
        AssertSpikes(trace, [[0], [0, 1], [0, 1]]);
        Close.AssertAll(trace.Layers[0].Synaptic, [1.05, 0.25, 1.975, 1.175, 1.5375, 1.3375], "synaptic current");
        Close.AssertAll(trace.Layers[0].Membrane, [1.05, 0.25, 1.815, 1.375, 1.9895, 1.4375], "membrane");
        // Weights are input-major [input, neuron]: F_W[j][k] is at k * 2 + j.
        Close.AssertAll(feedback.Weights[0], [0.46290216581932364, -0.03320810844109372, 0.1348591612633398, 0.023571068758311026], "F_W");
        Close.AssertAll(feedback.Bias[0], [0.10223815990355545, -0.009637247159643857], "F_b");
        Close.AssertAll(workspace.InputReward, [0.24333321283658846, 0, 0.18636084454164148, 0.15717043157658747, 0, 0.0012597984450633537], "input reward");
    }

    [Test]
    public void Recurrent_lif_lfp_matches_the_hand_computed_case()
    {
        var (trace, workspace, feedback) = HandCase(new LifNeuron(Membrane), recurrent: true);
        AssertSpikes(trace, [[0], [0, 1], [1]]);
        Close.AssertAll(trace.Layers[0].Current, [1.1, 0.27, 1.7, 1.77, 0.2, 1.57], "current z_t");
        Close.AssertAll(feedback.Weights[0], [0.4360449675496585, -0.10670950113296608, 0.17796829674558035, -0.0441318256060635], "F_W");
        Close.AssertAll(feedback.Bias[0], [0.11689583329738489, -0.02095067500233551], "F_b");
        // F_V[j][l] (postsynaptic j, presynaptic l) is at l * 2 + j.
        Close.AssertAll(feedback.RecurrentWeights[0], [0.08898414837279017, -0.03861534740530556, 0.17688668815643388, -0.006331516293682319], "F_V");
        Close.AssertAll(feedback.RecurrentBias[0], [0.03896527776579496, -0.008380270000934203], "F_bV");
        Close.AssertAll(workspace.InputReward, [0.19179171669501432, 0, 0.13754374972167813, 0.06656414271801948, 0, 0.06727232842149737], "input reward");
    }

    [Test]
    public void Li_readout_lfp_matches_the_hand_computed_case()
    {
        var w = new DenseSynapses(2, 2);
        w.FromOutputMajor([0.9f, 0.4f, 0.3f, 0.8f]);
        w.Bias[0] = 0.15f;
        w.Bias[1] = -0.05f;
        var network = new SpikingNetwork([new SpikingLayer(w, new LiNeuron(Membrane))]);
        var trace = new Simulator(network, 3, new ReplayEncoder([1, 0, 1, 1, 0, 1], 3, 1, 2)).Forward(new float[2], [0]);
        var workspace = new LfpWorkspace(trace, keepInputReward: true);
        var feedback = new Feedback(network);
        float reward = new CpuLfpBackend().Backward(network, trace, [0], new ReadoutSoftmaxReward(), workspace, feedback);

        Assert.That(trace.Layers[0].Spikes.Total(1), Is.EqualTo(0), "a readout never spikes");
        Close.AssertAll(trace.Layers[0].Membrane, [1.05, 0.25, 2.29, 1.25, 2.382, 1.75], "membrane");
        Assert.That(reward, Is.EqualTo(0.5815749843644844 - 0.3303248338316278).Within(1e-5), "softmax reward on the averaged membrane");
        Close.AssertAll(feedback.Weights[0], [0.3878517564564873, -0.12928374773881854, 0.11383491150079149, -0.22766968047879596], "F_W");
        Close.AssertAll(feedback.Bias[0], [0.07988770657724689, -0.026629204215340204], "F_b");
        Close.AssertAll(workspace.InputReward, [0.14879859347420776, 0, 0.10976941524346095, -0.07317948795029693, 0, -0.040655281027707546], "input reward");
        var predictions = new int[1];
        TraceStatistics.Predictions(trace, predictions);
        Assert.That(predictions[0], Is.EqualTo(0), "prediction: argmax of the averaged membrane (1.91 against 1.08)");
    }

    [Test]
    public void Only_the_output_layer_can_be_a_readout()
    {
        var readout = new SpikingLayer(new DenseSynapses(4, 3), new LiNeuron(Membrane));
        var above = new SpikingLayer(new DenseSynapses(3, 2), new LifNeuron(Membrane));
        Assert.That(() => new SpikingNetwork([readout, above]), Throws.ArgumentException.With.Message.Contains("only the output layer"));
    }

    [TestCase("current")]
    [TestCase("rate")]
    [TestCase("rows")]
    public void Cuba_lif_with_alpha_zero_is_lif_bit_for_bit(string encoder)
    {
        var lif = Network(new LifNeuron(Membrane), recurrent: false);
        var cuba = Network(new CubaLifNeuron(Membrane, 0f), recurrent: false);
        var (lifTrace, lifFeedback, lifWorkspace) = Lfp(lif, encoder);
        var (cubaTrace, cubaFeedback, cubaWorkspace) = Lfp(cuba, encoder);
        for (int k = 0; k < lif.Layers.Count; k++)
            Assert.That(cubaTrace.Layers[k].Membrane, Is.EqualTo(lifTrace.Layers[k].Membrane), $"membrane of layer {k}");
        AssertSameFeedback(cubaFeedback, lifFeedback);
        Assert.That(cubaWorkspace.InputReward, Is.EqualTo(lifWorkspace.InputReward), "reward reaching the input");
        Assert.That(lifTrace.Layers[0].Spikes.Count(0, 5) + lifTrace.Layers[1].Spikes.Count(0, 5), Is.GreaterThan(0), "the case must spike to mean anything");
    }

    [TestCase("current")]
    [TestCase("rate")]
    [TestCase("rows")]
    public void Recurrent_layer_with_zero_recurrent_weights_is_the_feed_forward_layer_bit_for_bit(string encoder)
    {
        var forward = Network(new LifNeuron(Membrane), recurrent: false);
        // The same forward weights, and recurrent synapses that are all zero.
        var recurrent = new SpikingNetwork(forward.Layers.Select(l =>
            new SpikingLayer(l.Connection.Clone(), l.Neuron, new DenseSynapses(l.Size, l.Size))).ToArray());
        var (forwardTrace, forwardFeedback, forwardWorkspace) = Lfp(forward, encoder);
        var (recurrentTrace, recurrentFeedback, recurrentWorkspace) = Lfp(recurrent, encoder);
        for (int k = 0; k < forward.Layers.Count; k++)
        {
            Assert.That(recurrentTrace.Layers[k].Membrane, Is.EqualTo(forwardTrace.Layers[k].Membrane), $"membrane of layer {k}");
            Assert.That(recurrentFeedback.Weights[k], Is.EqualTo(forwardFeedback.Weights[k]), $"F_W of layer {k}");
            Assert.That(recurrentFeedback.Bias[k], Is.EqualTo(forwardFeedback.Bias[k]), $"F_b of layer {k}");
            // |V| = 0 scales every contribution away: the feedback of V only counts spikes, so it is zero here.
            Assert.That(recurrentFeedback.RecurrentWeights[k], Is.All.EqualTo(0f), $"F_V of layer {k}");
        }
        Assert.That(recurrentWorkspace.InputReward, Is.EqualTo(forwardWorkspace.InputReward), "reward reaching the input");
    }

    [Test]
    public void Recurrent_cuba_feedback_does_not_depend_on_the_thread_count()
    {
        var network = Network(new CubaLifNeuron(Membrane, 0.6f), recurrent: true);
        var (_, one, _) = Lfp(network, "rate", threads: 1);
        var (_, two, _) = Lfp(network, "rate", threads: 3);
        AssertSameFeedback(one, two);
        Assert.That(one.RecurrentWeights[0].Any(f => f != 0f), "the recurrent weights of the hidden layer received feedback");
    }

    private const int Inputs = 6, Rows = 5, Steps = 7, Batch = 4;

    // 6 inputs (a row of a 5 x 6 image with the rows encoder), 10 hidden, 3 outputs; weights scaled up so the layers fire.
    private static SpikingNetwork Network(NeuronModel neuron, bool recurrent)
    {
        var spec = new NetworkSpec(Inputs, [new LayerSpec(10, neuron, recurrent), new LayerSpec(3, neuron, recurrent)]);
        var network = SpikingNetwork.Create(spec, seed: 3);
        foreach (var p in network.Parameters()) VectorMath.Scale(2.5f, p);
        return network;
    }

    private static (ForwardTrace, Feedback, LfpWorkspace) Lfp(SpikingNetwork network, string encoderName, int threads = 2)
    {
        var random = new Random(5);
        int features = encoderName == "rows" ? Rows * Inputs : Inputs;
        var x = Enumerable.Range(0, Batch * features).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        var encoder = InputEncoders.Create(InputEncoders.Parse(encoderName), 9, features, Inputs);
        var cpu = new CpuBackend(threads);
        var trace = new Simulator(network, Steps, encoder, cpu).Forward(x, [0, 1, 2, 3]);
        var workspace = new LfpWorkspace(trace, keepInputReward: true);
        var feedback = new Feedback(network);
        new CpuLfpBackend(cpu).Backward(network, trace, [0, 1, 2, 0], new RateCodedSpikeReward(), workspace, feedback);
        return (trace, feedback, workspace);
    }

    private static void AssertSameFeedback(Feedback actual, Feedback expected)
    {
        var a = actual.InParameterOrder();
        var e = expected.InParameterOrder();
        Assert.That(a.Count, Is.EqualTo(e.Count));
        for (int i = 0; i < a.Count; i++) Assert.That(a[i], Is.EqualTo(e[i]), $"feedback array {i}");
    }

    private static void AssertSpikes(ForwardTrace trace, int[][] expected)
    {
        for (int t = 0; t < expected.Length; t++)
            Assert.That(trace.Layers[0].Spikes.Fired(0, t).ToArray(), Is.EqualTo(expected[t]), $"spikes at step {t}");
    }
}
