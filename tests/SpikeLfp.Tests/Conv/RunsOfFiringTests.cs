using SpikeLfp.Learning.Lfp;
using SpikeLfp.Learning.Lfp.Synapses;
using SpikeLfp.Learning.Rewards;
using SpikeLfp.Network.Encoding;
using SpikeLfp.Network.Model;
using SpikeLfp.Network.Simulation;
using SpikeLfp.Network.Synapses;
using SpikeLfp.Neurons;

namespace SpikeLfp.Tests.Conv;

/// <summary>
/// A convolution whose inputs mostly keep firing, or keep silent, from step to step works by their changes. Its
/// current is the step before's plus the weights of the inputs that started firing, minus those that stopped; its weight
/// feedback of a sample is summed by runs of firing: an input that fires through steps a..b-1 adds P_b - P_a, P_t being
/// the rewards of the steps before t. The terms are the step-by-step ones summed in another order, so the results must
/// agree to rounding, and with the sums in double precision.
/// </summary>
public class RunsOfFiringTests
{
    private const int Steps = 9;

    // Spikes that mostly keep or keep off from step to step, as at a constant input, with inputs that fire at every step,
    // only at the first or only at the last one.
    private static SpikeTrain Spikes(int inputs, int samples, int seed)
    {
        var random = new Random(seed);
        var train = new SpikeTrain(samples, Steps, inputs);
        var on = new bool[inputs];
        for (int b = 0; b < samples; b++)
        {
            for (int i = 0; i < inputs; i++) on[i] = random.NextDouble() < 0.3;
            for (int t = 0; t < Steps; t++)
            {
                var slot = train.Slot(b, t);
                int count = 0;
                for (int i = 0; i < inputs; i++)
                {
                    if (t > 0 && random.NextDouble() < 0.1) on[i] = !on[i];
                    bool fires = i % 37 == 0 || (i % 41 == 0 && t == 0) || (i % 43 == 0 && t == Steps - 1) || (on[i] && i % 47 != 0);
                    if (fires) slot[count++] = i;
                }
                train.SetCount(b, t, count);
            }
        }
        return train;
    }

    private static float[] Rewards(int count, int seed)
    {
        var random = new Random(seed);
        // About a fifth of the rewards are not zero, as LFP's are.
        return Enumerable.Range(0, count).Select(_ => random.NextDouble() < 0.2 ? (float)(2 * random.NextDouble() - 1) : 0f).ToArray();
    }

    // feedback[c, ky, kx, oc] = sum over steps and positions of rho where the input at that tap fired, in double.
    private static double[] Expected(Conv2dSynapses conv, SpikeTrain spikes, int sample, float[] rho)
    {
        var g = conv.Geometry;
        var expected = new double[g.WeightRows * g.OutChannels];
        for (int t = 0; t < Steps; t++)
            foreach (int input in spikes.Fired(sample, t))
            {
                int c = input % g.InChannels, x = input / g.InChannels % g.InWidth, y = input / g.InChannels / g.InWidth;
                for (int ky = 0; ky < g.Kernel; ky++)
                    for (int kx = 0; kx < g.Kernel; kx++)
                    {
                        int oy = y + g.Padding - ky, ox = x + g.Padding - kx;
                        if (oy < 0 || oy >= g.OutHeight || ox < 0 || ox >= g.OutWidth) continue;
                        for (int oc = 0; oc < g.OutChannels; oc++)
                            expected[((c * g.Kernel + ky) * g.Kernel + kx) * g.OutChannels + oc] +=
                                rho[t * g.Outputs + (oy * g.OutWidth + ox) * g.OutChannels + oc];
                    }
            }
        return expected;
    }

    [TestCase(0)]
    [TestCase(2)]
    public void Runs_of_firing_give_the_feedback_of_every_step(int padding)
    {
        var conv = new Conv2dSynapses(12, 12, 12, 64, 5, padding: padding);
        var rule = new Conv2dLfp(conv);
        var g = conv.Geometry;
        Assume.That(ConvKernels.SupportsKernelRowBlocks(g), Is.True, "the kernel-row feedback needs 512-bit vectors");
        var spikes = Spikes(g.Inputs, 2, seed: 5 + padding);
        for (int b = 0; b < 2; b++)
        {
            var rho = Rewards(Steps * g.Outputs, seed: 17 * b + padding);
            var byRuns = new float[g.WeightRows * g.OutChannels];
            var byStep = new float[byRuns.Length];
            rule.AccumulateSampleSpikeFeedback(spikes, b, rho, byRuns);
            SynapseLfp.AccumulateSpikeFeedbackByStep(rule, spikes, b, rho, byStep);
            var expected = Expected(conv, spikes, b, rho);
            Assert.That(expected.Count(v => v != 0), Is.GreaterThan(expected.Length / 2), "most weights receive feedback");
            for (int w = 0; w < expected.Length; w++)
            {
                // Sums of up to Steps x positions terms of magnitude <= 1, and a prefix of up to Steps rewards per term.
                Assert.That(byRuns[w], Is.EqualTo(expected[w]).Within(2e-5), $"by runs, weight {w}");
                Assert.That(byStep[w], Is.EqualTo(expected[w]).Within(2e-5), $"by step, weight {w}");
            }
        }
    }

    [Test]
    public void Inputs_that_change_more_often_than_they_fire_are_summed_step_by_step()
    {
        var conv = new Conv2dSynapses(12, 12, 12, 64, 5, padding: 2);
        var rule = new Conv2dLfp(conv);
        var g = conv.Geometry;
        // Every input fires at every other step: two changes per spike, where runs would cost more than steps.
        var spikes = new SpikeTrain(1, Steps, g.Inputs);
        for (int t = 0; t < Steps; t++)
        {
            var slot = spikes.Slot(0, t);
            int count = 0;
            for (int i = t % 2; i < g.Inputs; i += 2) slot[count++] = i;
            spikes.SetCount(0, t, count);
        }
        var rho = Rewards(Steps * g.Outputs, seed: 4);
        var byRuns = new float[g.WeightRows * g.OutChannels];
        var byStep = new float[byRuns.Length];
        rule.AccumulateSampleSpikeFeedback(spikes, 0, rho, byRuns);
        SynapseLfp.AccumulateSpikeFeedbackByStep(rule, spikes, 0, rho, byStep);
        Assert.That(byRuns.Any(v => v != 0f), Is.True);
        Assert.That(byRuns.Select(BitConverter.SingleToInt32Bits), Is.EqualTo(byStep.Select(BitConverter.SingleToInt32Bits)));
    }

    [Test]
    public void The_backward_pass_sums_a_pooled_convolution_by_runs_as_it_would_step_by_step()
    {
        // The LifCNN's second layer in small: a max pooling into 64 channels of 3 x 3 kernels.
        var network = ConvSpec.Parse("12x12x1-c12k5-p2-c64k3-p2-10", LifParameters.Default).Create(seed: 2);
        Assume.That(ConvKernels.SupportsKernelRowBlocks(((Conv2dSynapses)((PooledSynapses)network.Layers[1].Connection).Inner).Geometry), Is.True,
            "the kernel-row feedback needs 512-bit vectors");
        const int batch = 4;
        var random = new Random(3);
        var x = Enumerable.Range(0, batch * network.InputSize).Select(_ => (float)(3 * random.NextDouble())).ToArray();
        var trace = new Simulator(network, Steps, new ConstantCurrentEncoder()).Forward(x, Enumerable.Range(0, batch).Select(i => (long)i).ToArray());
        var labels = Enumerable.Range(0, batch).Select(i => i % 10).ToArray();
        Assert.That(trace.TryPooledInput(1, 0, out _), Is.True);
        var byRuns = Backward(network, trace, labels);
        // A new fill: no kept lists, so the pooling runs again at every step and the feedback is summed step by step.
        trace.Batch = trace.Batch;
        var byStep = Backward(network, trace, labels);
        var runs = byRuns.Weights[1];
        var steps = byStep.Weights[1];
        double largest = steps.Max(v => Math.Abs((double)v));
        Assert.That(largest, Is.GreaterThan(0), "the pooled convolution receives feedback (otherwise the check is empty)");
        for (int w = 0; w < runs.Length; w++)
            Assert.That(runs[w], Is.EqualTo(steps[w]).Within(1e-5 * largest), $"weight {w}");
        Assert.That(byRuns.Bias[1], Is.EqualTo(byStep.Bias[1]), "the bias feedback does not depend on the inputs");
    }

    [TestCase(0)]
    [TestCase(2)]
    public void The_current_from_the_step_before_is_the_current_from_rest(int padding)
    {
        var conv = new Conv2dSynapses(12, 12, 12, 64, 5, padding: padding);
        conv.InitializeUniform(new Random(8));
        var g = conv.Geometry;
        Assume.That(ConvKernels.Supports(g), Is.True, "the spike-window kernels need 512-bit vectors");
        var spikes = Spikes(g.Inputs, 1, seed: 9 + padding);
        var before = new float[g.Outputs];
        conv.DeliverSpikesFromRest(spikes.Fired(0, 0), before);
        for (int t = 1; t < Steps; t++)
        {
            var byChanges = new float[g.Outputs];
            var fromRest = new float[g.Outputs];
            conv.DeliverSpikeChanges(spikes.Fired(0, t), spikes.Fired(0, t - 1), before, byChanges);
            conv.DeliverSpikesFromRest(spikes.Fired(0, t), fromRest);
            for (int o = 0; o < g.Outputs; o++)
                Assert.That(byChanges[o], Is.EqualTo(fromRest[o]).Within(1e-5), $"step {t}, output {o}");
            // The next step starts from this one's changes, so rounding may build up over the steps.
            before = byChanges;
        }
    }

    [Test]
    public void Inputs_that_change_more_often_than_they_fire_are_delivered_from_rest()
    {
        var conv = new Conv2dSynapses(12, 12, 12, 64, 5, padding: 2);
        conv.InitializeUniform(new Random(8));
        int[] even = Enumerable.Range(0, conv.Inputs / 2).Select(i => 2 * i).ToArray(), odd = even.Select(i => i + 1).ToArray();
        var before = new float[conv.Outputs];
        conv.DeliverSpikesFromRest(odd, before);
        var byChanges = new float[conv.Outputs];
        var fromRest = new float[conv.Outputs];
        conv.DeliverSpikeChanges(even, odd, before, byChanges);
        conv.DeliverSpikesFromRest(even, fromRest);
        Assert.That(byChanges.Select(BitConverter.SingleToInt32Bits), Is.EqualTo(fromRest.Select(BitConverter.SingleToInt32Bits)));
    }

    [Test]
    public void The_simulator_delivers_a_pooled_convolution_from_the_step_before()
    {
        var network = ConvSpec.Parse("12x12x1-c12k5-p2-c64k3-p2-10", LifParameters.Default).Create(seed: 2);
        const int batch = 3;
        var random = new Random(3);
        var x = Enumerable.Range(0, batch * network.InputSize).Select(_ => (float)(3 * random.NextDouble())).ToArray();
        var trace = new Simulator(network, Steps, new ConstantCurrentEncoder()).Forward(x, Enumerable.Range(0, batch).Select(i => (long)i).ToArray());
        var conv = ((PooledSynapses)network.Layers[1].Connection).Inner;
        var fromRest = new float[conv.Outputs];
        int changedCurrents = 0;
        for (int b = 0; b < batch; b++)
        {
            Assert.That(trace.TryPooledInput(1, b, out var pooled), Is.True);
            for (int t = 0; t < Steps; t++)
            {
                conv.DeliverSpikesFromRest(pooled!.Fired(b, t), fromRest);
                var current = trace.Layers[1].CurrentAt(b, t);
                for (int o = 0; o < fromRest.Length; o++)
                {
                    Assert.That(current[o], Is.EqualTo(fromRest[o]).Within(1e-5), $"sample {b}, step {t}, output {o}");
                    if (current[o] != fromRest[o]) changedCurrents++;
                }
            }
        }
        Assert.That(changedCurrents, Is.GreaterThan(0), "some currents were summed from the step before, in another order");
    }

    private static Feedback Backward(SpikingNetwork network, ForwardTrace trace, int[] labels)
    {
        var feedback = new Feedback(network);
        new CpuLfpBackend().Backward(network, trace, labels, new RateCodedSpikeReward(), new LfpWorkspace(trace), feedback);
        return feedback;
    }
}
