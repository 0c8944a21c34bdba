using SpikeLfp.Gpu.Agreement;
using SpikeLfp.Learning.Lfp;
using SpikeLfp.Learning.Rewards;
using SpikeLfp.Network.Encoding;
using SpikeLfp.Network.Model;
using SpikeLfp.Network.Simulation;
using SpikeLfp.Neurons;
using SpikeLfp.Tests.Support;

namespace SpikeLfp.Gpu.Tests;

/// <summary>The Reference fixtures lfp_snn_mlp*.json through the GPU backend, held to the Reference tolerance (Close.AssertAll).</summary>
[Category("Gpu")]
public class GpuReferenceTests
{
    [TestCase("lfp_snn_mlp", false)]
    [TestCase("lfp_snn_mlp_spiking_input", true)]
    public void Gpu_backend_reproduces_lfprop_spikes_membranes_rewards_and_feedback(string name, bool spikingInput)
    {
        var f = Fixture.Load(name);
        int steps = f.Int("sizes.T"), batch = f.Int("sizes.batch"), nIn = f.Int("sizes.n_in");
        var network = f.SpikingMlp();
        IInputEncoder encoder = spikingInput ? new ReplayEncoder(f.Array("x"), steps, batch, nIn) : new ConstantCurrentEncoder();
        var trace = new ForwardTrace(network, batch, steps, spikingInput);
        GpuFixture.Backend.Forward(network, spikingInput ? new float[batch * nIn] : f.Floats("x"), Enumerable.Range(0, batch).Select(i => (long)i).ToArray(), encoder, trace);
        var workspace = new LfpWorkspace(trace, keepInputReward: true);
        var feedback = new Feedback(network);
        GpuFixture.Backend.Backward(network, trace, f.Array("labels").Select(v => (int)v).ToArray(), new RateCodedSpikeReward(), workspace, feedback);

        foreach (var (k, layerName) in new[] { (0, "hidden"), (1, "output") })
        {
            var lt = trace.Layers[k];
            var spikes = Close.TimeMajorToSampleMajor(f.Array($"forward.{layerName}_spikes"), steps, batch, lt.Size);
            for (int b = 0; b < batch; b++)
                for (int t = 0; t < steps; t++)
                    Assert.That(lt.Spikes.Fired(b, t).ToArray(), Is.EqualTo(Enumerable.Range(0, lt.Size).Where(i => spikes[(b * steps + t) * lt.Size + i] != 0).ToArray()), $"{layerName} spikes, sample {b}, step {t}");
            var membrane = Close.TimeMajorToSampleMajor(f.Array($"forward.{layerName}_membrane"), steps, batch, lt.Size);
            Close.AssertAll(lt.Membrane.AsSpan(0, membrane.Length).ToArray(), membrane, $"{layerName} membrane");
        }
        var reward = Close.TimeMajorToSampleMajor(f.Array("reward"), steps, batch, network.OutputSize);
        Close.AssertAll(workspace.Incoming[1].AsSpan(0, reward.Length).ToArray(), reward, "reward");
        double[] inputReward = f.Array("input_reward");
        if (spikingInput) inputReward = Close.TimeMajorToSampleMajor(inputReward, steps, batch, nIn);
        Close.AssertAll(workspace.InputReward.AsSpan(0, inputReward.Length).ToArray(), inputReward, "input_reward");
        for (int k = 0; k < 2; k++)
        {
            var syn = network.Layers[k].DenseConnection;
            Close.AssertAll(feedback.Weights[k], Close.OutputMajorToInputMajor(f.Array($"feedback.W{k + 1}"), syn.Outputs, syn.Inputs), $"feedback W{k + 1}");
            Close.AssertAll(feedback.Bias[k], f.Array($"feedback.b{k + 1}"), $"feedback b{k + 1}");
        }
    }

    [TestCase("lfp_snn_mlp", false)]
    [TestCase("lfp_snn_mlp_spiking_input", true)]
    public void Device_check_fixture_comparison_passes_on_the_cpu_accelerator(string name, bool spikingInput)
    {
        string json = File.ReadAllText(Path.Combine(TestContext.CurrentContext.TestDirectory, "Fixtures", name + ".json"));
        Assert.That(BackendAgreement.ReferenceFixture(GpuFixture.Backend, json, spikingInput), Is.Empty);
    }
}
