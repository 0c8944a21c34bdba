using System.Runtime.CompilerServices;

namespace SpikeLfp.Network.Synapses;

/// <summary>
/// Consecutive kernel taps of one input (<see cref="Conv2dSynapses.Runs"/>): tap k &lt; Count has weight row
/// WeightRow + k and output position Position - k (each an index of an OutChannels-long vector).
/// </summary>
/// <param name="WeightRow">Weight row of the first tap, (c * Kernel + ky) * Kernel + kx.</param>
/// <param name="Position">Output position of the first tap, oy * OutWidth + ox.</param>
/// <param name="Count">Taps in the run.</param>
public readonly record struct TapRun(int WeightRow, int Position, int Count);

/// <summary>
/// A 2-D convolution (square kernel, stride, zero padding, no dilation or groups), PyTorch's <c>nn.Conv2d</c>
/// with one bias per output channel.
/// <para>
/// Layouts. Input and output are channel-last, <c>[y, x, c]</c> row-major: input i = (y * InWidth + x) *
/// InChannels + c, neuron j = (oy * OutWidth + ox) * OutChannels + oc. Flattening is therefore free: the
/// flattened index PyTorch would use after <c>permute(0, 2, 3, 1).flatten(1)</c> is the neuron index itself,
/// so a dense layer can read a conv layer's spikes directly. Weights are input-channel-major
/// <c>[inC, ky, kx, outC]</c>: <c>Weights[((c * Kernel + ky) * Kernel + kx) * OutChannels + oc]</c>, so one input
/// spike adds, for every output position it reaches, one contiguous vector of OutChannels weights to one
/// contiguous vector of currents (the event-driven delivery of <see cref="DenseSynapses"/>, per kernel tap).
/// <see cref="ToTorchLayout"/> / <see cref="FromTorchLayout"/> convert to and from PyTorch's [outC, inC, kh, kw].
/// </para>
/// <para>
/// Geometry: output position (oy, ox) sees input (oy * Stride - Padding + ky, ox * Stride - Padding + kx);
/// OutHeight = (InHeight + 2 Padding - Kernel) / Stride + 1 (floor), the same for widths. Taps that fall into
/// the padding see zeros and contribute nothing.
/// </para>
/// </summary>
[SkipLocalsInit] // the per-input tap tables on the stack are written before they are read
public sealed class Conv2dSynapses : ISynapses
{
    /// <summary>Creates a convolution with zero weights.</summary>
    /// <exception cref="ArgumentException">A size is not positive, padding is negative, or the kernel does not fit the padded input.</exception>
    public Conv2dSynapses(int inHeight, int inWidth, int inChannels, int outChannels, int kernel, int stride = 1, int padding = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inHeight);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inWidth);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inChannels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outChannels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(kernel);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(stride);
        ArgumentOutOfRangeException.ThrowIfNegative(padding);
        if (inHeight + 2 * padding < kernel || inWidth + 2 * padding < kernel)
            throw new ArgumentException($"a {kernel}x{kernel} kernel does not fit a {inHeight}x{inWidth} input with padding {padding}.");
        InHeight = inHeight;
        InWidth = inWidth;
        InChannels = inChannels;
        OutChannels = outChannels;
        Kernel = kernel;
        Stride = stride;
        Padding = padding;
        OutHeight = (inHeight + 2 * padding - kernel) / stride + 1;
        OutWidth = (inWidth + 2 * padding - kernel) / stride + 1;
        long inputs = (long)inHeight * inWidth * inChannels, outputs = (long)OutHeight * OutWidth * outChannels;
        long weights = (long)inChannels * kernel * kernel * outChannels;
        if (inputs > int.MaxValue || outputs > int.MaxValue || weights > int.MaxValue)
            throw new ArgumentException("the convolution is too large.");
        Inputs = (int)inputs;
        Outputs = (int)outputs;
        Weights = CacheLineArrays.Floats((int)weights);
        Bias = new float[outChannels];
        // Input (y, x, c) reaches rows(y) x columns(x) positions, OutChannels neurons each; summed over all inputs.
        SynapseCount = (long)inChannels * outChannels * ReachedSum(inHeight, OutHeight) * ReachedSum(inWidth, OutWidth);
        _runTable = stride == 1 && inputs <= MaxRunTableInputs ? RunTable() : null;
        Geometry = new ConvGeometry(inHeight, inWidth, inChannels, kernel, padding, OutHeight, OutWidth, outChannels);
        _windowRows = stride == 1 && ConvKernels.Supports(Geometry) ? ConvKernels.WindowRowOffsets(Geometry) : null;
        _analogRows = stride == 1 && ConvAnalogRows.Supports(Geometry);
    }

    // Spike delivery by output windows (ConvKernels.DeliverSpikeWindows) where the shape allows it; null: tap by tap.
    private readonly int[]? _windowRows;

    // Analog delivery by output rows (ConvAnalogRows) where the shape allows it; otherwise input by input.
    private readonly bool _analogRows;

    // This thread's buffers for ConvAnalogRows, grown to the largest shape it has served.
    private sealed class AnalogRowsScratch
    {
        [ThreadStatic] private static AnalogRowsScratch? t_scratch;

        public float[] Expanded = [], Tiled = [];
        public bool[] RowHasInput = [];

        public static AnalogRowsScratch For(in ConvGeometry g)
        {
            var s = t_scratch ??= new AnalogRowsScratch();
            if (s.Expanded.Length < ConvInputCorrelation.ExpandedLength(g)) s.Expanded = CacheLineArrays.Floats(ConvInputCorrelation.ExpandedLength(g));
            if (s.Tiled.Length < ConvAnalogRows.TiledWeightsLength(g)) s.Tiled = CacheLineArrays.Floats(ConvAnalogRows.TiledWeightsLength(g));
            if (s.RowHasInput.Length < g.InHeight * g.InChannels) s.RowHasInput = new bool[g.InHeight * g.InChannels];
            return s;
        }
    }

    /// <summary>The shape as <see cref="ConvKernels"/> sees it (meaningful for stride 1, which the kernels need).</summary>
    public ConvGeometry Geometry { get; }

    /// <summary>Whether spikes are delivered by the spike-window kernels of <see cref="ConvKernels"/> (stride 1 and a shape they take).</summary>
    public bool UsesSpikeWindows => _windowRows is not null;

    [ThreadStatic] private static ulong[]? t_marks;

    // This thread's clear bitmap of at least the given bits; callers leave it clear.
    private static Span<ulong> ClearMarks(int bits)
    {
        int words = (bits + 63) / 64;
        var marks = t_marks;
        if (marks is null || marks.Length < words) t_marks = marks = new ulong[words];
        return marks.AsSpan(0, words);
    }

    // Runs walks the synapses of every fired input on every step and pass; with stride 1, a table of each input's first
    // run (weight row, position), its run count and length replaces the integer divisions that locate the input.
    private const int MaxRunTableInputs = 1 << 20;
    private readonly int[]? _runTable;

    private int[] RunTable()
    {
        var table = new int[Inputs * 4];
        for (int input = 0; input < Inputs; input++)
        {
            var (first, rows) = RunBlock(input);
            table[4 * input] = first.WeightRow;
            table[4 * input + 1] = first.Position;
            table[4 * input + 2] = rows;
            table[4 * input + 3] = first.Count;
        }
        return table;
    }

    // Stride 1: the first run of an input and the number of kernel rows that reach the output (0: none). Output
    // (oy, ox) = (y + Padding - ky, x + Padding - kx) must lie in the output, so the taps that do form one block.
    private (TapRun First, int Rows) RunBlock(int input)
    {
        int c = input % InChannels, pixel = input / InChannels;
        int y = pixel / InWidth, x = pixel % InWidth;
        int ky0 = Math.Max(0, y + Padding - OutHeight + 1), ky1 = Math.Min(Kernel - 1, y + Padding);
        int kx0 = Math.Max(0, x + Padding - OutWidth + 1), kx1 = Math.Min(Kernel - 1, x + Padding);
        if (ky0 > ky1 || kx0 > kx1) return (default, 0);
        return (new TapRun((c * Kernel + ky0) * Kernel + kx0, (y + Padding - ky0) * OutWidth + x + Padding - kx0, kx1 - kx0 + 1), ky1 - ky0 + 1);
    }

    /// <summary>Input height.</summary>
    public int InHeight { get; }
    /// <summary>Input width.</summary>
    public int InWidth { get; }
    /// <summary>Input channels.</summary>
    public int InChannels { get; }
    /// <summary>Output channels (feature maps).</summary>
    public int OutChannels { get; }
    /// <summary>Kernel height and width.</summary>
    public int Kernel { get; }
    /// <summary>Step between output positions, in input pixels.</summary>
    public int Stride { get; }
    /// <summary>Zero padding on every side.</summary>
    public int Padding { get; }
    /// <summary>Output height.</summary>
    public int OutHeight { get; }
    /// <summary>Output width.</summary>
    public int OutWidth { get; }

    /// <inheritdoc/>
    public string Kind => "conv2d";
    /// <inheritdoc/>
    public int Inputs { get; }
    /// <inheritdoc/>
    public int Outputs { get; }
    /// <summary>Weights, [inC, ky, kx, outC] row-major.</summary>
    public float[] Weights { get; }
    /// <summary>Bias per output channel.</summary>
    public float[] Bias { get; }

    /// <summary>Index in <see cref="Weights"/> of the tap (ky, kx) from input channel c to output channel oc.</summary>
    public int WeightIndex(int outChannel, int inChannel, int ky, int kx) => ((inChannel * Kernel + ky) * Kernel + kx) * OutChannels + outChannel;

    /// <summary>Weights in PyTorch's <c>Conv2d.weight</c> layout [outC, inC, kh, kw], row-major.</summary>
    public float[] ToTorchLayout()
    {
        var result = new float[Weights.Length];
        int i = 0;
        for (int oc = 0; oc < OutChannels; oc++)
            for (int c = 0; c < InChannels; c++)
                for (int ky = 0; ky < Kernel; ky++)
                    for (int kx = 0; kx < Kernel; kx++)
                        result[i++] = Weights[WeightIndex(oc, c, ky, kx)];
        return result;
    }

    /// <summary>Sets the weights from PyTorch's [outC, inC, kh, kw] layout, row-major.</summary>
    public void FromTorchLayout(ReadOnlySpan<float> torch)
    {
        if (torch.Length != Weights.Length)
            throw new ArgumentException($"expected {OutChannels}x{InChannels}x{Kernel}x{Kernel} = {Weights.Length} weights, got {torch.Length}.");
        int i = 0;
        for (int oc = 0; oc < OutChannels; oc++)
            for (int c = 0; c < InChannels; c++)
                for (int ky = 0; ky < Kernel; ky++)
                    for (int kx = 0; kx < Kernel; kx++)
                        Weights[WeightIndex(oc, c, ky, kx)] = torch[i++];
    }

    /// <summary>
    /// PyTorch's default Conv2d initialisation: weights and biases uniform in [-1/sqrt(fan_in), 1/sqrt(fan_in)],
    /// fan_in = inC * k * k, drawn in PyTorch's [outC, inC, kh, kw] order, then the biases.
    /// </summary>
    public void InitializeUniform(Random random)
    {
        float bound = 1f / MathF.Sqrt(InChannels * Kernel * Kernel);
        for (int oc = 0; oc < OutChannels; oc++)
            for (int c = 0; c < InChannels; c++)
                for (int ky = 0; ky < Kernel; ky++)
                    for (int kx = 0; kx < Kernel; kx++)
                        Weights[WeightIndex(oc, c, ky, kx)] = (float)(random.NextDouble() * 2 - 1) * bound;
        for (int oc = 0; oc < OutChannels; oc++)
            Bias[oc] = (float)(random.NextDouble() * 2 - 1) * bound;
    }

    /// <inheritdoc/>
    public long SynapseCount { get; }

    /// <inheritdoc/>
    public long SynapticEvents(ReadOnlySpan<int> fired)
    {
        Span<int> rows = Kernel <= StackKernel ? stackalloc int[Kernel] : new int[Kernel];
        Span<int> columns = Kernel <= StackKernel ? stackalloc int[Kernel] : new int[Kernel];
        long events = 0;
        foreach (int i in fired)
        {
            int pixel = i / InChannels;
            Reach(pixel / InWidth, OutHeight, rows);
            Reach(pixel % InWidth, OutWidth, columns);
            events += (long)Reached(rows) * Reached(columns) * OutChannels;
        }
        return events;
    }

    private static int Reached(ReadOnlySpan<int> outputs) => outputs.Length - outputs.Count(-1);

    // Sum over the input coordinates of one axis of the output positions each reaches.
    private long ReachedSum(int inSize, int outSize)
    {
        Span<int> outputs = Kernel <= StackKernel ? stackalloc int[Kernel] : new int[Kernel];
        long sum = 0;
        for (int coordinate = 0; coordinate < inSize; coordinate++)
        {
            Reach(coordinate, outSize, outputs);
            sum += Reached(outputs);
        }
        return sum;
    }

    /// <inheritdoc/>
    public void ResetCurrent(Span<float> current)
    {
        SynapseKernels.TileBlock(Bias, current[..Outputs]);
    }

    // The output positions one input coordinate reaches along an axis, one per tap k (-1 where none):
    // o * Stride - Padding + k = coordinate  =>  o = (coordinate + Padding - k) / Stride, when it divides and is in range.
    private void Reach(int coordinate, int outSize, Span<int> outputs)
    {
        for (int k = 0; k < Kernel; k++)
        {
            int shifted = coordinate + Padding - k;
            int o = Stride == 1 ? shifted : shifted / Stride;
            outputs[k] = shifted >= 0 && (Stride == 1 || shifted % Stride == 0) && o < outSize ? o : -1;
        }
    }

    /// <summary>
    /// Kernels up to this side keep their per-input tables on the stack (at most 2 x 4 KB): no allocation per
    /// spike. Callers of <see cref="Connections"/> follow the same rule.
    /// </summary>
    public const int StackKernel = 32;

    /// <summary>
    /// The synapses of one input: for each tap (ky, kx) in row-major order whose output position exists, the
    /// weight row <c>(c * Kernel + ky) * Kernel + kx</c> and the output position <c>oy * OutWidth + ox</c>. Each
    /// is an index of an OutChannels-long vector (of weights, or of currents, rewards, feedback). Returns the
    /// count. Every operation on an input walks this list, so the geometry (and its divisions) is worked out
    /// once per input, not once per tap. Both spans need room for Kernel x Kernel entries.
    /// </summary>
    public int Connections(int input, Span<int> weightRows, Span<int> positions)
    {
        int c = input % InChannels, pixel = input / InChannels;
        int y = pixel / InWidth, x = pixel % InWidth;
        Span<int> rows = Kernel <= StackKernel ? stackalloc int[Kernel] : new int[Kernel];
        Span<int> columns = Kernel <= StackKernel ? stackalloc int[Kernel] : new int[Kernel];
        Reach(y, OutHeight, rows);
        Reach(x, OutWidth, columns);
        int count = 0;
        for (int ky = 0; ky < Kernel; ky++)
        {
            if (rows[ky] < 0) continue;
            for (int kx = 0; kx < Kernel; kx++)
            {
                if (columns[kx] < 0) continue;
                weightRows[count] = (c * Kernel + ky) * Kernel + kx;
                positions[count] = rows[ky] * OutWidth + columns[kx];
                count++;
            }
        }
        return count;
    }

    /// <summary>
    /// The synapses of one input as runs along kernel rows (<see cref="TapRun"/>), in the order of
    /// <see cref="Connections"/>: with stride 1, one run per kernel row that reaches an output row, its taps' weight
    /// rows contiguous in <see cref="Weights"/> and their positions contiguous (backwards) in the output, so a run is
    /// one sweep over Count x OutChannels weights; with a larger stride one run per tap. Returns the count;
    /// <paramref name="runs"/> needs room for Kernel x Kernel entries.
    /// </summary>
    public int Runs(int input, Span<TapRun> runs)
    {
        if (Stride != 1)
        {
            int taps = Kernel * Kernel;
            Span<int> weightRows = Kernel <= StackKernel ? stackalloc int[taps] : new int[taps];
            Span<int> positions = Kernel <= StackKernel ? stackalloc int[taps] : new int[taps];
            int count = Connections(input, weightRows, positions);
            for (int s = 0; s < count; s++) runs[s] = new TapRun(weightRows[s], positions[s], 1);
            return count;
        }
        TapRun first;
        int rows;
        if (_runTable is { } table)
        {
            first = new TapRun(table[4 * input], table[4 * input + 1], table[4 * input + 3]);
            rows = table[4 * input + 2];
        }
        else (first, rows) = RunBlock(input);
        // The next kernel row's weights are Kernel rows further on; its output row is one row up.
        for (int r = 0; r < rows; r++) runs[r] = new TapRun(first.WeightRow + r * Kernel, first.Position - r * OutWidth, first.Count);
        return rows;
    }

    /// <summary>
    /// Stride 1 only: the runs <see cref="Runs"/> lists for an input, as one block: <c>Rows</c> runs, run r being
    /// <c>TapRun(First.WeightRow + r * Kernel, First.Position - r * OutWidth, First.Count)</c> (Rows 0: the input
    /// reaches no output). A block is a rectangle of taps, so one sweep covers all of an input's synapses.
    /// </summary>
    /// <exception cref="InvalidOperationException">The stride is not 1.</exception>
    public (TapRun First, int Rows) TapBlock(int input)
    {
        if (Stride != 1) throw new InvalidOperationException("tap blocks exist for stride 1 only.");
        if ((uint)input >= (uint)Inputs) throw new ArgumentOutOfRangeException(nameof(input));
        if (_runTable is not { } table) return RunBlock(input);
        return (new TapRun(table[4 * input], table[4 * input + 1], table[4 * input + 3]), table[4 * input + 2]);
    }

    /// <summary>
    /// Event-driven: each fired input adds, for every output position its receptive fields cover, the
    /// kernel slice W[c, ky, kx, :] to that position's OutChannels currents. Every current sums its inputs in
    /// ascending input order: <paramref name="fired"/> lists each input once, ascending, as a layer's spikes and pooled
    /// spikes are listed (the window kernels sum in that order whatever the list's order).
    /// </summary>
    public void DeliverSpikes(ReadOnlySpan<int> fired, Span<float> current) => DeliverSpikes(fired, current, fromRest: false);

    /// <inheritdoc/>
    /// <remarks>The spike-window kernels start each position's sums from the bias: no tiled copy of it is written and read back.</remarks>
    public void DeliverSpikesFromRest(ReadOnlySpan<int> fired, Span<float> current) => DeliverSpikes(fired, current, fromRest: true);

    private void DeliverSpikes(ReadOnlySpan<int> fired, Span<float> current, bool fromRest)
    {
        if (_windowRows is { } windowRows)
        {
            // The same sums in the same (ascending input) order as the tap walk on a sorted list, by output window.
            var marks = ClearMarks(Inputs);
            try
            {
                ConvKernels.Mark(fired, Inputs, marks);
                ConvKernels.DeliverSpikeWindows(marks, Weights, windowRows, Geometry, current, fromRest ? Bias : default);
            }
            finally { marks.Clear(); }
            return;
        }
        if (fromRest) ResetCurrent(current);
        foreach (int i in fired) Deliver(i, 1f, current);
    }

    /// <inheritdoc/>
    public void DeliverAnalog(ReadOnlySpan<float> input, Span<float> current)
    {
        if (_analogRows && input.Length == Inputs)
        {
            // The same sums in the same (ascending input) order as the walk below, by output rows.
            var s = AnalogRowsScratch.For(Geometry);
            ConvInputCorrelation.Expand(input, Geometry, s.Expanded, s.RowHasInput);
            ConvAnalogRows.TileWeights(Weights, Geometry, s.Tiled);
            ConvAnalogRows.Deliver(s.Expanded, s.RowHasInput, s.Tiled, Geometry, current);
            return;
        }
        for (int i = 0; i < input.Length; i++)
            if (input[i] != 0f) Deliver(i, input[i], current);
    }

    private void Deliver(int input, float x, Span<float> current)
    {
        int n = OutChannels;
        if (Stride == 1)
        {
            var (first, rows) = TapBlock(input);
            SynapseKernels.AddScaledBlockGrid(x, Weights, first.WeightRow * n, Kernel * n, n, current, first.Position * n, -OutWidth * n, -n, rows, first.Count, n);
            return;
        }
        Span<TapRun> runs = Kernel <= StackKernel ? stackalloc TapRun[Kernel * Kernel] : new TapRun[Kernel * Kernel];
        int count = Runs(input, runs);
        foreach (var run in runs[..count])
            SynapseKernels.AddScaledBlocks(x, Weights, run.WeightRow * n, n, current, run.Position * n, -n, run.Count, n);
    }

    /// <inheritdoc/>
    public void AccumulateInputGradient(ReadOnlySpan<float> input, ReadOnlySpan<float> outputGradient, Span<float> inputGradient)
    {
        for (int i = 0; i < Inputs; i++) inputGradient[i] += Backprojection(i, outputGradient);
    }

    /// <summary>sum_j w_ij g_j over the neurons j that input <paramref name="input"/> reaches: (W^T g) at that input.</summary>
    public float Backprojection(int input, ReadOnlySpan<float> g)
    {
        int n = OutChannels;
        if (Stride == 1)
        {
            var (first, rows) = TapBlock(input);
            return SynapseKernels.DotGridByLanes(Weights, first.WeightRow * n, Kernel * n, n, g, first.Position * n, -OutWidth * n, -n, rows, first.Count, n);
        }
        Span<TapRun> runs = Kernel <= StackKernel ? stackalloc TapRun[Kernel * Kernel] : new TapRun[Kernel * Kernel];
        int count = Runs(input, runs);
        float sum = 0f;
        foreach (var run in runs[..count])
            sum = SynapseKernels.DotBlocks(sum, Weights, run.WeightRow * n, n, g, run.Position * n, -n, run.Count, n);
        return sum;
    }

    ISynapses ISynapses.Clone() => Clone();

    /// <summary>A deep copy.</summary>
    public Conv2dSynapses Clone()
    {
        var copy = new Conv2dSynapses(InHeight, InWidth, InChannels, OutChannels, Kernel, Stride, Padding);
        Weights.CopyTo(copy.Weights, 0);
        Bias.CopyTo(copy.Bias, 0);
        return copy;
    }
}
