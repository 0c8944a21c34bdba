using System.Runtime.Intrinsics;
using SpikeLfp.Learning.Lfp.Synapses;
using SpikeLfp.Network.Synapses;

namespace SpikeLfp.Tests.Conv;

/// <summary>
/// The spike-window and kernel-row kernels (<see cref="ConvKernels"/>) sum, for each current and each weight's feedback, the same
/// terms in the same ascending input order as the synapse-by-synapse definition (<see cref="Conv2dSynapses.Connections"/>
/// walked over an ascending list of fired inputs), so they must equal it exactly, padding and partitions included.
/// </summary>
public class ConvWindowKernelTests
{
    // height, width, input channels, output channels, kernel, padding; every shape takes the window kernels.
    private static readonly object[] Shapes =
    [
        new object[] { 12, 12, 12, 64, 5, 0 }, // LifCNN's second convolution
        new object[] { 7, 9, 3, 16, 3, 1 },
        new object[] { 6, 5, 2, 80, 3, 2 },
        new object[] { 70, 3, 1, 32, 3, 1 },   // a position bitmap of several words
        new object[] { 5, 40, 1, 16, 2, 0 },   // window rows of two pixels
        new object[] { 4, 5, 3, 16, 2, 3 },    // padding past the kernel: border positions see only padding
    ];

    // height, width, input channels, output channels, kernel, padding; every shape takes the kernel-row feedback.
    private static readonly object[] FeedbackShapes =
    [
        new object[] { 12, 12, 12, 64, 5, 0 }, // LifCNN's second convolution
        new object[] { 7, 9, 3, 64, 3, 1 },
        new object[] { 6, 5, 2, 128, 3, 2 },
        new object[] { 9, 8, 2, 64, 5, 2 },
        new object[] { 5, 6, 3, 64, 1, 0 },
        new object[] { 70, 3, 1, 64, 2, 1 },
    ];

    private static Conv2dSynapses RandomConv(int height, int width, int inChannels, int outChannels, int kernel, int padding, Random random)
    {
        var conv = new Conv2dSynapses(height, width, inChannels, outChannels, kernel, 1, padding);
        conv.InitializeUniform(random);
        return conv;
    }

    private static int[] RandomFired(int inputs, double rate, Random random)
        => Enumerable.Range(0, inputs).Where(_ => random.NextDouble() < rate).ToArray();

    [TestCaseSource(nameof(Shapes))]
    public void Window_delivery_equals_the_synapse_by_synapse_sum(int height, int width, int inChannels, int outChannels, int kernel, int padding)
    {
        if (!Vector512.IsHardwareAccelerated) Assert.Ignore("the window kernels need 512-bit vectors");
        var random = new Random(height * 31 + inChannels);
        var conv = RandomConv(height, width, inChannels, outChannels, kernel, padding, random);
        Assert.That(conv.UsesSpikeWindows, Is.True);
        var weightRows = new int[kernel * kernel];
        var positions = new int[kernel * kernel];
        int n = outChannels;
        foreach (double rate in new[] { 0.0, 0.05, 0.3, 1.0 })
        {
            var fired = RandomFired(conv.Inputs, rate, random);
            var expected = new float[conv.Outputs];
            conv.ResetCurrent(expected);
            foreach (int i in fired)
            {
                int count = conv.Connections(i, weightRows, positions);
                for (int s = 0; s < count; s++) VectorMath.Add(conv.Weights.AsSpan(weightRows[s] * n, n), expected.AsSpan(positions[s] * n, n));
            }
            var actual = new float[conv.Outputs];
            conv.ResetCurrent(actual);
            conv.DeliverSpikes(fired, actual);
            Assert.That(actual, Is.EqualTo(expected), $"rate {rate}");
            // From rest: the sums start from the bias, whatever current held.
            var fromRest = Enumerable.Repeat(float.NaN, conv.Outputs).ToArray();
            ((ISynapses)conv).DeliverSpikesFromRest(fired, fromRest);
            Assert.That(fromRest, Is.EqualTo(expected), $"rate {rate}, from rest");
            // The scratch bitmap is left clear: a second delivery of nothing changes nothing.
            conv.DeliverSpikes([], actual);
            Assert.That(actual, Is.EqualTo(expected), $"rate {rate}, after an empty delivery");
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => conv.DeliverSpikes([1, conv.Inputs], new float[conv.Outputs]));
        var none = new float[conv.Outputs];
        conv.DeliverSpikes([], none);
        Assert.That(none, Is.All.EqualTo(0f), "a refused list leaves no marks behind");
    }

    [TestCaseSource(nameof(FeedbackShapes))]
    public void Kernel_row_feedback_equals_the_synapse_by_synapse_sum_in_every_partition(int height, int width, int inChannels, int outChannels, int kernel, int padding)
    {
        if (!Vector512.IsHardwareAccelerated) Assert.Ignore("the window kernels need 512-bit vectors");
        var random = new Random(height * 17 + outChannels);
        var conv = RandomConv(height, width, inChannels, outChannels, kernel, padding, random);
        Assert.That(ConvKernels.SupportsKernelRowBlocks(conv.Geometry), Is.True);
        var rule = SynapseLfp.For(conv);
        var weightRows = new int[kernel * kernel];
        var positions = new int[kernel * kernel];
        int n = outChannels;
        // Three (sample, step) rows of fired inputs and rewards, accumulated in order.
        var fired = Enumerable.Range(0, 3).Select(r => RandomFired(conv.Inputs, 0.1 + 0.3 * r, random)).ToArray();
        var rho = Enumerable.Range(0, 3).Select(_ => Enumerable.Range(0, conv.Outputs).Select(_ => (float)random.NextDouble() - 0.5f).ToArray()).ToArray();
        var expected = new float[conv.Weights.Length];
        for (int r = 0; r < 3; r++)
            foreach (int i in fired[r])
            {
                int count = conv.Connections(i, weightRows, positions);
                for (int s = 0; s < count; s++) VectorMath.Add(rho[r].AsSpan(positions[s] * n, n), expected.AsSpan(weightRows[s] * n, n));
            }
        foreach (int parts in new[] { 1, 2, 3, 7, 40 })
        {
            var actual = new float[conv.Weights.Length];
            for (int r = 0; r < 3; r++)
                for (int part = 0; part < parts; part++)
                    rule.AccumulateSpikeFeedback(part, parts, fired[r], rho[r], actual);
            Assert.That(actual, Is.EqualTo(expected), $"{parts} partitions");
        }
    }

    // height, width, input channels, output channels, kernel, padding; shapes the reward scatter does not take (window rows
    // over 64 inputs, or kernels over 5), so the hand-down goes by pixel groups.
    private static readonly object[] PixelGroupShapes =
    [
        new object[] { 10, 10, 13, 64, 5, 0 },
        new object[] { 9, 8, 2, 128, 6, 2 },
    ];

    [TestCaseSource(nameof(PixelGroupShapes))]
    public void Pixel_grouped_reward_equals_each_inputs_backprojection(int height, int width, int inChannels, int outChannels, int kernel, int padding)
    {
        if (!Vector512.IsHardwareAccelerated) Assert.Ignore("the grouped reward needs 512-bit vectors");
        var random = new Random(height * 13 + kernel);
        var conv = RandomConv(height, width, inChannels, outChannels, kernel, padding, random);
        Assert.That(ConvKernels.SupportsRewardScatter(conv.Geometry), Is.False);
        var rule = SynapseLfp.For(conv);
        var rho = Enumerable.Range(0, conv.Outputs).Select(j => j % 7 == 0 ? 0f : (float)random.NextDouble() - 0.5f).ToArray();
        foreach (double rate in new[] { 0.0, 0.1, 0.3, 1.0 })
        {
            var fired = RandomFired(conv.Inputs, rate, random);
            // In any order: groups are runs of one pixel's entries, whichever channels and order they come in.
            foreach (var list in new[] { fired, fired.OrderBy(_ => random.Next()).ToArray() })
            {
                var actual = Enumerable.Range(0, conv.Inputs).Select(i => (float)i).ToArray();
                var expected = (float[])actual.Clone();
                foreach (int i in list) expected[i] += conv.Backprojection(i, rho);
                rule.RewardFiredInputs(list, rho, actual);
                Assert.That(actual, Is.EqualTo(expected), $"rate {rate}");
            }
        }
    }

    [TestCaseSource(nameof(Shapes))]
    [TestCaseSource(nameof(FeedbackShapes))]
    public void Scattered_reward_equals_the_synapse_by_synapse_sum(int height, int width, int inChannels, int outChannels, int kernel, int padding)
    {
        if (!Vector512.IsHardwareAccelerated) Assert.Ignore("the reward scatter needs 512-bit vectors");
        var random = new Random(height * 29 + outChannels);
        var conv = RandomConv(height, width, inChannels, outChannels, kernel, padding, random);
        Assert.That(ConvKernels.SupportsRewardScatter(conv.Geometry), Is.True);
        var rule = SynapseLfp.For(conv);
        var weightRows = new int[kernel * kernel];
        var positions = new int[kernel * kernel];
        int n = outChannels;
        // Sparse rewards as LFP's are (most neurons get none), and a dense row.
        foreach (double rewarded in new[] { 0.0, 0.2, 1.0 })
        {
            var rho = Enumerable.Range(0, conv.Outputs).Select(_ => random.NextDouble() < rewarded ? (float)random.NextDouble() - 0.5f : 0f).ToArray();
            foreach (double rate in new[] { 0.0, 0.1, 1.0 })
            {
                var fired = RandomFired(conv.Inputs, rate, random).OrderBy(_ => random.Next()).ToArray();
                var actual = Enumerable.Range(0, conv.Inputs).Select(i => (float)(i % 5)).ToArray();
                var start = (float[])actual.Clone();
                rule.RewardFiredInputs(fired, rho, actual);
                var isFired = new bool[conv.Inputs];
                foreach (int i in fired) isFired[i] = true;
                for (int i = 0; i < conv.Inputs; i++)
                {
                    double sum = start[i];
                    if (isFired[i])
                    {
                        int count = conv.Connections(i, weightRows, positions);
                        for (int s = 0; s < count; s++)
                            for (int oc = 0; oc < n; oc++) sum += (double)conv.Weights[weightRows[s] * n + oc] * rho[positions[s] * n + oc];
                    }
                    Assert.That(actual[i], Is.EqualTo(sum).Within(2e-5), $"input {i}, rewarded {rewarded}, rate {rate}");
                    if (!isFired[i]) Assert.That(actual[i], Is.EqualTo(start[i]), "an input that did not fire receives nothing");
                }
            }
        }
    }

    [TestCase(float.PositiveInfinity)]
    [TestCase(float.NaN)]
    public void A_non_finite_reward_reaches_only_its_receptive_field(float reward)
    {
        // Kernel 5 over 12 channels: a window row is 60 inputs, the scatter's rows 64 lanes, so the next pixel's first 4
        // inputs share the vectors of the window (with zero weights, which times infinity or NaN give NaN).
        var random = new Random(7);
        var conv = RandomConv(12, 12, 12, 64, 5, 0, random);
        if (!ConvKernels.SupportsRewardScatter(conv.Geometry)) Assert.Ignore("the reward scatter needs 512-bit vectors");
        var rho = new float[conv.Outputs];
        rho[3] = reward;                      // position (0, 0), output channel 3
        var fired = Enumerable.Range(0, conv.Inputs).ToArray();
        var actual = new float[conv.Inputs];
        SynapseLfp.For(conv).RewardFiredInputs(fired, rho, actual);
        for (int i = 0; i < conv.Inputs; i++)
        {
            int pixel = i / 12, y = pixel / 12, x = pixel % 12;
            if (y < 5 && x < 5) Assert.That(float.IsFinite(actual[i]), Is.False, $"input {i} is in the field of position (0, 0)");
            else Assert.That(actual[i], Is.EqualTo(0f), $"input {i} (pixel {y}, {x}) is outside it");
        }
    }

    [Test]
    public void Scattered_reward_follows_weights_changed_in_place()
    {
        var random = new Random(5);
        var conv = RandomConv(12, 12, 12, 64, 5, 0, random);
        var rule = SynapseLfp.For(conv);
        var rho = Enumerable.Range(0, conv.Outputs).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
        int[] fired = [0, 13, 500, 1727];
        var before = new float[conv.Inputs];
        rule.RewardFiredInputs(fired, rho, before);
        for (int i = 0; i < conv.Weights.Length; i++) conv.Weights[i] *= 2f;
        var after = new float[conv.Inputs];
        rule.RewardFiredInputs(fired, rho, after);
        // Doubling every weight doubles every product exactly, so every sum doubles exactly.
        foreach (int i in fired) Assert.That(after[i], Is.EqualTo(2f * before[i]), $"input {i}");
    }

    [Test]
    public void Scattered_reward_in_a_batch_uses_the_weights_of_its_start()
    {
        var random = new Random(6);
        var conv = RandomConv(12, 12, 12, 64, 5, 0, random);
        var rule = SynapseLfp.For(conv);
        var rho = Enumerable.Range(0, conv.Outputs).Select(_ => random.NextDouble() < 0.2 ? (float)random.NextDouble() - 0.5f : 0f).ToArray();
        int[] fired = [1, 14, 600, 1700];
        var outside = new float[conv.Inputs];
        rule.RewardFiredInputs(fired, rho, outside);
        foreach (int round in new[] { 1, 2 })
        {
            var inside = new float[conv.Inputs];
            rule.BeginBatch();
            rule.RewardFiredInputs(fired, rho, inside);
            rule.EndBatch();
            Assert.That(inside, Is.EqualTo(outside), $"round {round}: a batch's tables give the same sums as the per-call ones");
            // Between batches the weights change in place: the next batch starts from them.
            for (int i = 0; i < conv.Weights.Length; i++) conv.Weights[i] *= 2f;
            for (int i = 0; i < outside.Length; i++) outside[i] *= 2f;
        }
    }

    [Test]
    public void Shapes_the_window_kernels_cannot_take_walk_the_taps()
    {
        Assert.That(new Conv2dSynapses(8, 8, 12, 64, 5, 2).UsesSpikeWindows, Is.False, "stride 2");
        Assert.That(new Conv2dSynapses(8, 8, 13, 64, 5).UsesSpikeWindows, Is.False, "window rows of 65 bits");
        Assert.That(new Conv2dSynapses(8, 8, 2, 12, 3).UsesSpikeWindows, Is.False, "12 output channels");
    }

    [Test]
    public void Marking_refuses_indices_outside_the_bitmap()
    {
        var marks = new ulong[3];
        ConvKernels.Mark([130, 5, 64, 63, 0, 191], 192, marks);
        Assert.That(marks, Is.EqualTo(new[] { 1UL | 1UL << 5 | 1UL << 63, 1UL, 1UL << 2 | 1UL << 63 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => ConvKernels.Mark([192], 192, marks));
    }

    [Test]
    public void Marking_sets_the_bits_of_ascending_and_returning_lists_and_keeps_those_set()
    {
        var marks = new ulong[3];
        marks[1] = 1UL << 40;
        ConvKernels.Mark([0, 1, 2, 63, 64, 65, 127, 128, 5, 66, 191], 192, marks);
        Assert.That(marks, Is.EqualTo(new[] { 0b111UL | 1UL << 5 | 1UL << 63, 0b111UL | 1UL << 40 | 1UL << 63, 1UL | 1UL << 63 }));
    }
}
