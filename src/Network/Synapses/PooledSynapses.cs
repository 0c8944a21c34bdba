namespace SpikeLfp.Network.Synapses;

/// <summary>How <see cref="PooledSynapses"/> summarises a window.</summary>
public enum PoolKind
{
    /// <summary>The largest value of the window (PyTorch <c>MaxPool2d</c>).</summary>
    Max,
    /// <summary>The mean of the window (PyTorch <c>AvgPool2d</c>).</summary>
    Average,
}

/// <summary>
/// Non-overlapping 2-D pooling (kernel = stride = <see cref="Size"/>, no padding, trailing rows and columns
/// that do not fill a window dropped, as PyTorch's default <c>ceil_mode=False</c>) in front of another
/// connection: <c>current = inner(pool(x))</c>. The input is an image in channel-last layout [y, x, c]
/// (<see cref="Conv2dSynapses"/>'s output layout); the pooled image, [y / k, x / k, c] channel-last, is the
/// inner connection's input, so a dense inner layer sees PyTorch's <c>Flatten</c> of the channel-last
/// pooled map for free.
/// <para>
/// Forward. Max pooling of 0/1 spikes is 0/1: the pooled input fired when any input of its window fired, so
/// spike delivery stays event-driven (the pooled fired indices, each once, go to the inner connection).
/// Average pooling of spikes gives the analog value (inputs fired in the window) / k^2.
/// </para>
/// <para>
/// Backward, as lfprop's LFP composite treats the two pools. Max pooling has no rule of its own: the reward the
/// inner connection hands to a pooled input passes through the way its gradient does, all of it to the
/// window's argmax, the first maximum in the window's row-major scan order (PyTorch's choice); for spikes, the
/// first input of the window that fired. A pooled input that did not fire has value 0 and receives no reward.
/// Average pooling carries the epsilon rule (lfprop attaches LFPEpsilon to AvgPool): input i of a window with
/// mean z receives x_i / k^2 * R / stabilize(z), so the pooled reward R is shared in proportion to what each
/// input contributed, and inputs that did not fire receive nothing. Weight and bias feedback are the inner
/// connection's feedback computed on the pooled input.
/// </para>
/// </summary>
public sealed class PooledSynapses : ISynapses
{
    /// <summary>Pools an inHeight x inWidth x channels image before <paramref name="inner"/>.</summary>
    /// <exception cref="ArgumentException">The window does not fit, the pooled size is not the inner connection's input size, or inner is itself pooled.</exception>
    public PooledSynapses(ISynapses inner, int inHeight, int inWidth, int channels, PoolKind pool, int size)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inHeight);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inWidth);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(size);
        if (inner is PooledSynapses) throw new ArgumentException("pooling twice in a row is not supported: use one larger window.");
        if (inHeight < size || inWidth < size) throw new ArgumentException($"a {size}x{size} pooling window does not fit a {inHeight}x{inWidth} input.");
        if (pool is not (PoolKind.Max or PoolKind.Average)) throw new ArgumentOutOfRangeException(nameof(pool));
        Inner = inner;
        InHeight = inHeight;
        InWidth = inWidth;
        Channels = channels;
        Pool = pool;
        Size = size;
        PooledHeight = inHeight / size;
        PooledWidth = inWidth / size;
        PooledInputs = PooledHeight * PooledWidth * channels;
        if ((long)inHeight * inWidth * channels > int.MaxValue) throw new ArgumentException("the pooled image is too large.");
        Inputs = inHeight * inWidth * channels;
        if (inner.Inputs != PooledInputs)
            throw new ArgumentException($"pooling {inHeight}x{inWidth}x{channels} by {size} gives {PooledHeight}x{PooledWidth}x{channels} = {PooledInputs} values, but the inner {inner.Kind} connection takes {inner.Inputs}.");
    }

    /// <summary>The connection that receives the pooled input.</summary>
    public ISynapses Inner { get; }
    /// <summary>Input height.</summary>
    public int InHeight { get; }
    /// <summary>Input width.</summary>
    public int InWidth { get; }
    /// <summary>Channels (pooling keeps them apart).</summary>
    public int Channels { get; }
    /// <summary>Max or average.</summary>
    public PoolKind Pool { get; }
    /// <summary>Window side and stride.</summary>
    public int Size { get; }
    /// <summary>Pooled height (InHeight / Size, floor).</summary>
    public int PooledHeight { get; }
    /// <summary>Pooled width (InWidth / Size, floor).</summary>
    public int PooledWidth { get; }
    /// <summary>Values of the pooled image (the inner connection's inputs).</summary>
    public int PooledInputs { get; }

    /// <summary>"max-pool+" or "avg-pool+" and the inner kind, for example "max-pool+conv2d".</summary>
    public string Kind => (Pool == PoolKind.Max ? "max-pool+" : "avg-pool+") + Inner.Kind;
    /// <inheritdoc/>
    public int Inputs { get; }
    /// <inheritdoc/>
    public int Outputs => Inner.Outputs;
    /// <summary>The inner connection's weights.</summary>
    public float[] Weights => Inner.Weights;
    /// <summary>The inner connection's biases.</summary>
    public float[] Bias => Inner.Bias;

    // Per-thread buffers of pooled-image size. Between calls Winner is all -1 and Values, Reward all 0; every
    // call restores that, touching only the entries it used, so the cost follows the spikes. Calls from
    // parallel samples run on different threads; the inner connection is never pooled, so it cannot reenter.
    private sealed class Scratch(int size)
    {
        public readonly int[] Winner = Filled(size);
        public readonly int[] Pooled = new int[size];
        public readonly float[] Values = new float[size];
        public readonly float[] Reward = new float[size];
        private static int[] Filled(int size) { var a = new int[size]; Array.Fill(a, -1); return a; }
    }

    [ThreadStatic] private static Scratch? t_scratch;

    private Scratch Buffers()
    {
        var s = t_scratch;
        if (s is null || s.Winner.Length < PooledInputs) t_scratch = s = new Scratch(Math.Max(PooledInputs, s?.Winner.Length ?? 0));
        return s;
    }

    /// <summary>Index in the pooled image of input <paramref name="input"/>, or -1 when it lies in a dropped border.</summary>
    public int PooledIndex(int input)
    {
        int c = input % Channels, pixel = input / Channels;
        int py = pixel / InWidth / Size, px = pixel % InWidth / Size;
        return py < PooledHeight && px < PooledWidth ? (py * PooledWidth + px) * Channels + c : -1;
    }

    // Pooled fired indices, each once in order of first appearance; Winner[p] = the smallest fired input of
    // window p, which is the first in the window's row-major scan (flat [y, x, c] order is row-major in (y, x)).
    private int PoolSpikes(ReadOnlySpan<int> fired, Scratch s)
    {
        int count = 0;
        foreach (int i in fired)
        {
            int p = PooledIndex(i);
            if (p < 0) continue;
            int w = s.Winner[p];
            if (w < 0) { s.Winner[p] = i; s.Pooled[count++] = p; }
            else if (i < w) s.Winner[p] = i;
        }
        return count;
    }

    // Average pooling of spikes: Values[p] = (inputs fired in window p) / k^2 for the listed p.
    private int AverageSpikes(ReadOnlySpan<int> fired, Scratch s)
    {
        int count = PoolSpikes(fired, s);
        foreach (int i in fired)
        {
            int p = PooledIndex(i);
            if (p >= 0) s.Values[p] += 1f;
        }
        float area = Size * Size;
        for (int q = 0; q < count; q++) s.Values[s.Pooled[q]] /= area;
        return count;
    }

    // Analog pooling of the whole image into Values (and the argmax into Winner for max pooling); every pooled
    // entry is written, so Restore(all) must follow.
    private void PoolAnalog(ReadOnlySpan<float> input, Scratch s)
    {
        float area = Size * Size;
        int p = 0;
        for (int py = 0; py < PooledHeight; py++)
            for (int px = 0; px < PooledWidth; px++)
                for (int c = 0; c < Channels; c++, p++)
                {
                    float best = float.NegativeInfinity, sum = 0f;
                    int arg = -1;
                    for (int dy = 0; dy < Size; dy++)
                        for (int dx = 0; dx < Size; dx++)
                        {
                            int i = ((py * Size + dy) * InWidth + px * Size + dx) * Channels + c;
                            float v = input[i];
                            sum += v;
                            if (v > best || float.IsNaN(v)) { best = v; arg = i; }
                        }
                    s.Values[p] = Pool == PoolKind.Max ? best : sum / area;
                    s.Winner[p] = arg;
                }
    }

    private void RestoreListed(Scratch s, int count)
    {
        for (int q = 0; q < count; q++)
        {
            int p = s.Pooled[q];
            s.Winner[p] = -1;
            s.Values[p] = 0f;
            s.Reward[p] = 0f;
        }
    }

    private void RestoreAll(Scratch s)
    {
        s.Winner.AsSpan(0, PooledInputs).Fill(-1);
        s.Values.AsSpan(0, PooledInputs).Clear();
        s.Reward.AsSpan(0, PooledInputs).Clear();
    }

    /// <inheritdoc/>
    public long SynapseCount => Inner.SynapseCount;

    /// <summary>
    /// The inner connection's events for the pooled inputs that are non-zero: each window with a spike counts once
    /// (max and average pooling alike), however many of its inputs fired.
    /// </summary>
    public long SynapticEvents(ReadOnlySpan<int> fired)
    {
        var s = Buffers();
        int count = 0;
        try
        {
            count = PoolSpikes(fired, s);
            return Inner.SynapticEvents(s.Pooled.AsSpan(0, count));
        }
        finally { RestoreListed(s, count); }
    }

    /// <inheritdoc/>
    public void ResetCurrent(Span<float> current) => Inner.ResetCurrent(current);

    /// <inheritdoc/>
    public void DeliverSpikes(ReadOnlySpan<int> fired, Span<float> current)
    {
        var s = Buffers();
        int count = 0;
        try
        {
            if (Pool == PoolKind.Max)
            {
                count = PoolSpikes(fired, s);
                Inner.DeliverSpikes(s.Pooled.AsSpan(0, count), current);
            }
            else
            {
                count = AverageSpikes(fired, s);
                Inner.DeliverAnalog(s.Values.AsSpan(0, PooledInputs), current);
            }
        }
        finally { RestoreListed(s, count); }
    }

    /// <inheritdoc/>
    public void DeliverAnalog(ReadOnlySpan<float> input, Span<float> current)
    {
        var s = Buffers();
        try
        {
            PoolAnalog(input, s);
            Inner.DeliverAnalog(s.Values.AsSpan(0, PooledInputs), current);
        }
        finally { RestoreAll(s); }
    }

    /// <inheritdoc/>
    public void RewardFiredInputs(ReadOnlySpan<int> fired, ReadOnlySpan<float> rho, Span<float> inputReward)
    {
        var s = Buffers();
        int count = 0;
        try
        {
            if (Pool == PoolKind.Max)
            {
                count = PoolSpikes(fired, s);
                Inner.RewardFiredInputs(s.Pooled.AsSpan(0, count), rho, s.Reward.AsSpan(0, PooledInputs));
                for (int q = 0; q < count; q++)
                {
                    int p = s.Pooled[q];
                    inputReward[s.Winner[p]] += s.Reward[p];
                }
            }
            else
            {
                count = AverageSpikes(fired, s);
                Inner.RewardAnalogInputs(s.Values.AsSpan(0, PooledInputs), rho, s.Reward.AsSpan(0, PooledInputs));
                foreach (int i in fired)
                {
                    int p = PooledIndex(i);
                    if (p >= 0) inputReward[i] += ShareOfAverage(1f, s.Reward[p], s.Values[p]);
                }
            }
        }
        finally { RestoreListed(s, count); }
    }

    /// <inheritdoc/>
    public void RewardAnalogInputs(ReadOnlySpan<float> input, ReadOnlySpan<float> rho, Span<float> inputReward)
    {
        var s = Buffers();
        try
        {
            PoolAnalog(input, s);
            Inner.RewardAnalogInputs(s.Values.AsSpan(0, PooledInputs), rho, s.Reward.AsSpan(0, PooledInputs));
            if (Pool == PoolKind.Max)
            {
                for (int p = 0; p < PooledInputs; p++)
                    if (s.Reward[p] != 0f) inputReward[s.Winner[p]] += s.Reward[p];
            }
            else
                for (int i = 0; i < input.Length; i++)
                {
                    int p = PooledIndex(i);
                    if (p >= 0 && input[i] != 0f) inputReward[i] += ShareOfAverage(input[i], s.Reward[p], s.Values[p]);
                }
        }
        finally { RestoreAll(s); }
    }

    /// <summary>
    /// The inner connection's input gradient on the pooled image, then through the pool: max pooling hands a
    /// window's gradient to its argmax (the first maximum, as PyTorch), average pooling 1/k^2 of it to every input.
    /// </summary>
    public void AccumulateInputGradient(ReadOnlySpan<float> input, ReadOnlySpan<float> outputGradient, Span<float> inputGradient)
    {
        var s = Buffers();
        try
        {
            PoolAnalog(input, s);
            Inner.AccumulateInputGradient(s.Values.AsSpan(0, PooledInputs), outputGradient, s.Reward.AsSpan(0, PooledInputs));
            if (Pool == PoolKind.Max)
            {
                for (int p = 0; p < PooledInputs; p++)
                    if (s.Reward[p] != 0f) inputGradient[s.Winner[p]] += s.Reward[p];
            }
            else
            {
                float area = Size * Size;
                for (int i = 0; i < input.Length; i++)
                {
                    int p = PooledIndex(i);
                    if (p >= 0) inputGradient[i] += s.Reward[p] / area;
                }
            }
        }
        finally { RestoreAll(s); }
    }

    // The epsilon rule through a mean: x_i / k^2 * R / stabilize(z), z the window's mean (its pooled value).
    private float ShareOfAverage(float x, float pooledReward, float pooledValue)
        => x / (Size * Size) * (pooledReward / Stabilizer.Stabilize(pooledValue));

    /// <inheritdoc/>
    public void AccumulateSpikeFeedback(int part, int parts, ReadOnlySpan<int> fired, ReadOnlySpan<float> rho, Span<float> weightFeedback)
    {
        var s = Buffers();
        int count = 0;
        try
        {
            if (Pool == PoolKind.Max)
            {
                count = PoolSpikes(fired, s);
                Inner.AccumulateSpikeFeedback(part, parts, s.Pooled.AsSpan(0, count), rho, weightFeedback);
            }
            else
            {
                count = AverageSpikes(fired, s);
                Inner.AccumulateAnalogFeedback(part, parts, s.Values.AsSpan(0, PooledInputs), rho, weightFeedback);
            }
        }
        finally { RestoreListed(s, count); }
    }

    /// <inheritdoc/>
    public void AccumulateAnalogFeedback(int part, int parts, ReadOnlySpan<float> input, ReadOnlySpan<float> rho, Span<float> weightFeedback)
    {
        var s = Buffers();
        try
        {
            PoolAnalog(input, s);
            Inner.AccumulateAnalogFeedback(part, parts, s.Values.AsSpan(0, PooledInputs), rho, weightFeedback);
        }
        finally { RestoreAll(s); }
    }

    /// <inheritdoc/>
    public void AccumulateBiasFeedback(ReadOnlySpan<float> rho, Span<float> biasFeedback) => Inner.AccumulateBiasFeedback(rho, biasFeedback);

    /// <inheritdoc/>
    public void InitializeUniform(Random random) => Inner.InitializeUniform(random);

    ISynapses ISynapses.Clone() => Clone();

    /// <summary>A deep copy (the inner connection included).</summary>
    public PooledSynapses Clone() => new(Inner.Clone(), InHeight, InWidth, Channels, Pool, Size);
}
