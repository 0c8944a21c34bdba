using SpikeLfp.Learning.Lfp;
using SpikeLfp.Learning.Rewards;
using SpikeLfp.Network.Encoding;
using SpikeLfp.Network.Model;
using SpikeLfp.Network.Simulation;
using SpikeLfp.Neurons;
using SpikeLfp.Tests.Support;

namespace SpikeLfp.Tests.Reference;

/// <summary>
/// Reproduces lfprop's LFP step through a 2-layer LIF MLP (fixtures lfp_snn_mlp*.json): every spike, and
/// membranes, rewards, input rewards and feedback to 1e-5 relative.
/// </summary>
[Category("Reference")]
public class LfpSpikingReferenceTests
{
    private sealed record Run(SpikingNetwork Network, ForwardTrace Trace, LfpWorkspace Workspace, Feedback Feedback, int Steps, int Batch);

    private static Run Simulate(Fixture f, bool spikingInput)
    {
        int steps = f.Int("sizes.T"), batch = f.Int("sizes.batch"), nIn = f.Int("sizes.n_in");
        var network = f.SpikingMlp();
        IInputEncoder encoder = spikingInput ? new ReplayEncoder(f.Array("x"), steps, batch, nIn) : new ConstantCurrentEncoder();
        var simulator = new Simulator(network, steps, encoder);
        float[] features = spikingInput ? new float[batch * nIn] : f.Floats("x");
        var trace = simulator.Forward(features, Enumerable.Range(0, batch).Select(i => (long)i).ToArray());
        var workspace = new LfpWorkspace(trace, keepInputReward: true);
        var feedback = new Feedback(network);
        var labels = f.Array("labels").Select(v => (int)v).ToArray();
        new CpuLfpBackend().Backward(network, trace, labels, new RateCodedSpikeReward(), workspace, feedback);
        return new Run(network, trace, workspace, feedback, steps, batch);
    }

    [TestCase("lfp_snn_mlp", false)]
    [TestCase("lfp_snn_mlp_spiking_input", true)]
    public void Lif_forward_reproduces_every_spike_and_membrane(string name, bool spikingInput)
    {
        var f = Fixture.Load(name);
        var run = Simulate(f, spikingInput);
        foreach (var (k, layerName) in new[] { (0, "hidden"), (1, "output") })
        {
            var lt = run.Trace.Layers[k];
            var spikes = Close.TimeMajorToSampleMajor(f.Array($"forward.{layerName}_spikes"), run.Steps, run.Batch, lt.Size);
            for (int b = 0; b < run.Batch; b++)
                for (int t = 0; t < run.Steps; t++)
                {
                    var expected = Enumerable.Range(0, lt.Size).Where(i => spikes[(b * run.Steps + t) * lt.Size + i] != 0).ToArray();
                    Assert.That(lt.Spikes.Fired(b, t).ToArray(), Is.EqualTo(expected), $"{layerName} spikes, sample {b}, step {t}");
                }
            var membrane = Close.TimeMajorToSampleMajor(f.Array($"forward.{layerName}_membrane"), run.Steps, run.Batch, lt.Size);
            Close.AssertAll(lt.Membrane.AsSpan(0, membrane.Length).ToArray(), membrane, $"{layerName} membrane");
        }
    }

    [TestCase("lfp_snn_mlp", false)]
    [TestCase("lfp_snn_mlp_spiking_input", true)]
    public void Lfp_reward_input_reward_and_feedback_match_reference(string name, bool spikingInput)
    {
        var f = Fixture.Load(name);
        var run = Simulate(f, spikingInput);
        int nOut = run.Network.OutputSize;
        var reward = Close.TimeMajorToSampleMajor(f.Array("reward"), run.Steps, run.Batch, nOut);
        Close.AssertAll(run.Workspace.Incoming[1].AsSpan(0, reward.Length).ToArray(), reward, "reward");
        // Each reward is one sigmoid complement, scaled: held to 1e-5 of itself, however small.
        Close.AssertEachElement(run.Workspace.Incoming[1].AsSpan(0, reward.Length).ToArray(), reward, "reward (element-wise)");

        double[] inputReward = f.Array("input_reward");
        if (spikingInput) inputReward = Close.TimeMajorToSampleMajor(inputReward, run.Steps, run.Batch, run.Network.InputSize);
        Close.AssertAll(run.Workspace.InputReward.AsSpan(0, inputReward.Length).ToArray(), inputReward, "input_reward");

        for (int k = 0; k < 2; k++)
        {
            var syn = run.Network.Layers[k].DenseConnection;
            var fw = Close.OutputMajorToInputMajor(f.Array($"feedback.W{k + 1}"), syn.Outputs, syn.Inputs);
            Close.AssertAll(run.Feedback.Weights[k], fw, $"feedback W{k + 1}");
            Close.AssertAll(run.Feedback.Bias[k], f.Array($"feedback.b{k + 1}"), $"feedback b{k + 1}");
        }
    }
}
