using SpikeLfp.Learning.Lfp.Synapses;
using SpikeLfp.Network.Synapses;

namespace SpikeLfp.Tests.Conv;

/// <summary>
/// Pooling in front of synapses, on hand-made examples: a 4x4 one-channel image pooled 2x2 into a dense
/// neuron with weights 1, 2, 3, 4 (one per pooled value). Windows: 0 = pixels {0, 1, 4, 5}, 1 = {2, 3, 6, 7},
/// 2 = {8, 9, 12, 13}, 3 = {10, 11, 14, 15}.
/// </summary>
public class PoolingTests
{
    // Fired in a deliberately unsorted order: 5 before 0 and 1 (window 0), 15 before 10 (window 3).
    private static readonly int[] Fired = [5, 15, 0, 1, 10];

    private static PooledSynapses Pooled(PoolKind kind)
    {
        var dense = new DenseSynapses(4, 1);
        float[] w = [1, 2, 3, 4];
        w.CopyTo(dense.Weights, 0);
        return new PooledSynapses(dense, 4, 4, 1, kind, 2);
    }

    [Test]
    public void Max_pooling_of_spikes_delivers_each_window_that_fired_once()
    {
        var pooled = Pooled(PoolKind.Max);
        var current = new float[1];
        pooled.ResetCurrent(current);
        pooled.DeliverSpikes(Fired, current);
        Assert.That(current[0], Is.EqualTo(1f + 4f), "windows 0 and 3 fired; three spikes in window 0 still count once");
    }

    [Test]
    public void Max_pooling_routes_the_reward_to_the_first_input_of_the_window_that_fired()
    {
        var pooled = Pooled(PoolKind.Max);
        var reward = new float[16];
        SynapseLfp.For(pooled).RewardFiredInputs(Fired, [2f], reward);
        var expected = new float[16];
        expected[0] = 1f * 2f;  // window 0: pixels 0, 1 and 5 fired; 0 comes first in the row-major scan
        expected[10] = 4f * 2f; // window 3: 10 before 15
        Assert.That(reward, Is.EqualTo(expected).AsCollection);

        var feedback = new float[4];
        SynapseLfp.For(pooled).AccumulateSpikeFeedback(0, 1, Fired, [2f], feedback);
        Assert.That(feedback, Is.EqualTo(new[] { 2f, 0f, 0f, 2f }).AsCollection, "feedback of the pooled 0/1 inputs");
    }

    [Test]
    public void Average_pooling_of_spikes_shares_the_pooled_reward_among_the_inputs_that_fired()
    {
        var pooled = Pooled(PoolKind.Average);
        var current = new float[1];
        pooled.DeliverSpikes(Fired, current);
        Assert.That(current[0], Is.EqualTo(0.75f * 1f + 0.5f * 4f), "window 0 has 3 of 4 inputs firing, window 3 has 2");

        var reward = new float[16];
        SynapseLfp.For(pooled).RewardFiredInputs(Fired, [2f], reward);
        // Epsilon rule through the mean: x_i / 4 * R / z. Window 0: R = 0.75 * 1 * 2 = 1.5, z = 0.75, so each of
        // its three fired inputs gets 0.5. Window 3: R = 0.5 * 4 * 2 = 4, z = 0.5, so each of its two gets 2.
        var expected = new float[16];
        foreach (int i in new[] { 0, 1, 5 }) expected[i] = 0.5f;
        foreach (int i in new[] { 10, 15 }) expected[i] = 2f;
        Assert.That(reward, Is.EqualTo(expected).AsCollection.Within(1e-5f), "inputs that did not fire get nothing; the pooled reward is conserved");

        var feedback = new float[4];
        SynapseLfp.For(pooled).AccumulateSpikeFeedback(0, 1, Fired, [2f], feedback);
        Assert.That(feedback, Is.EqualTo(new[] { 1.5f, 0f, 0f, 1f }).AsCollection);
    }

    [Test]
    public void Analog_max_pooling_takes_the_first_maximum_and_routes_reward_there()
    {
        var pooled = Pooled(PoolKind.Max);
        var x = new float[16];
        x[0] = 0.5f; x[1] = 0.5f; x[5] = 0.25f; // tie in window 0: pixel 0 wins
        x[11] = -1f; x[14] = 0.75f;             // window 3: 0.75 at pixel 14
        var current = new float[1];
        pooled.DeliverAnalog(x, current);
        Assert.That(current[0], Is.EqualTo(0.5f * 1f + 0.75f * 4f));
        var reward = new float[16];
        SynapseLfp.For(pooled).RewardAnalogInputs(x, [1f], reward);
        var expected = new float[16];
        expected[0] = 0.5f * 1f;
        expected[14] = 0.75f * 4f;
        Assert.That(reward, Is.EqualTo(expected).AsCollection);
    }

    [Test]
    public void Pooling_keeps_channels_apart_in_channel_last_layout()
    {
        // 2x2x2 image pooled to 1x1x2: input index (y * 2 + x) * 2 + c.
        var dense = new DenseSynapses(2, 1);
        dense.Weights[0] = 10f;
        dense.Weights[1] = 20f;
        var pooled = new PooledSynapses(dense, 2, 2, 2, PoolKind.Max, 2);
        int[] fired = [7, 1, 6]; // (1,1,c1), (0,0,c1), (1,1,c0)
        var current = new float[1];
        pooled.DeliverSpikes(fired, current);
        Assert.That(current[0], Is.EqualTo(30f));
        var reward = new float[8];
        SynapseLfp.For(pooled).RewardFiredInputs(fired, [1f], reward);
        Assert.That(reward, Is.EqualTo(new[] { 0f, 20f, 0f, 0f, 0f, 0f, 10f, 0f }).AsCollection, "channel 1's reward to pixel (0,0), channel 0's to (1,1)");
    }

    [Test]
    public void Inputs_in_a_border_that_fills_no_window_are_dropped()
    {
        var dense = new DenseSynapses(1, 1);
        dense.Weights[0] = 1f;
        var pooled = new PooledSynapses(dense, 3, 3, 1, PoolKind.Max, 2); // 3x3 -> 1x1, row 2 and column 2 dropped
        var current = new float[1];
        pooled.DeliverSpikes([2, 6, 8], current);
        Assert.That(current[0], Is.EqualTo(0f));
        pooled.DeliverSpikes([4], current);
        Assert.That(current[0], Is.EqualTo(1f));
    }

    [Test]
    public void Pooling_spikes_lists_the_windows_and_their_first_inputs_whatever_the_order_of_the_spikes()
    {
        // 24x24x12 pooled 2x2, as the LifCNN's first pooling; ascending lists take another path than unsorted ones.
        var pooled = new PooledSynapses(new DenseSynapses(12 * 12 * 12, 1), 24, 24, 12, PoolKind.Max, 2);
        var random = new Random(5);
        foreach (double density in new[] { 0.01, 0.12, 0.5 })
        {
            var fired = Enumerable.Range(0, pooled.Inputs).Where(_ => random.NextDouble() < density).ToArray();
            var windows = new SortedDictionary<int, int>();
            foreach (int i in fired)
            {
                int p = pooled.PooledIndex(i);
                windows[p] = windows.TryGetValue(p, out int first) ? Math.Min(first, i) : i;
            }
            var shuffled = fired.OrderBy(_ => random.Next()).ToArray();
            foreach (var (order, list) in new[] { ("ascending", fired), ("shuffled", shuffled) })
            {
                var s = pooled.Buffers();
                int count = pooled.PoolSpikes(list, s);
                Assert.That(s.Pooled.Take(count), Is.EqualTo(windows.Keys), $"{order} at {density}");
                Assert.That(s.Pooled.Take(count).Select(p => s.Winner[p]), Is.EqualTo(windows.Values), $"{order} at {density}");
                pooled.RestoreListed(s, count);
                Assert.That(s.Winner.Take(pooled.PooledInputs), Is.All.EqualTo(-1), $"{order} at {density}: restored");
                Assert.That(pooled.ListPooledSpikes(list, s), Is.EqualTo(count), $"{order} at {density}: listing only");
                Assert.That(s.Pooled.Take(count), Is.EqualTo(windows.Keys), $"{order} at {density}: listing only");
            }
        }
    }

    [Test]
    public void Delivery_from_rest_equals_a_reset_and_a_delivery([Values] PoolKind kind, [Values(1, 2)] int stride)
    {
        // The LifCNN's second convolution behind its pooling (stride 1 takes the window kernels, stride 2 walks the taps),
        // and a dense readout behind a pooling.
        var random = new Random(6);
        var conv = new Conv2dSynapses(12, 12, 12, 64, 5, stride);
        conv.InitializeUniform(random);
        var dense = new DenseSynapses(4 * 4 * 64, 10);
        dense.InitializeUniform(random);
        foreach (var pooled in new[] { new PooledSynapses(conv, 24, 24, 12, kind, 2), new PooledSynapses(dense, 8, 8, 64, kind, 2) })
        {
            var fired = Enumerable.Range(0, pooled.Inputs).Where(_ => random.NextDouble() < 0.12).ToArray();
            var expected = new float[pooled.Outputs];
            pooled.ResetCurrent(expected);
            pooled.DeliverSpikes(fired, expected);
            var actual = Enumerable.Repeat(float.NaN, pooled.Outputs).ToArray();
            ((ISynapses)pooled).DeliverSpikesFromRest(fired, actual);
            Assert.That(actual, Is.EqualTo(expected), pooled.Kind);
        }
    }
}
