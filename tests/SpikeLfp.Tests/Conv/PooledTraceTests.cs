using SpikeLfp.Learning.Lfp;
using SpikeLfp.Learning.Rewards;
using SpikeLfp.Network.Encoding;
using SpikeLfp.Network.Model;
using SpikeLfp.Network.Simulation;
using SpikeLfp.Network.Synapses;
using SpikeLfp.Neurons;

namespace SpikeLfp.Tests.Conv;

/// <summary>
/// A max pooling of spikes is pooled once, in the forward pass: the trace keeps the pooled lists, and the reward pass
/// and the feedback read them instead of pooling the spikes below again. The lists must be that pooling, and learning
/// from them must give the same bits as pooling again.
/// </summary>
public class PooledTraceTests
{
    // Two max poolings of spikes (the second drops a border: 3 columns pool into 1) and an analog first layer.
    private const string Spec = "12x12x2-c4k3-p2-c8k3-p2-10";
    private const int Batch = 6, Steps = 8;

    private static (SpikingNetwork Network, ForwardTrace Trace, int[] Labels) Simulate()
    {
        var network = ConvSpec.Parse(Spec, LifParameters.Default).Create(seed: 3);
        var random = new Random(11);
        var x = Enumerable.Range(0, Batch * network.InputSize).Select(_ => (float)(4 * random.NextDouble())).ToArray();
        var trace = new Simulator(network, Steps, new ConstantCurrentEncoder()).Forward(x, Enumerable.Range(0, Batch).Select(i => (long)i).ToArray());
        return (network, trace, Enumerable.Range(0, Batch).Select(i => i % 10).ToArray());
    }

    [Test]
    public void The_kept_lists_are_the_pooling_of_the_spikes_below()
    {
        var (network, trace, _) = Simulate();
        for (int k = 0; k < network.Layers.Count; k++)
        {
            if (network.Layers[k].Connection is not PooledSynapses { Pool: PoolKind.Max } pool || k == 0)
            {
                Assert.That(trace.TryPooledInput(k, 0, out _), Is.False, $"layer {k} receives no pooled spikes");
                continue;
            }
            long listed = 0;
            var expected = new int[pool.PooledInputs];
            for (int b = 0; b < Batch; b++)
            {
                Assert.That(trace.TryPooledInput(k, b, out var kept), Is.True, $"layer {k}, sample {b}");
                for (int t = 0; t < Steps; t++)
                {
                    int count = pool.ListPooledSpikes(trace.Layers[k - 1].Spikes.Fired(b, t), expected);
                    Assert.That(kept!.Fired(b, t).ToArray(), Is.EqualTo(expected[..count]), $"layer {k}, sample {b}, step {t}");
                    listed += count;
                }
            }
            Assert.That(listed, Is.GreaterThan(0), $"layer {k}'s input fires (otherwise the check is empty)");
        }
    }

    [Test]
    public void A_trace_filled_again_by_hand_no_longer_offers_its_lists()
    {
        var (_, trace, _) = Simulate();
        Assert.That(trace.TryPooledInput(1, 0, out _), Is.True);
        trace.Batch = trace.Batch;
        Assert.That(trace.TryPooledInput(1, 0, out _), Is.False, "the lists belong to the fill of the forward pass that made them");
    }

    [Test]
    public void Learning_from_the_kept_lists_gives_the_bits_of_pooling_again()
    {
        var (network, trace, labels) = Simulate();
        var kept = Backward(network, trace, labels);
        // A new fill (as after an edit by hand): the same spikes, pooled again by the learning rules.
        trace.Batch = trace.Batch;
        Assert.That(trace.TryPooledInput(1, 0, out _), Is.False);
        var pooledAgain = Backward(network, trace, labels);
        Assert.That(kept.Weights[1].Any(v => v != 0f), Is.True, "the pooled convolution receives feedback (otherwise the check is empty)");
        for (int k = 0; k < network.Layers.Count; k++)
        {
            Assert.That(Bits(kept.Weights[k]), Is.EqualTo(Bits(pooledAgain.Weights[k])), $"weight feedback of layer {k}");
            Assert.That(Bits(kept.Bias[k]), Is.EqualTo(Bits(pooledAgain.Bias[k])), $"bias feedback of layer {k}");
        }
    }

    private static Feedback Backward(SpikingNetwork network, ForwardTrace trace, int[] labels)
    {
        var feedback = new Feedback(network);
        new CpuLfpBackend().Backward(network, trace, labels, new RateCodedSpikeReward(), new LfpWorkspace(trace), feedback);
        return feedback;
    }

    private static int[] Bits(float[] values) => values.Select(BitConverter.SingleToInt32Bits).ToArray();
}
