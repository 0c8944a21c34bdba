using SpikeLfp.Network.Encoding;
using SpikeLfp.Network.Model;
using SpikeLfp.Network.Simulation;
using SpikeLfp.Network.Synapses;

namespace SpikeLfp.Tests.Simulation;

/// <summary>
/// Synaptic events per connection kind, checked against delivery itself: with every weight 1 and no bias, the
/// current a delivery adds up to is exactly the number of synapses it used.
/// </summary>
public class SynapticCostTests
{
    private static float DeliveredSum(ISynapses synapses, int[] fired)
    {
        Array.Fill(synapses.Weights, 1f);
        Array.Clear(synapses.Bias);
        var current = new float[synapses.Outputs];
        synapses.ResetCurrent(current);
        synapses.DeliverSpikes(fired, current);
        return current.Sum();
    }

    private static float DeliveredAll(ISynapses synapses)
    {
        Array.Fill(synapses.Weights, 1f);
        Array.Clear(synapses.Bias);
        var current = new float[synapses.Outputs];
        synapses.ResetCurrent(current);
        synapses.DeliverAnalog(Enumerable.Repeat(1f, synapses.Inputs).ToArray(), current);
        return current.Sum();
    }

    [TestCase(1, 0)]
    [TestCase(1, 1)]
    [TestCase(2, 0)]
    [TestCase(2, 1)]
    [TestCase(3, 2)]
    public void Conv_events_per_input_and_synapse_count_match_delivery(int stride, int padding)
    {
        var conv = new Conv2dSynapses(7, 6, 2, 3, kernel: 3, stride, padding);
        for (int i = 0; i < conv.Inputs; i++)
            Assert.That(conv.SynapticEvents([i]), Is.EqualTo((long)DeliveredSum(conv, [i])), $"input {i}");
        Assert.That(conv.SynapseCount, Is.EqualTo((long)DeliveredAll(conv)));
        int[] several = [0, 5, 17, 40, conv.Inputs - 1];
        Assert.That(conv.SynapticEvents(several), Is.EqualTo(several.Sum(i => conv.SynapticEvents([i]))));
    }

    [Test]
    public void Dense_events_are_spikes_times_outputs()
    {
        var dense = new DenseSynapses(12, 5);
        Assert.That(dense.SynapticEvents([0, 3, 11]), Is.EqualTo(15));
        Assert.That(dense.SynapseCount, Is.EqualTo(60));
        Assert.That(dense.SynapticEvents([3]), Is.EqualTo((long)DeliveredSum(dense, [3])));
    }

    [Test]
    public void Max_pooled_events_count_each_window_with_a_spike_once()
    {
        // 4x4x1 pooled by 2 into a 2x2x1 image, then dense to 3 neurons.
        var pooled = new PooledSynapses(new DenseSynapses(4, 3), 4, 4, 1, PoolKind.Max, 2);
        int[] sameWindow = [0, 1, 4, 5]; // all four inputs of the top-left window
        Assert.That(pooled.SynapticEvents(sameWindow), Is.EqualTo(3));
        Assert.That(pooled.SynapticEvents(sameWindow), Is.EqualTo((long)DeliveredSum(pooled, sameWindow)));
        int[] twoWindows = [0, 2, 3];
        Assert.That(pooled.SynapticEvents(twoWindows), Is.EqualTo(6));
        Assert.That(pooled.SynapticEvents(twoWindows), Is.EqualTo((long)DeliveredSum(pooled, twoWindows)));
        Assert.That(pooled.SynapseCount, Is.EqualTo(12));
        var average = new PooledSynapses(new DenseSynapses(4, 3), 4, 4, 1, PoolKind.Average, 2);
        Assert.That(average.SynapticEvents(sameWindow), Is.EqualTo(3), "average pooling: one non-zero pooled input");
    }

    [Test]
    public void Network_cost_counts_input_macs_once_and_every_hidden_spike_per_step()
    {
        var network = SpikingNetwork.Create([6, 5, 3], new SpikeLfp.Neurons.LifParameters(), seed: 3);
        foreach (var layer in network.Layers) Array.Fill(layer.Connection.Weights, 0.4f);
        float[] features = [1f, 0f, 2f, 0.5f, 0f, 1f, /* second sample */ 0f, 0f, 0f, 3f, 0f, 0f];
        var simulator = new Simulator(network, 8, new ConstantCurrentEncoder());
        var trace = simulator.Forward(features, [10L, 11L]);
        var cost = SynapticCost.None(network).Add(network, trace);

        long hiddenSpikes = TraceStatistics.SpikeTotal(trace, 0);
        Assert.That(hiddenSpikes, Is.GreaterThan(0), "the test needs hidden spikes");
        Assert.That(cost.Samples, Is.EqualTo(2));
        Assert.That(cost.InputMultiplyAccumulates, Is.EqualTo((4 + 1) * 5), "non-zero inputs x 5 hidden neurons, once per sample");
        Assert.That(cost.SpikeAccumulates, Is.EqualTo(hiddenSpikes * 3), "each hidden spike reaches the 3 outputs");
        Assert.That(cost.DenseMultiplyAccumulates, Is.EqualTo(6 * 5 + 5 * 3));
        Assert.That(cost.OperationsPerSample, Is.EqualTo((hiddenSpikes * 3 + 25) / 2.0));
        Assert.That(cost.EstimatedPicojoulesPerSample, Is.EqualTo(0.9 * hiddenSpikes * 3 / 2.0 + 4.6 * 25 / 2.0).Within(1e-9));
    }
}
