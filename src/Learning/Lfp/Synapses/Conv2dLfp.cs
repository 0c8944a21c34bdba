using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using SpikeLfp.Network.Synapses;

namespace SpikeLfp.Learning.Lfp.Synapses;

/// <summary>
/// LFP through a convolution. Every operation on an input walks that input's synapses
/// (<see cref="Conv2dSynapses.Runs"/>: one OutChannels-long weight row per kernel tap that reaches an output
/// position, in runs along kernel rows), as the event-driven forward does, so the cost follows the inputs that fired.
/// The one exception is the reward handed to fired inputs where the shape allows it (stride 1, kernels up to 5, window
/// rows of at most 64 inputs): it is scattered from the rewards that are not zero (<see cref="ConvKernels.ScatterRewardWindows"/>),
/// whose count is what LFP keeps small, and each fired input takes its share.
/// </summary>
[SkipLocalsInit] // the per-input tap tables on the stack are written before they are read
public sealed class Conv2dLfp(Conv2dSynapses conv) : ISynapseLfp
{
    private readonly Conv2dSynapses _conv = conv;
    // Spike feedback by kernel rows (ConvKernels.AccumulateKernelRowFeedback) where the shape allows it; null: tap by tap.
    private readonly int[]? _channelMajor = conv.Stride == 1 && ConvKernels.SupportsKernelRowBlocks(conv.Geometry)
        ? ConvKernels.ChannelMajorOrder(conv.Geometry) : null;
    private readonly int[]? _kernelRowBits = conv.Stride == 1 && ConvKernels.SupportsKernelRowBlocks(conv.Geometry)
        ? ConvKernels.KernelRowBitOffsets(conv.Geometry) : null;

    [ThreadStatic] private static ulong[]? t_marks;
    [ThreadStatic] private static float[]? t_paddedRho;

    // This thread's scratch: a clear bitmap of the inputs (callers leave it clear) and a padded reward.
    private static (ulong[] Marks, float[] PaddedRho) Scratch(int words, int paddedRho)
    {
        var marks = t_marks;
        if (marks is null || marks.Length < words) t_marks = marks = new ulong[words];
        var padded = t_paddedRho;
        if (padded is null || padded.Length < paddedRho) t_paddedRho = padded = CacheLineArrays.Floats(paddedRho);
        return (marks, padded);
    }

    /// <inheritdoc/>
    public ISynapses Synapses => _conv;

    /// <inheritdoc/>
    public void RewardFiredInputs(ReadOnlySpan<int> fired, ReadOnlySpan<float> rho, Span<float> inputReward)
    {
        if (_paddedIndex is not null)
        {
            RewardByScatter(fired, rho, inputReward);
            return;
        }
        if (_rewardsByPixel)
        {
            RewardByPixel(fired, rho, inputReward);
            return;
        }
        foreach (int i in fired) inputReward[i] += _conv.Backprojection(i, rho);
    }

    // Stride 1, kernels up to 5, window rows of at most 64 inputs: the hand-down scattered from the non-zero rewards
    // (ConvKernels.ScatterRewardWindows). Per input, its index in the padded input image the scatter writes; null: other paths.
    private readonly int[]? _paddedIndex = conv.Stride == 1 && ConvKernels.SupportsRewardScatter(conv.Geometry) ? PaddedIndices(conv.Geometry) : null;

    private static int[] PaddedIndices(in ConvGeometry g)
    {
        var index = new int[g.Inputs];
        for (int i = 0; i < index.Length; i++)
        {
            int c = i % g.InChannels, pixel = i / g.InChannels;
            index[i] = ((pixel / g.InWidth + g.Padding) * (g.InWidth + 2 * g.Padding) + pixel % g.InWidth + g.Padding) * g.InChannels + c;
        }
        return index;
    }

    // The window weights of the current batch (BeginBatch to EndBatch), read by every thread; null outside a batch.
    private float[]? _batchWindowWeights;
    private float[]? _windowWeights;

    /// <inheritdoc/>
    public void BeginBatch()
    {
        if (_paddedIndex is null) return;
        var windows = _windowWeights ??= CacheLineArrays.Floats(ConvKernels.WindowWeightsLength(_conv.Geometry));
        ConvKernels.WindowWeights(_conv.Weights, _conv.Geometry, windows);
        _batchWindowWeights = windows;
    }

    /// <inheritdoc/>
    public void EndBatch() => _batchWindowWeights = null;

    // Per thread (samples run in parallel): the padded input reward and, for calls outside a batch, the weights the
    // thread's window weights were made from.
    private sealed class ScatterScratch(ConvGeometry g, int weights)
    {
        public readonly float[] Source = new float[weights];
        public readonly float[] WindowWeights = CacheLineArrays.Floats(ConvKernels.WindowWeightsLength(g));
        public readonly float[] PaddedReward = CacheLineArrays.Floats(ConvKernels.PaddedInputLength(g));
        public bool Made;
    }

    private readonly ThreadLocal<ScatterScratch?> _scatter = new();

    private void RewardByScatter(ReadOnlySpan<int> fired, ReadOnlySpan<float> rho, Span<float> inputReward)
    {
        if (fired.IsEmpty) return;
        var s = _scatter.Value ??= new ScatterScratch(_conv.Geometry, _conv.Weights.Length);
        s.PaddedReward.AsSpan().Clear();
        ConvKernels.ScatterRewardWindows(rho, _batchWindowWeights ?? CurrentWindowWeights(s), _conv.Geometry, s.PaddedReward);
        var paddedIndex = _paddedIndex!;
        foreach (int i in fired) inputReward[i] += s.PaddedReward[paddedIndex[i]];
    }

    // Outside a batch the weights may have changed in place since the last call, and they have no version to ask: the
    // thread's window weights are remade when they no longer match, bit for bit.
    private float[] CurrentWindowWeights(ScatterScratch s)
    {
        if (!s.Made || !MemoryMarshal.AsBytes(_conv.Weights.AsSpan()).SequenceEqual(MemoryMarshal.AsBytes(s.Source.AsSpan())))
        {
            _conv.Weights.CopyTo(s.Source, 0);
            ConvKernels.WindowWeights(s.Source, _conv.Geometry, s.WindowWeights);
            s.Made = true;
        }
        return s.WindowWeights;
    }

    // Stride 1 and OutChannels in whole 64s: the hand-downs of a pixel's fired inputs in one sweep (ConvKernels.DotTapBlocks),
    // each equal bit for bit to Backprojection's.
    private readonly bool _rewardsByPixel = conv.Stride == 1 && Vector512.IsHardwareAccelerated
        && conv.OutChannels % (4 * Vector512<float>.Count) == 0;

    // Consecutive entries of one pixel (channel-last: input = pixel * InChannels + c) share the tap block's positions; their
    // weight rows lie Kernel x Kernel rows apart per channel.
    private void RewardByPixel(ReadOnlySpan<int> fired, ReadOnlySpan<float> rho, Span<float> inputReward)
    {
        int n = _conv.OutChannels, channels = _conv.InChannels, taps = _conv.Kernel * _conv.Kernel;
        Span<int> weightOffsets = stackalloc int[ConvKernels.MaxTapBlockGroup];
        Span<float> sums = stackalloc float[ConvKernels.MaxTapBlockGroup];
        for (int q = 0; q < fired.Length;)
        {
            int first = fired[q], pixel = first / channels;
            var (block, rows) = _conv.TapBlock(first);
            int m = 0;
            do
            {
                weightOffsets[m] = (block.WeightRow + (fired[q + m] - first) * taps) * n;
                m++;
            }
            while (m < ConvKernels.MaxTapBlockGroup && q + m < fired.Length && fired[q + m] / channels == pixel);
            ConvKernels.DotTapBlocks(_conv.Weights, weightOffsets[..m], _conv.Kernel * n, rho, block.Position * n, -_conv.OutWidth * n,
                rows, block.Count, n, sums);
            for (int j = 0; j < m; j++) inputReward[fired[q + j]] += sums[j];
            q += m;
        }
    }

    /// <inheritdoc/>
    public void RewardAnalogInputs(ReadOnlySpan<float> input, ReadOnlySpan<float> rho, Span<float> inputReward)
    {
        for (int i = 0; i < input.Length; i++)
            if (input[i] != 0f) inputReward[i] += input[i] * _conv.Backprojection(i, rho);
    }

    // Partitions are blocks of kernel taps (c, ky, kx), each owning the OutChannels weights of its taps; the
    // flattening over input channels first keeps every partition busy even with a single input channel.
    private (int From, int To) Taps(int part, int parts)
    {
        int taps = _conv.InChannels * _conv.Kernel * _conv.Kernel;
        return ((int)((long)taps * part / parts), (int)((long)taps * (part + 1) / parts));
    }

    /// <inheritdoc/>
    public void AccumulateSpikeFeedback(int part, int parts, ReadOnlySpan<int> fired, ReadOnlySpan<float> rho, Span<float> weightFeedback)
    {
        if (_channelMajor is { } channelMajor)
        {
            // Each weight sums the same terms in the same (ascending position, so ascending input) order as the tap
            // walk over an ascending list of fired inputs. Partitions own whole kernel rows (c, ky).
            var g = _conv.Geometry;
            int blocks = g.InChannels * g.Kernel, words = (g.Inputs + 63) / 64;
            int fromBlock = (int)((long)blocks * part / parts), toBlock = (int)((long)blocks * (part + 1) / parts);
            if (fromBlock == toBlock) return;
            var (marks, paddedRho) = Scratch(words, ConvKernels.PaddedRewardLength(g));
            var inputs = marks.AsSpan(0, words);
            try
            {
                ConvKernels.MarkMapped(fired, channelMajor, inputs);
                ConvKernels.AccumulateKernelRowFeedback(inputs, rho, _kernelRowBits!, g, fromBlock, toBlock, weightFeedback, paddedRho);
            }
            finally { inputs.Clear(); }
            return;
        }
        var (from, to) = Taps(part, parts);
        if (from == to) return;
        foreach (int i in fired) Accumulate(i, 1f, from, to, rho, weightFeedback);
    }

    /// <inheritdoc/>
    public void AccumulateAnalogFeedback(int part, int parts, ReadOnlySpan<float> input, ReadOnlySpan<float> rho, Span<float> weightFeedback)
    {
        var (from, to) = Taps(part, parts);
        if (from == to) return;
        // Only the input channels whose taps this partition owns can contribute.
        int kk = _conv.Kernel * _conv.Kernel, firstChannel = from / kk, lastChannel = (to - 1) / kk;
        for (int i = 0; i < input.Length; i++)
        {
            int c = i % _conv.InChannels;
            if (c < firstChannel || c > lastChannel || input[i] == 0f) continue;
            Accumulate(i, input[i], from, to, rho, weightFeedback);
        }
    }

    /// <inheritdoc/>
    /// <remarks>
    /// Stride 1, where the scratch fits: each row's input correlated with its rho by output rows
    /// (<see cref="ConvInputCorrelation"/>), the rows' partial sums folded into the feedback at the end.
    /// </remarks>
    public void AccumulateAnalogFeedbackRows(ReadOnlySpan<float> inputs, ReadOnlySpan<float> rho, int rows, Span<float> weightFeedback)
    {
        if (!_correlatesRows)
        {
            SynapseLfp.AccumulateAnalogFeedbackByRow(this, inputs, rho, rows, weightFeedback);
            return;
        }
        var g = _conv.Geometry;
        var s = _correlation.Value ??= new CorrelationScratch(g);
        Array.Clear(s.PartialSums);
        for (int r = 0; r < rows; r++)
        {
            var rowRho = rho.Slice(r * g.Outputs, g.Outputs);
            if (!rowRho.ContainsAnyExcept(0f)) continue;
            ConvInputCorrelation.Expand(inputs.Slice(r * g.Inputs, g.Inputs), g, s.Expanded, s.RowHasInput);
            ConvInputCorrelation.AccumulateSample(s.Expanded, s.RowHasInput, rowRho, g, s.PartialSums);
        }
        ConvInputCorrelation.FoldInto(s.PartialSums, g, weightFeedback);
    }

    private readonly bool _correlatesRows = conv.Stride == 1 && ConvInputCorrelation.Supports(conv.Geometry);

    // Per thread (chunks of rows run in parallel).
    private sealed class CorrelationScratch(ConvGeometry g)
    {
        public readonly float[] PartialSums = new float[ConvInputCorrelation.PartialSumsLength(g)];
        public readonly float[] Expanded = new float[ConvInputCorrelation.ExpandedLength(g)];
        public readonly bool[] RowHasInput = new bool[g.InHeight * g.InChannels];
    }

    private readonly ThreadLocal<CorrelationScratch?> _correlation = new();

    // feedback[c, ky, kx, :] += x_i * rho[position reached through (ky, kx), :], for the weight rows in [from, to) only.
    private void Accumulate(int input, float x, int from, int to, ReadOnlySpan<float> rho, Span<float> weightFeedback)
    {
        int kk = _conv.Kernel * _conv.Kernel, n = _conv.OutChannels, c = input % _conv.InChannels;
        if (c * kk >= to || (c + 1) * kk <= from) return; // none of this input's weight rows is owned here
        if (_conv.Stride == 1)
        {
            var (block, rows) = _conv.TapBlock(input);
            int last = block.WeightRow + (rows - 1) * _conv.Kernel + block.Count - 1;
            if (rows > 0 && block.WeightRow >= from && last < to)
            {
                // All of the input's taps are owned here: one sweep over its block.
                SynapseKernels.AddScaledBlockGrid(x, rho, block.Position * n, -_conv.OutWidth * n, -n,
                    weightFeedback, block.WeightRow * n, _conv.Kernel * n, n, rows, block.Count, n);
                return;
            }
        }
        Span<TapRun> runs = _conv.Kernel <= Conv2dSynapses.StackKernel ? stackalloc TapRun[kk] : new TapRun[kk];
        int count = _conv.Runs(input, runs);
        foreach (var run in runs[..count])
        {
            // The taps of the run whose weight rows this partition owns.
            int first = Math.Max(0, from - run.WeightRow), end = Math.Min(run.Count, to - run.WeightRow);
            SynapseKernels.AddScaledBlocks(x, rho, (run.Position - first) * n, -n, weightFeedback, (run.WeightRow + first) * n, n, end - first, n);
        }
    }

    /// <inheritdoc/>
    /// <remarks>biasFeedback[oc] += sum over output positions of rho[position, oc].</remarks>
    public void AccumulateBiasFeedback(ReadOnlySpan<float> rho, Span<float> biasFeedback)
    {
        SynapseKernels.AddBlocks(rho[.._conv.Outputs], biasFeedback[.._conv.OutChannels]);
    }
}
