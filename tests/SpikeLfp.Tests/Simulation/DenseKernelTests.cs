using SpikeLfp.Learning.Lfp.Synapses;
using SpikeLfp.Learning.Optimizers;
using SpikeLfp.Network.Synapses;

namespace SpikeLfp.Tests.Simulation;

/// <summary>
/// The dense layer's fast kernels (register sums over spikes, branch-free spike lists, the sparse feedback product,
/// the parallel optimizer step) must give exactly, bit for bit, what the plain kernels give.
/// </summary>
public class DenseKernelTests
{
    private static float[] Values(Random random, int n, double zeros = 0)
        => Enumerable.Range(0, n).Select(_ => random.NextDouble() < zeros ? 0f : (float)random.NextDouble() * 2f - 1f).ToArray();

    [TestCase(1)]
    [TestCase(7)]
    [TestCase(10)]
    [TestCase(19)]
    [TestCase(32)]
    public void Delivery_to_few_outputs_equals_row_by_row_delivery(int outputs)
    {
        var random = new Random(outputs);
        var weights = Values(random, 200 * outputs);
        var fired = Enumerable.Range(0, 200).Where(_ => random.NextDouble() < 0.2).ToArray();
        var start = Values(random, outputs);
        var rowByRow = (float[])start.Clone();
        var summed = (float[])start.Clone();
        SynapseKernels.DeliverSpikes(fired, weights, outputs, rowByRow);
        SynapseKernels.DeliverSpikesToFewOutputs(fired, weights, outputs, summed);
        Assert.That(summed, Is.EqualTo(rowByRow));
        Assert.Throws<ArgumentOutOfRangeException>(() => SynapseKernels.DeliverSpikesToFewOutputs([200], weights, outputs, summed));
    }

    [TestCase(1, 0.5)]
    [TestCase(8, 0.1)]
    [TestCase(1000, 0.15)]
    [TestCase(1003, 0.9)]
    [TestCase(64, 1.0)]
    public void Branch_free_spike_lists_equal_the_plain_ones(int neurons, double rate)
    {
        var random = new Random(neurons);
        var spikes = Enumerable.Range(0, neurons).Select(_ => random.NextDouble() < rate ? 1f : 0f).ToArray();
        var plain = new int[neurons];
        var branchFree = new int[neurons];
        int count = SynapseKernels.CompactSpikes(spikes, plain);
        Assert.That(SynapseKernels.CompactSpikesBranchFree(spikes, branchFree), Is.EqualTo(count));
        Assert.That(branchFree.Take(count), Is.EqualTo(plain.Take(count)));
        Assert.Throws<ArgumentException>(() => SynapseKernels.CompactSpikesBranchFree(spikes, new int[neurons - 1]));
    }

    [TestCase(128, 784, 1000, 0.17, 2)]
    [TestCase(5, 70, 13, 0.5, 1)]
    [TestCase(9, 64, 8, 0.0, 3)]
    [TestCase(33, 131, 29, 0.8, 3)]
    [TestCase(4, 3, 5, 0.3, 2)]
    public void Sparse_feedback_product_equals_row_adds_over_the_rewarded_pairs(int rows, int inputs, int outputs, double rewarded, int threads)
    {
        var random = new Random(rows + inputs);
        var x = Values(random, rows * inputs, zeros: 0.3);
        var rho = Values(random, rows * outputs, zeros: 1 - rewarded);
        var weights = Values(random, inputs * outputs);
        // The plain way: for each neuron, r x[b, :] added to a zeroed row for each rewarded row b in order, then |W|.
        var expected = new float[inputs * outputs];
        var row = new float[inputs];
        for (int j = 0; j < outputs; j++)
        {
            Array.Clear(row);
            for (int b = 0; b < rows; b++)
                if (rho[b * outputs + j] != 0f) VectorMath.AddScaled(rho[b * outputs + j], x.AsSpan(b * inputs, inputs), row);
            for (int i = 0; i < inputs; i++) expected[i * outputs + j] = row[i] * MathF.Abs(weights[i * outputs + j]);
        }
        var target = Values(random, inputs * outputs);
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = threads };
        DenseFeedbackMath.AccumulateSparseOuterScaled(x, rho, rows, inputs, outputs, weights, target,
            new int[rows * outputs], new float[rows * outputs], new int[outputs], new float[DenseFeedbackMath.BlockScratchLength(rows, outputs, parallel)], parallel);
        Assert.That(target, Is.EqualTo(expected));
    }

    [TestCase(10, 1, 97, false)]
    [TestCase(10, 2, 97, false)]
    [TestCase(3, 2, 97, false)]
    [TestCase(17, 3, 97, false)]
    [TestCase(17, 1, 97, false)]
    [TestCase(32, 1, 97, false)]
    [TestCase(32, 2, 97, false)]
    [TestCase(10, 2, 1000, false)]
    [TestCase(16, 3, 300, false)]
    [TestCase(10, 2, 1000, true)]
    [TestCase(7, 4, 500, true)]
    public void Readout_feedback_in_groups_of_outputs_equals_row_adds_in_sample_and_step_order(int outputs, int threads, int inputs, bool shuffled)
    {
        int batch = 6, steps = 5;
        var random = new Random(outputs + threads);
        var spikes = new SpikeLfp.Network.Encoding.SpikeTrain(batch + 1, steps, inputs);
        for (int b = 0; b < batch; b++)
            for (int t = 0; t < steps; t++)
            {
                var fired = Enumerable.Range(0, inputs).Where(_ => random.NextDouble() < 0.3).ToArray();
                // Lists out of order (only the simulation's are ascending) take the path that needs no order.
                if (shuffled && (b + t) % 3 == 1) random.Shuffle(fired);
                fired.CopyTo(spikes.Slot(b, t));
                spikes.SetCount(b, t, fired.Length);
            }
        var rho = Values(random, batch * steps * outputs, zeros: 0.3);
        var weights = Values(random, inputs * outputs);
        var expected = new float[inputs * outputs];
        for (int r = 0; r < batch * steps; r++)
            foreach (int i in spikes.Fired(r / steps, r % steps)) VectorMath.Add(rho.AsSpan(r * outputs, outputs), expected.AsSpan(i * outputs, outputs));
        VectorMath.MultiplyByMagnitude(weights, expected);
        var target = Values(random, inputs * outputs);
        DenseFeedbackMath.AccumulateSpikeOuterToFewOutputsScaled(spikes, batch, steps, rho, inputs, outputs, weights, target,
            new float[DenseFeedbackMath.FewOutputsScratchLength(inputs, outputs)], new ParallelOptions { MaxDegreeOfParallelism = threads });
        Assert.That(target, Is.EqualTo(expected));
    }

    [Test]
    public void Dense_reward_and_feedback_of_fired_inputs_equal_the_vector_kernels()
    {
        var random = new Random(11);
        foreach (int outputs in new[] { 3, 9, 10, 12, 15, 16, 37 })
        {
            var synapses = new DenseSynapses(120, outputs);
            synapses.InitializeUniform(random);
            var lfp = new DenseLfp(synapses);
            var fired = Enumerable.Range(0, 120).Where(_ => random.NextDouble() < 0.3).ToArray();
            var rho = Values(random, outputs);
            var expected = Values(random, 120);
            var reward = (float[])expected.Clone();
            foreach (int i in fired) expected[i] += VectorMath.Dot(synapses.Weights.AsSpan(i * outputs, outputs), rho);
            lfp.RewardFiredInputs(fired, rho, reward);
            Assert.That(reward, Is.EqualTo(expected), $"reward, {outputs} outputs");

            var expectedFeedback = new float[120 * outputs];
            foreach (int i in fired) VectorMath.Add(rho, expectedFeedback.AsSpan(i * outputs, outputs));
            var feedback = new float[120 * outputs];
            for (int part = 0; part < 3; part++) lfp.AccumulateSpikeFeedback(part, 3, fired, rho, feedback);
            Assert.That(feedback, Is.EqualTo(expectedFeedback), $"feedback, {outputs} outputs");
        }
    }

    [TestCase(0f)]
    [TestCase(0.9f)]
    public void Sgd_on_several_threads_equals_sgd_on_one(float momentum)
    {
        var random = new Random(2);
        var sizes = new[] { 784_000, 1000, 70_001 };
        var parameters = sizes.Select(n => Values(random, n)).ToArray();
        var copy = parameters.Select(p => (float[])p.Clone()).ToArray();
        var one = new Sgd(0.02f, momentum);
        var several = new Sgd(0.02f, momentum) { Parallelism = new ParallelOptions { MaxDegreeOfParallelism = 3 } };
        for (int step = 0; step < 3; step++)
        {
            var gradients = sizes.Select(n => Values(random, n)).ToArray();
            one.Step(parameters, gradients, -0.7f);
            several.Step(copy, gradients, -0.7f);
        }
        for (int k = 0; k < sizes.Length; k++) Assert.That(copy[k], Is.EqualTo(parameters[k]), $"parameter {k}");
    }

    [TestCase(0f, 1)]
    [TestCase(0.9f, 3)]
    public void Sgd_reports_a_weight_that_the_update_made_infinite(float momentum, int threads)
    {
        var random = new Random(4);
        var sizes = new[] { 784_000, 1000 };
        var parameters = sizes.Select(n => Values(random, n)).ToArray();
        var gradients = sizes.Select(n => Values(random, n)).ToArray();
        var sgd = new Sgd(0.02f, momentum) { Parallelism = new ParallelOptions { MaxDegreeOfParallelism = threads } };
        Assert.That(sgd.StepAndCheckFinite(parameters, gradients, -0.7f), Is.True);
        gradients[0][500_001] = -3e38f;
        parameters[0][500_001] = float.MaxValue;
        Assert.That(sgd.StepAndCheckFinite(parameters, gradients, 1f), Is.False);
        Assert.That(float.IsFinite(parameters[0][500_001]), Is.False);
    }

    [Test]
    public void Sum_of_squares_on_several_threads_equals_the_sum_on_one()
    {
        var random = new Random(5);
        foreach (int n in new[] { 10, 70_001, 784_000 })
        {
            var x = Values(random, n);
            Assert.That(VectorMath.SumOfSquares(x, new ParallelOptions { MaxDegreeOfParallelism = 3 }), Is.EqualTo(VectorMath.SumOfSquares(x.AsSpan())), $"{n} values");
        }
    }

    [Test]
    public void Sum_of_squares_adds_each_block_dot_product_in_double_in_block_order()
    {
        var random = new Random(6);
        foreach (int n in new[] { 1, 1024, 3 * 1024 + 5, 4 * 1024, 4 * 1024 + 1, 9 * 1024 - 3, 70_001, 784_000 })
        {
            var x = Values(random, n);
            double expected = 0;
            for (int start = 0; start < n; start += 1024)
            {
                var block = x.AsSpan(start, Math.Min(1024, n - start));
                expected += VectorMath.Dot(block, block);
            }
            Assert.That(VectorMath.SumOfSquares(x.AsSpan()), Is.EqualTo(expected), $"{n} values, one thread");
            Assert.That(VectorMath.SumOfSquares(x, new ParallelOptions { MaxDegreeOfParallelism = 2 }), Is.EqualTo(expected), $"{n} values, two threads");
        }
    }

    [Test]
    public void All_finite_finds_a_nan_or_infinity_anywhere()
    {
        foreach (int n in new[] { 1, 15, 64, 65, 200, 15_000 })
            foreach (float bad in new[] { float.NaN, float.PositiveInfinity, float.NegativeInfinity })
            {
                var x = Values(new Random(n), n);
                Assert.That(VectorMath.AllFinite(x), Is.True, $"{n} finite values");
                foreach (int at in new[] { 0, n / 2, n - 1 })
                {
                    var copy = (float[])x.Clone();
                    copy[at] = bad;
                    Assert.That(VectorMath.AllFinite(copy), Is.False, $"{bad} at {at} of {n}");
                }
            }
    }

    [Test]
    public void Listing_flags_gives_ascending_indices_and_clears_them()
    {
        var random = new Random(4);
        foreach (int n in new[] { 64, 192, 1728 })
            foreach (double density in new[] { 0.0, 0.03, 0.27, 1.0 })
            {
                var flags = new byte[VectorMath.FlagBlocksLength(n)];
                var expected = Enumerable.Range(0, n).Where(_ => random.NextDouble() < density).ToArray();
                foreach (int i in expected) flags[i] = 1;
                var list = new int[flags.Length];
                Assert.That(VectorMath.ListAndClearFlags(flags, list), Is.EqualTo(expected.Length), $"{n} at {density}");
                Assert.That(list.Take(expected.Length), Is.EqualTo(expected), $"{n} at {density}");
                Assert.That(flags, Is.All.EqualTo((byte)0), $"{n} at {density}");
            }
        Assert.Throws<ArgumentException>(() => VectorMath.ListAndClearFlags(new byte[100], new int[128]), "not whole blocks");
        Assert.Throws<ArgumentException>(() => VectorMath.ListAndClearFlags(new byte[128], new int[127]), "list too short");
    }

    [Test]
    public void Ascending_lists_are_told_from_others_at_every_position()
    {
        Assert.That(VectorMath.IsAscending([]), Is.True);
        Assert.That(VectorMath.IsAscending([3]), Is.True);
        foreach (int n in new[] { 2, 16, 17, 40 })
        {
            var x = Enumerable.Range(0, n).Select(i => 2 * i).ToArray();
            Assert.That(VectorMath.IsAscending(x), Is.True, $"{n}");
            x[n / 2] = x[n / 2 - 1];
            Assert.That(VectorMath.IsAscending(x), Is.True, $"{n}, a repeated value");
            for (int at = 1; at < n; at++)
            {
                var y = Enumerable.Range(0, n).Select(i => 2 * i).ToArray();
                y[at] = y[at - 1] - 1;
                Assert.That(VectorMath.IsAscending(y), Is.False, $"{n}, descending at {at}");
            }
        }
    }

    [Test]
    public void Values_outside_a_range_are_found_at_every_position()
    {
        Assert.That(VectorMath.AllWithin([], 0, -1), Is.True, "nothing to check");
        foreach (int n in new[] { 1, 16, 17, 40 })
        {
            var x = Enumerable.Range(0, n).Select(i => 10 + i % 5).ToArray();
            Assert.That(VectorMath.AllWithin(x, 10, 14), Is.True, $"{n}, bounds included");
            for (int at = 0; at < n; at++)
                foreach (int outside in new[] { 9, 15, int.MinValue, int.MaxValue })
                {
                    var y = (int[])x.Clone();
                    y[at] = outside;
                    Assert.That(VectorMath.AllWithin(y, 10, 14), Is.False, $"{n}, {outside} at {at}");
                }
        }
    }
}
