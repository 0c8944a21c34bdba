using SpikeLfp.Network.Encoding;
using SpikeLfp.Network.Model;
using SpikeLfp.Network.Synapses;
using SpikeLfp.Neurons;

namespace SpikeLfp.Network.Simulation;

/// <summary>
/// Everything a batch simulation leaves behind for learning and recording: per layer the weighted input
/// z_t (recurrent part included), the neuron state after each step (membrane u_t, and the synaptic current i_t
/// of current-based neurons) and the spikes as event lists. Arrays are sample-major [sample, step, neuron] and
/// sized once for the largest batch, then reused (no allocation per batch or step).
/// </summary>
public sealed class ForwardTrace
{
    /// <summary>Allocates a trace for a constant-current (<paramref name="spikingInput"/> false) or spiking input.</summary>
    public ForwardTrace(SpikingNetwork network, int capacity, int steps, bool spikingInput)
        : this(network, capacity, steps, spikingInput ? InputKind.Spikes : InputKind.ConstantCurrent) { }

    /// <summary>Allocates a trace for <paramref name="capacity"/> samples and <paramref name="steps"/> steps.</summary>
    public ForwardTrace(SpikingNetwork network, int capacity, int steps, InputKind input) : this(network, capacity, steps, input, stateRows: 0) { }

    /// <summary>
    /// Allocates a trace for <paramref name="capacity"/> samples and <paramref name="steps"/> steps whose hidden layers
    /// keep their per-step states (currents z_t, membranes, synaptic currents) for only <paramref name="stateRows"/>
    /// samples at a time: those being simulated (see <see cref="KeepsAllStates"/>); 0 keeps them for every sample.
    /// </summary>
    public ForwardTrace(SpikingNetwork network, int capacity, int steps, InputKind input, int stateRows)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(stateRows);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(steps);
        CheckSize(network, capacity, steps, input);
        Capacity = capacity;
        Steps = steps;
        InputSize = network.InputSize;
        Input = input;
        InputCurrent = input switch
        {
            InputKind.ConstantCurrent => CacheLineArrays.Floats(capacity * network.InputSize),
            InputKind.CurrentSequence => CacheLineArrays.Floats(capacity * steps * network.InputSize),
            _ => [],
        };
        InputSpikes = input == InputKind.Spikes ? new SpikeTrain(capacity, steps, network.InputSize) : null;
        var first = network.Layers[0];
        // A constant input drives the first layer with the same current at every step, stored once, unless
        // recurrent synapses add to it step by step: then the constant part is kept apart (InputDrive).
        bool constantFirst = input == InputKind.ConstantCurrent;
        InputDrive = constantFirst && first.IsRecurrent ? new float[capacity * first.Size] : [];
        if (stateRows > 0)
        {
            StateRows = Math.Min(stateRows, capacity);
            _stateRowOf = new int[capacity];
            Array.Fill(_stateRowOf, -1);
            _freeStateRows = new Stack<int>(Enumerable.Range(0, Math.Min(stateRows, capacity)).Reverse());
        }
        int last = network.Layers.Count - 1;
        Layers = network.Layers.Select((l, k) => new LayerTrace(l.Size, capacity, steps,
            constantCurrent: k == 0 && constantFirst && !first.IsRecurrent, synaptic: l.Neuron.HasSynapticCurrent, recurrent: l.IsRecurrent,
            spiking: l.Neuron.Spikes, pooledInputs: PooledSpikeInputs(network, k, input),
            // The output layer keeps every sample's states (predictions of a readout read its membranes after the batch), and
            // an analog first layer its currents (computed for the whole batch before any sample is simulated).
            stateRowOf: k < last ? _stateRowOf : null, currentRowOf: k < last && (k > 0 || input == InputKind.Spikes) ? _stateRowOf : null,
            stateRows: Math.Min(stateRows, capacity))).ToArray();
    }

    // Pooled inputs of layer k's connection when it max-pools spikes (its pooled spike lists are kept); 0 otherwise.
    private static int PooledSpikeInputs(SpikingNetwork network, int k, InputKind input)
        => network.Layers[k].Connection is PooledSynapses { Pool: PoolKind.Max } pool && (k > 0 || input == InputKind.Spikes) ? pool.PooledInputs : 0;

    /// <summary>
    /// The max-pooled spikes layer <paramref name="layer"/>'s connection received from sample <paramref name="sample"/>
    /// (<see cref="LayerTrace.PooledInput"/>), when this fill's forward pass kept them: learning rules then read them
    /// instead of pooling the spikes below again. False when the connection does not max-pool spikes, or the lists
    /// are not from this <see cref="Fill"/> (another backend's forward pass, a trace edited by hand).
    /// </summary>
    public bool TryPooledInput(int layer, int sample, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out SpikeTrain? pooled)
    {
        var lt = Layers[layer];
        pooled = lt.PooledInput is { } train && Fill > 0 && lt.PooledInputFill(sample) == Fill ? train : null;
        return pooled is not null;
    }

    // Sample -> row of the hidden layers' states while the sample is simulated (-1 otherwise); null when every sample keeps its own.
    private readonly int[]? _stateRowOf;
    private readonly Stack<int>? _freeStateRows;

    /// <summary>
    /// True when every sample keeps its hidden layers' per-step states after the forward pass. False for a trace made
    /// with state rows: a sample's states exist from <see cref="BeginSample"/> to <see cref="EndSample"/> (on a
    /// <see cref="Backends.CpuBackend"/>, its simulation and the afterSample callback), then its row goes to another sample.
    /// Spikes, the output layer and an analog first layer's currents are always kept for every sample.
    /// </summary>
    public bool KeepsAllStates => _stateRowOf is null;

    /// <summary>Rows of hidden-layer states (0 when <see cref="KeepsAllStates"/>).</summary>
    public int StateRows { get; }

    /// <summary>Gives sample <paramref name="sample"/> a row for its states (nothing to do when <see cref="KeepsAllStates"/>).</summary>
    /// <exception cref="InvalidOperationException">More samples at once than the trace has state rows.</exception>
    public void BeginSample(int sample)
    {
        if (_stateRowOf is null) return;
        lock (_freeStateRows!)
        {
            if (_freeStateRows.Count == 0)
                throw new InvalidOperationException("more samples are being simulated at once than the trace has state rows; allocate it with as many rows as threads.");
            _stateRowOf[sample] = _freeStateRows.Pop();
        }
    }

    /// <summary>Frees the row of sample <paramref name="sample"/>'s states for the next sample.</summary>
    public void EndSample(int sample)
    {
        if (_stateRowOf is null) return;
        lock (_freeStateRows!)
        {
            _freeStateRows.Push(_stateRowOf[sample]);
            _stateRowOf[sample] = -1;
        }
    }

    /// <summary>The part of the memory available to this process (<see cref="SizeLimitException.AvailableMemoryBytes"/>) one trace may take.</summary>
    public const double MemoryFraction = 0.5;

    /// <summary>
    /// Bytes a trace of <paramref name="capacity"/> samples and <paramref name="steps"/> steps takes, counted in 64 bits,
    /// and the largest array in it, in elements: per layer the current, the membrane, the synaptic current of
    /// current-based neurons and the spike indices, each [sample, step, neuron], and the pooled spike lists of connections
    /// that max-pool spikes, [sample, step, pooled input].
    /// </summary>
    public static (long Bytes, long LargestArray) Size(SpikingNetwork network, long capacity, long steps, InputKind input)
    {
        long bytes = 0, largest = 0;
        void Add(long elements, int copies = 1)
        {
            bytes += elements * copies * sizeof(float);
            largest = Math.Max(largest, elements);
        }
        Add(input == InputKind.CurrentSequence ? capacity * steps * network.InputSize : capacity * network.InputSize);
        if (input == InputKind.Spikes) Add(capacity * steps * network.InputSize);
        for (int k = 0; k < network.Layers.Count; k++)
        {
            var layer = network.Layers[k];
            long elements = capacity * steps * layer.Size;
            bool constant = k == 0 && input == InputKind.ConstantCurrent && !layer.IsRecurrent;
            Add(constant ? capacity * layer.Size : elements);
            Add(elements, layer.Neuron.HasSynapticCurrent ? 3 : 2);
            if (PooledSpikeInputs(network, k, input) is > 0 and var pooled) Add(capacity * steps * pooled);
        }
        return (bytes, largest);
    }

    /// <summary>
    /// The largest batch, at most <paramref name="wanted"/>, whose trace fits (see <see cref="CheckSize"/>); 0 when not
    /// even one sample does. Evaluation uses it so that a long simulation evaluates in smaller batches instead of failing.
    /// </summary>
    public static int LargestBatch(SpikingNetwork network, int wanted, int steps, InputKind input)
    {
        var (bytes, largest) = Size(network, 1, steps, input);
        long byMemory = (long)(SizeLimitException.AvailableMemoryBytes * MemoryFraction) / Math.Max(1, bytes);
        long byArray = Array.MaxLength / Math.Max(1, largest);
        return (int)Math.Min(wanted, Math.Min(byMemory, byArray));
    }

    /// <summary>
    /// Throws before any allocation when a trace of this size cannot be held: an array longer than .NET allows, or
    /// more than <see cref="MemoryFraction"/> of the memory available to this process.
    /// </summary>
    /// <exception cref="SizeLimitException">The message names the size and the limit.</exception>
    public static void CheckSize(SpikingNetwork network, int capacity, int steps, InputKind input)
    {
        var (bytes, largest) = Size(network, capacity, steps, input);
        string shape = $"{capacity} samples x {steps} steps x {network.Layers.Max(l => l.Size)} neurons";
        if (largest > Array.MaxLength)
            throw new SizeLimitException($"a simulation of {shape} needs {largest} values in one array, more than the limit of {Array.MaxLength}; use fewer steps, samples or neurons.");
        long budget = (long)(SizeLimitException.AvailableMemoryBytes * MemoryFraction);
        if (bytes > budget)
            throw new SizeLimitException($"a simulation of {shape} needs {SizeLimitException.Describe(bytes)}, more than the limit of {SizeLimitException.Describe(budget)} (half of this machine's {SizeLimitException.Describe(SizeLimitException.AvailableMemoryBytes)}); use fewer steps, samples or neurons.");
    }

    /// <summary>Largest batch the trace holds.</summary>
    public int Capacity { get; }
    /// <summary>
    /// Samples in the current batch. A backend's forward pass sets it first when it fills the trace, which counts as
    /// a new <see cref="Fill"/>.
    /// </summary>
    public int Batch
    {
        get => _batch;
        set { _batch = value; Fill++; }
    }
    private int _batch;

    /// <summary>
    /// How many times the trace has been filled (each setting of <see cref="Batch"/>). A device backend keeps its own
    /// copy of a trace it filled and reuses it only while this count is unchanged; a trace edited by hand after its
    /// forward pass should have <see cref="Batch"/> set again so the copy is refreshed.
    /// </summary>
    public long Fill { get; private set; }
    /// <summary>Time steps.</summary>
    public int Steps { get; }
    /// <summary>Inputs per sample.</summary>
    public int InputSize { get; }
    /// <summary>What the first layer receives.</summary>
    public InputKind Input { get; }
    /// <summary>True when the first layer receives spikes; false for an analog current.</summary>
    public bool SpikingInput => Input == InputKind.Spikes;
    /// <summary>The analog input x: [sample, input] for a constant current, [sample, step, input] for a sequence; empty for spikes.</summary>
    public float[] InputCurrent { get; }
    /// <summary>A recurrent first layer under a constant input: W x + b per sample, [sample, neuron]; empty otherwise.</summary>
    public float[] InputDrive { get; }
    /// <summary>Input spikes (spiking input only).</summary>
    public SpikeTrain? InputSpikes { get; }
    /// <summary>Per-layer traces, input side first.</summary>
    public LayerTrace[] Layers { get; }

    /// <summary>True when this trace can hold a batch of <paramref name="network"/> simulated for <paramref name="steps"/> steps.</summary>
    public bool Fits(SpikingNetwork network, int batch, int steps, bool spikingInput)
        => Fits(network, batch, steps, spikingInput ? InputKind.Spikes : InputKind.ConstantCurrent);

    /// <summary>True when this trace can hold a batch of <paramref name="network"/> simulated for <paramref name="steps"/> steps.</summary>
    public bool Fits(SpikingNetwork network, int batch, int steps, InputKind input)
        => batch <= Capacity && steps == Steps && input == Input && network.InputSize == InputSize
           && network.Layers.Count == Layers.Length
           && network.Layers.Select(l => (l.Size, l.Neuron.HasSynapticCurrent, l.IsRecurrent, l.Neuron.Spikes))
                .SequenceEqual(Layers.Select(l => (l.Size, l.HasSynapticCurrent, l.IsRecurrent, l.IsSpiking)));
}

/// <summary>One layer's part of a <see cref="ForwardTrace"/>.</summary>
public sealed class LayerTrace
{
    internal LayerTrace(int size, int capacity, int steps, bool constantCurrent, bool synaptic, bool recurrent, bool spiking = true,
        int[]? stateRowOf = null, int[]? currentRowOf = null, int stateRows = 0, int pooledInputs = 0)
    {
        _stateRowOf = stateRowOf;
        _currentRowOf = constantCurrent ? null : currentRowOf;
        if (stateRowOf is null) stateRows = capacity;
        Size = size;
        IsRecurrent = recurrent;
        IsSpiking = spiking;
        Steps = steps;
        ConstantCurrent = constantCurrent;
        Current = CacheLineArrays.Floats((_currentRowOf is null ? capacity : stateRows) * (constantCurrent ? 1 : steps) * size);
        Membrane = CacheLineArrays.Floats(stateRows * steps * size);
        Synaptic = synaptic ? CacheLineArrays.Floats(stateRows * steps * size) : [];
        SpikeScratch = CacheLineArrays.Floats(capacity * size);
        Spikes = new SpikeTrain(capacity, steps, size);
        if (pooledInputs > 0)
        {
            PooledInput = new SpikeTrain(capacity, steps, pooledInputs);
            _pooledInputFill = new long[capacity];
        }
    }

    /// <summary>Neurons in the layer.</summary>
    public int Size { get; }
    /// <summary>Time steps.</summary>
    public int Steps { get; }
    /// <summary>False for a non-spiking readout (LI): its output is its membrane.</summary>
    public bool IsSpiking { get; }
    /// <summary>True when the layer has recurrent synapses (its current includes V s_{t-1} + b_V).</summary>
    public bool IsRecurrent { get; }
    /// <summary>True when the current is the same at every step (stored once per sample).</summary>
    public bool ConstantCurrent { get; }
    /// <summary>Synaptic current z_t = W x_t + b, [sample, step, neuron] or [sample, neuron] when constant.</summary>
    public float[] Current { get; }
    /// <summary>Membrane u_t after step t, [sample, step, neuron].</summary>
    public float[] Membrane { get; }
    /// <summary>Synaptic current i_t after step t, [sample, step, neuron] (current-based neurons; empty otherwise).</summary>
    public float[] Synaptic { get; }
    /// <summary>True when the layer's neurons keep a synaptic current.</summary>
    public bool HasSynapticCurrent => Synaptic.Length > 0;
    /// <summary>Spikes of the layer as event lists.</summary>
    public SpikeTrain Spikes { get; }
    /// <summary>
    /// When the layer's connection max-pools spikes: the pooled inputs it received, per (sample, step), ascending. Pooled
    /// once in the forward pass and read by learning through <see cref="ForwardTrace.TryPooledInput"/>; null otherwise.
    /// </summary>
    public SpikeTrain? PooledInput { get; }
    // Per sample, the trace fill whose forward pass listed its pooled input (0: none).
    private readonly long[] _pooledInputFill = [];

    internal long PooledInputFill(int sample) => _pooledInputFill[sample];

    /// <summary>Records that sample <paramref name="sample"/>'s pooled input lists are complete for trace fill <paramref name="fill"/>.</summary>
    internal void MarkPooledInput(int sample, long fill) => _pooledInputFill[sample] = fill;

    /// <summary>Per-sample scratch for the dense 0/1 spike vector of the step being computed.</summary>
    internal float[] SpikeScratch { get; }

    // Where a sample's states are (ForwardTrace.KeepsAllStates): its own rows, or the row it holds while it is simulated.
    private readonly int[]? _stateRowOf, _currentRowOf;

    /// <summary>True when this layer keeps the states of every sample (see <see cref="ForwardTrace.KeepsAllStates"/>).</summary>
    public bool KeepsAllStates => _stateRowOf is null;

    private int StateRow(int sample) => _stateRowOf is null ? sample : _stateRowOf[sample];

    /// <summary>z_t of one sample.</summary>
    public Span<float> CurrentAt(int sample, int step)
        => Current.AsSpan(ConstantCurrent ? sample * Size : ((_currentRowOf is null ? sample : _currentRowOf[sample]) * Steps + step) * Size, Size);

    /// <summary>u_t of one sample.</summary>
    public Span<float> MembraneAt(int sample, int step) => Membrane.AsSpan((StateRow(sample) * Steps + step) * Size, Size);

    /// <summary>u_t of one sample for every step, [step, neuron].</summary>
    public Span<float> MembranesOf(int sample) => Membrane.AsSpan(StateRow(sample) * Steps * Size, Steps * Size);

    /// <summary>i_t of one sample (empty for neurons without a synaptic current).</summary>
    public Span<float> SynapticAt(int sample, int step)
        => HasSynapticCurrent ? Synaptic.AsSpan((StateRow(sample) * Steps + step) * Size, Size) : Span<float>.Empty;

    /// <summary>The neuron state after step t of one sample; step -1 is the resting state.</summary>
    public NeuronState StateAt(int sample, int step)
        => step < 0 ? NeuronState.Rest : new NeuronState(MembraneAt(sample, step), SynapticAt(sample, step));
}
