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
        // Every fired input is looked up on every step and pass: a table instead of four integer divisions.
        _pooledIndex = new int[Inputs];
        for (int i = 0; i < Inputs; i++)
        {
            int c = i % Channels, pixel = i / Channels;
            int py = pixel / InWidth / Size, px = pixel % InWidth / Size;
            _pooledIndex[i] = py < PooledHeight && px < PooledWidth ? (py * PooledWidth + px) * Channels + c : -1;
        }
    }

    private readonly int[] _pooledIndex;

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

    /// <summary>
    /// Per-thread buffers of pooled-image size, for the forward here and for learning rules that walk the same
    /// windows. Between calls Winner is all -1 and Values, Reward all 0; every user restores that
    /// (<see cref="RestoreListed(Scratch, int)"/>, <see cref="RestoreAll"/>), touching only the entries it used, so the cost
    /// follows the spikes. Calls from parallel samples run on different threads; the inner connection is never
    /// pooled, so it cannot reenter.
    /// </summary>
    public sealed class Scratch
    {
        internal Scratch(int size)
        {
            Winner = new int[size];
            Array.Fill(Winner, -1);
            Flags = new byte[VectorMath.FlagBlocksLength(size)];
            Pooled = new int[Flags.Length];
            Values = new float[size];
            Reward = new float[size];
        }

        /// <summary>Per pooled input, the input that wins its window (the argmax; -1 when unset).</summary>
        public int[] Winner { get; }
        /// <summary>
        /// One byte per pooled input, non-zero while pooling spikes (all clear between calls). Bytes, not bits: marking is
        /// a plain store, where setting a bit is a read-modify-write that chains through memory when consecutive spikes
        /// fall into one word.
        /// </summary>
        internal byte[] Flags { get; }
        /// <summary>The pooled inputs listed by the last pooling of spikes, in ascending order.</summary>
        public int[] Pooled { get; }
        /// <summary>Per pooled input, its pooled value.</summary>
        public float[] Values { get; }
        /// <summary>Per pooled input, room for a value a caller accumulates (a learning rule's reward).</summary>
        public float[] Reward { get; }
    }

    [ThreadStatic] private static Scratch? t_scratch;

    /// <summary>This thread's buffers, grown to this connection's pooled size.</summary>
    public Scratch Buffers()
    {
        var s = t_scratch;
        if (s is null || s.Winner.Length < PooledInputs) t_scratch = s = new Scratch(Math.Max(PooledInputs, s?.Winner.Length ?? 0));
        return s;
    }

    /// <summary>Index in the pooled image of input <paramref name="input"/>, or -1 when it lies in a dropped border.</summary>
    public int PooledIndex(int input) => _pooledIndex[input];

    /// <summary>
    /// Max pooling of spikes: lists the pooled fired indices, each once in ascending order (the order every
    /// connection sums its inputs in), and sets Winner[p] = the smallest fired input of window p, the first in the
    /// window's row-major scan (flat [y, x, c] order is row-major in (y, x)). Returns the count;
    /// <see cref="RestoreListed(Scratch, int)"/> with it must follow.
    /// </summary>
    public int PoolSpikes(ReadOnlySpan<int> fired, Scratch s)
    {
        SetWinners(fired, s);
        return ListPooledSpikes(fired, s);
    }

    /// <summary>
    /// Winner[p] = the smallest fired input of window p, for every window with a spike (the windows
    /// <see cref="ListPooledSpikes(ReadOnlySpan{int}, Scratch)"/> lists); <see cref="RestoreListed(Scratch, ReadOnlySpan{int})"/>
    /// with that list must follow.
    /// </summary>
    public void SetWinners(ReadOnlySpan<int> fired, Scratch s)
    {
        var winner = s.Winner.AsSpan(0, PooledInputs);
        var pooledIndex = _pooledIndex;
        if (VectorMath.IsAscending(fired))
        {
            // Walked backwards, the last store to a window's winner is its smallest input: plain stores, no minimum.
            for (int k = fired.Length - 1; k >= 0; k--)
            {
                int i = fired[k], p = pooledIndex[i];
                if (p >= 0) winner[p] = i;
            }
        }
        else
            foreach (int i in fired)
            {
                int p = pooledIndex[i];
                // The unsigned minimum (the resting -1 is the largest unsigned value, so a window's first spike always wins).
                if (p >= 0) winner[p] = (int)Math.Min((uint)i, (uint)winner[p]);
            }
    }

    /// <summary>
    /// <see cref="PoolSpikes"/> without the winners: only the pooled fired indices, ascending, into Pooled. Leaves the
    /// buffers at rest (no <see cref="RestoreListed(Scratch, int)"/> needed): what the forward and the weight feedback need.
    /// </summary>
    public int ListPooledSpikes(ReadOnlySpan<int> fired, Scratch s)
    {
        // Flagged and listed from the flags, so the list comes out sorted whatever the order of fired.
        var flags = s.Flags;
        var pooledIndex = _pooledIndex;
        foreach (int i in fired)
        {
            int p = pooledIndex[i];
            if (p >= 0) flags[p] = 1;
        }
        return VectorMath.ListAndClearFlags(flags.AsSpan(0, VectorMath.FlagBlocksLength(PooledInputs)), s.Pooled);
    }

    /// <summary>
    /// <see cref="ListPooledSpikes(ReadOnlySpan{int}, Scratch)"/> into <paramref name="pooled"/> (room for
    /// <see cref="PooledInputs"/> indices); returns the count.
    /// </summary>
    public int ListPooledSpikes(ReadOnlySpan<int> fired, Span<int> pooled)
    {
        if (pooled.Length < PooledInputs) throw new ArgumentException("the list must have room for every pooled input.", nameof(pooled));
        var s = Buffers();
        int count = ListPooledSpikes(fired, s);
        s.Pooled.AsSpan(0, count).CopyTo(pooled);
        return count;
    }

    /// <summary>
    /// Average pooling of spikes: <see cref="PoolSpikes"/>, and Values[p] = (inputs fired in window p) / k^2 for
    /// the listed p.
    /// </summary>
    public int AverageSpikes(ReadOnlySpan<int> fired, Scratch s)
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

    /// <summary>
    /// Analog pooling of the whole image into Values (max or mean, as <see cref="Pool"/> says), the argmax into
    /// Winner; every pooled entry is written, so <see cref="RestoreAll"/> must follow.
    /// </summary>
    public void PoolAnalog(ReadOnlySpan<float> input, Scratch s)
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

    /// <summary>Puts the entries listed by the last pooling of spikes back to their resting values.</summary>
    public void RestoreListed(Scratch s, int count) => RestoreListed(s, s.Pooled.AsSpan(0, count));

    /// <summary>Puts the entries of <paramref name="pooled"/> (the windows a pooling of spikes listed) back to their resting values.</summary>
    public void RestoreListed(Scratch s, ReadOnlySpan<int> pooled)
    {
        // Past an eighth of the entries, rewriting them all with vector stores is cheaper than three scattered stores each.
        if (pooled.Length > PooledInputs / 8)
        {
            RestoreAll(s);
            return;
        }
        foreach (int p in pooled)
        {
            s.Winner[p] = -1;
            s.Values[p] = 0f;
            s.Reward[p] = 0f;
        }
    }

    /// <summary>Puts every pooled entry back to its resting value.</summary>
    public void RestoreAll(Scratch s)
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
        return Inner.SynapticEvents(s.Pooled.AsSpan(0, ListPooledSpikes(fired, s)));
    }

    /// <inheritdoc/>
    public void ResetCurrent(Span<float> current) => Inner.ResetCurrent(current);

    /// <inheritdoc/>
    public void DeliverSpikes(ReadOnlySpan<int> fired, Span<float> current) => DeliverPooledSpikes(fired, current, fromRest: false);

    /// <inheritdoc/>
    public void DeliverSpikesFromRest(ReadOnlySpan<int> fired, Span<float> current) => DeliverPooledSpikes(fired, current, fromRest: true);

    private void DeliverPooledSpikes(ReadOnlySpan<int> fired, Span<float> current, bool fromRest)
    {
        var s = Buffers();
        int count = 0;
        try
        {
            if (Pool == PoolKind.Max)
            {
                var pooled = s.Pooled.AsSpan(0, ListPooledSpikes(fired, s));
                if (fromRest) Inner.DeliverSpikesFromRest(pooled, current);
                else Inner.DeliverSpikes(pooled, current);
            }
            else
            {
                count = AverageSpikes(fired, s);
                if (fromRest) Inner.ResetCurrent(current);
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
    /// <remarks>Max pooling routes each window's gradient to its argmax; average pooling shares it equally (1/k^2).</remarks>
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

    /// <inheritdoc/>
    public void InitializeUniform(Random random) => Inner.InitializeUniform(random);

    ISynapses ISynapses.Clone() => Clone();

    /// <summary>A deep copy (the inner connection included).</summary>
    public PooledSynapses Clone() => new(Inner.Clone(), InHeight, InWidth, Channels, Pool, Size);
}
