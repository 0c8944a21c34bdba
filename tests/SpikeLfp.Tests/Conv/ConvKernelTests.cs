using SpikeLfp.Network.Synapses;

namespace SpikeLfp.Tests.Conv;

/// <summary>
/// The convolution walks an input's synapses as runs of taps along kernel rows; these must be exactly the synapses
/// <see cref="Conv2dSynapses.Connections"/> lists, in its order, for every input, stride and padding.
/// </summary>
public class ConvKernelTests
{
    [TestCase(6, 5, 2, 3, 1, 0)]
    [TestCase(6, 5, 2, 3, 1, 1)]
    [TestCase(7, 7, 1, 5, 1, 2)]
    [TestCase(7, 6, 3, 3, 2, 1)]
    [TestCase(5, 5, 1, 5, 1, 0)]
    public void Runs_list_the_same_taps_as_connections_in_the_same_order(int height, int width, int channels, int kernel, int stride, int padding)
    {
        var conv = new Conv2dSynapses(height, width, channels, 4, kernel, stride, padding);
        int taps = kernel * kernel;
        var weightRows = new int[taps];
        var positions = new int[taps];
        var runs = new TapRun[taps];
        for (int input = 0; input < conv.Inputs; input++)
        {
            int count = conv.Connections(input, weightRows, positions);
            int runCount = conv.Runs(input, runs);
            var expanded = runs.Take(runCount).SelectMany(r => Enumerable.Range(0, r.Count).Select(k => (r.WeightRow + k, r.Position - k))).ToArray();
            Assert.That(expanded, Is.EqualTo(weightRows.Take(count).Zip(positions.Take(count)).ToArray()), $"input {input}");
        }
    }

    [Test]
    public void Block_kernels_equal_the_vector_kernels_block_by_block()
    {
        var random = new Random(3);
        foreach (int width in new[] { 1, 4, 12, 16, 24, 64, 67 })
        {
            var source = Enumerable.Range(0, 6 * width).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
            var target = Enumerable.Range(0, 6 * width).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
            foreach (float a in new[] { 1f, 0.37f })
            {
                // Five blocks: the source forwards from block 1, the target backwards from block 5.
                var expected = (float[])target.Clone();
                for (int k = 0; k < 5; k++)
                {
                    var block = expected.AsSpan((5 - k) * width, width);
                    if (a == 1f) VectorMath.Add(source.AsSpan((1 + k) * width, width), block);
                    else VectorMath.AddScaled(a, source.AsSpan((1 + k) * width, width), block);
                }
                var actual = (float[])target.Clone();
                SynapseKernels.AddScaledBlocks(a, source, width, width, actual, 5 * width, -width, 5, width);
                Assert.That(actual, Is.EqualTo(expected), $"add, width {width}, a {a}");
            }
            float sum = 0.25f;
            for (int k = 0; k < 5; k++) sum += VectorMath.Dot(source.AsSpan((1 + k) * width, width), target.AsSpan((5 - k) * width, width));
            Assert.That(SynapseKernels.DotBlocks(0.25f, source, width, width, target, 5 * width, -width, 5, width), Is.EqualTo(sum), $"dot, width {width}");
        }
    }

    [TestCase(6, 5, 2, 3, 0)]
    [TestCase(6, 5, 2, 3, 1)]
    [TestCase(7, 7, 1, 5, 2)]
    [TestCase(12, 12, 3, 5, 0)]
    public void A_tap_block_is_the_runs_of_a_stride_one_input(int height, int width, int channels, int kernel, int padding)
    {
        var conv = new Conv2dSynapses(height, width, channels, 4, kernel, 1, padding);
        var runs = new TapRun[kernel * kernel];
        for (int input = 0; input < conv.Inputs; input++)
        {
            int count = conv.Runs(input, runs);
            var (first, rows) = conv.TapBlock(input);
            var expanded = Enumerable.Range(0, rows).Select(r => new TapRun(first.WeightRow + r * kernel, first.Position - r * conv.OutWidth, first.Count));
            Assert.That(expanded, Is.EqualTo(runs.Take(count)), $"input {input}");
        }
        Assert.Throws<InvalidOperationException>(() => new Conv2dSynapses(6, 6, 1, 4, 3, 2).TapBlock(0));
    }

    [Test]
    public void Grid_kernels_equal_the_block_kernels_row_by_row()
    {
        var random = new Random(5);
        foreach (int width in new[] { 1, 12, 16, 24, 64, 67 })
        {
            // Three rows of four blocks: the source forwards (rows 5 blocks apart), the target backwards (rows 6 apart).
            int length = 20 * width;
            var source = Enumerable.Range(0, length).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
            var target = Enumerable.Range(0, length).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
            int sourceOffset = width, targetOffset = 17 * width;
            foreach (float a in new[] { 1f, 0.37f })
            {
                var expected = (float[])target.Clone();
                for (int r = 0; r < 3; r++)
                    SynapseKernels.AddScaledBlocks(a, source, sourceOffset + r * 5 * width, width, expected, targetOffset - r * 6 * width, -width, 4, width);
                var actual = (float[])target.Clone();
                SynapseKernels.AddScaledBlockGrid(a, source, sourceOffset, 5 * width, width, actual, targetOffset, -6 * width, -width, 3, 4, width);
                Assert.That(actual, Is.EqualTo(expected), $"add, width {width}, a {a}");
            }
            foreach (int blocks in new[] { 1, 3, 4, 5 })
            {
                float sum = 0.25f;
                for (int r = 0; r < 3; r++)
                    sum = SynapseKernels.DotBlocks(sum, source, sourceOffset + r * 5 * width, width, target, targetOffset - r * 6 * width, -width, blocks, width);
                float grid = SynapseKernels.DotBlockGrid(0.25f, source, sourceOffset, 5 * width, width, target, targetOffset, -6 * width, -width, 3, blocks, width);
                Assert.That(grid, Is.EqualTo(sum), $"dot, width {width}, {blocks} blocks a row");
            }
        }
    }

    [Test]
    public void The_lane_wise_grid_dot_equals_the_block_dots_up_to_rounding()
    {
        var random = new Random(7);
        foreach (int width in new[] { 12, 16, 48, 64, 67, 128 })
        {
            var x = Enumerable.Range(0, 20 * width).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
            var y = Enumerable.Range(0, 20 * width).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
            float blocks = SynapseKernels.DotBlockGrid(0f, x, width, 5 * width, width, y, 17 * width, -6 * width, -width, 3, 4, width);
            float lanes = SynapseKernels.DotGridByLanes(x, width, 5 * width, width, y, 17 * width, -6 * width, -width, 3, 4, width);
            double scale = Enumerable.Range(0, 20 * width).Sum(i => Math.Abs((double)x[i] * y[i]));
            Assert.That(lanes, Is.EqualTo(blocks).Within(1e-6 * scale), $"width {width}");
            Assert.That(SynapseKernels.DotGridByLanes(x, width, 5 * width, width, y, 17 * width, -6 * width, -width, 3, 4, width), Is.EqualTo(lanes), "the same order every time");
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => SynapseKernels.DotGridByLanes(new float[64], 0, 16, 16, new float[64], 0, 16, 16, 2, 4, 16));
    }

    [Test]
    public void Tiling_and_summing_blocks_equal_a_copy_and_an_add_per_block()
    {
        var random = new Random(11);
        foreach (int width in new[] { 1, 12, 16, 48, 64, 67, 80, 128 })
        {
            var block = Enumerable.Range(0, width).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
            var source = Enumerable.Range(0, 7 * width).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
            var tiled = new float[7 * width];
            SynapseKernels.TileBlock(block, tiled);
            Assert.That(tiled, Is.EqualTo(Enumerable.Repeat(block, 7).SelectMany(b => b).ToArray()), $"tile, width {width}");
            var expected = (float[])block.Clone();
            for (int k = 0; k < 7; k++) VectorMath.Add(source.AsSpan(k * width, width), expected);
            var actual = (float[])block.Clone();
            SynapseKernels.AddBlocks(source, actual);
            Assert.That(actual, Is.EqualTo(expected), $"sum, width {width}");
        }
        Assert.Throws<ArgumentException>(() => SynapseKernels.TileBlock(new float[4], new float[10]));
        Assert.Throws<ArgumentException>(() => SynapseKernels.AddBlocks(new float[10], new float[4]));
    }

    [Test]
    public void Block_kernels_refuse_blocks_outside_their_spans()
    {
        var values = new float[16];
        Assert.Throws<ArgumentOutOfRangeException>(() => SynapseKernels.AddScaledBlocks(1f, values, 0, 4, values, 4, -4, 3, 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => SynapseKernels.DotBlocks(0f, values, 8, 4, values, 0, 4, 3, 4));
        // A grid whose last row (rows 2 x 8 apart) or last block ends past the span.
        Assert.Throws<ArgumentOutOfRangeException>(() => SynapseKernels.AddScaledBlockGrid(1f, values, 0, 8, 4, values, 0, 4, 0, 3, 1, 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => SynapseKernels.DotBlockGrid(0f, values, 12, -4, 4, values, 0, 4, 4, 2, 2, 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => SynapseKernels.AddScaledBlockGrid(1f, values, 4, -8, 4, values, 0, 4, 4, 2, 2, 4));
    }
}
