using ILGPU;
using ILGPU.Runtime;
using SpikeLfp.Gpu.Kernels;
using SpikeLfp.Network.Encoding;
using SpikeLfp.Network.Model;
using SpikeLfp.Neurons;

namespace SpikeLfp.Gpu;

/// <summary>
/// Device memory of one network shape, batch capacity and step count: parameters, the device-side trace
/// ([sample, step, neuron], spikes dense 0/1) and LFP buffers, allocated once and reused for every batch.
/// </summary>
internal sealed class DeviceModel : IDisposable
{
    private readonly List<IDisposable> _owned = [];

    /// <exception cref="SpikeLfp.Network.SizeLimitException">The buffers would not fit in the device's memory (<see cref="DeviceMemory.Check(Accelerator, SpikingNetwork, int, int, InputKind)"/>); nothing was allocated.</exception>
    public DeviceModel(Accelerator accelerator, SpikingNetwork network, int capacity, int steps, InputKind input)
    {
        DeviceMemory.Check(accelerator, network, capacity, steps, input);
        Accelerator = accelerator;
        Capacity = capacity;
        Steps = steps;
        InputKind = input;
        InputSize = network.InputSize;
        Sizes = network.Layers.Select(l => l.Size).ToArray();
        bool constant = input == InputKind.ConstantCurrent;
        Layers = network.Layers.Select((l, k) => new DeviceLayer(this, l, capacity, steps, constantInput: k == 0 && constant)).ToArray();
        long inputLength = (long)capacity * (constant ? 1 : steps) * InputSize;
        Input = Allocate<float>(inputLength);
        InputReward = Allocate<float>(inputLength);
        NormalizedRewardSum = Allocate<float>((long)capacity * Sizes[0]);
        Features = Allocate<float>(input == InputKind.Spikes ? (long)capacity * InputSize : 0);
        Labels = Allocate<int>(capacity);
        Keys = Allocate<long>(capacity);
        SampleReward = Allocate<float>(capacity);
        Predictions = Allocate<int>(capacity);
        SpikeCounts = Allocate<int>((long)capacity * Layers.Length);
        Sigmoid = Allocate<float>(steps + 1);
        Unused = Allocate<float>(1);
        long largest = Math.Max(Input.Length, Sizes.Max(n => (long)capacity * steps * n));
        Staging = new float[largest];
    }

    public Accelerator Accelerator { get; }
    public int Capacity { get; }
    public int Steps { get; }
    /// <summary>What the first layer receives: a constant current, an analog sequence or spikes.</summary>
    public InputKind InputKind { get; }
    public int InputSize { get; }
    public int[] Sizes { get; }
    public DeviceLayer[] Layers { get; }
    /// <summary>Analog x [sample, input] (constant current), x_t [sample, step, input] (sequence) or spikes [sample, step, input] (dense 0/1).</summary>
    public MemoryBuffer1D<float, Stride1D.Dense> Input { get; }
    public MemoryBuffer1D<float, Stride1D.Dense> InputReward { get; }
    public MemoryBuffer1D<float, Stride1D.Dense> NormalizedRewardSum { get; }
    /// <summary>Spiking input: the analog features [sample, input] that device-side rate coding turns into <see cref="Input"/>.</summary>
    public MemoryBuffer1D<float, Stride1D.Dense> Features { get; }
    public MemoryBuffer1D<int, Stride1D.Dense> Labels { get; }
    public MemoryBuffer1D<long, Stride1D.Dense> Keys { get; }
    public MemoryBuffer1D<float, Stride1D.Dense> SampleReward { get; }
    public MemoryBuffer1D<int, Stride1D.Dense> Predictions { get; }
    public MemoryBuffer1D<int, Stride1D.Dense> SpikeCounts { get; }
    /// <summary>1 - sigmoid(n - floor(T/2)) for n = 0..T, for the rate-coded reward.</summary>
    public MemoryBuffer1D<float, Stride1D.Dense> Sigmoid { get; }
    /// <summary>One element, passed for a view a kernel never touches for this layer's kind (LIF's synaptic current).</summary>
    public MemoryBuffer1D<float, Stride1D.Dense> Unused { get; }
    /// <summary>Host buffer for turning event lists into dense spikes and back.</summary>
    public float[] Staging { get; }
    /// <summary>The sigmoid-complement table holds values for this step count (0: not yet written).</summary>
    public int SigmoidSteps { get; set; }

    public bool Matches(SpikingNetwork network, int capacity, int steps, InputKind input)
        => capacity <= Capacity && steps == Steps && input == InputKind && network.InputSize == InputSize
           && network.Layers.Count == Layers.Length && network.Layers.Select(l => l.Size).SequenceEqual(Sizes)
           && network.Layers.Select(l => (l.Neuron, l.IsRecurrent)).SequenceEqual(Layers.Select(l => (l.Neuron, l.IsRecurrent)));

    public MemoryBuffer1D<T, Stride1D.Dense> Allocate<T>(long length) where T : unmanaged
    {
        var buffer = Accelerator.Allocate1D<T>(Math.Max(1, length));
        _owned.Add(buffer);
        AllocatedBytes += buffer.LengthInBytes;
        return buffer;
    }

    /// <summary>Device bytes of every buffer allocated so far (what <see cref="DeviceMemory.Bytes"/> predicts).</summary>
    public long AllocatedBytes { get; private set; }

    public void Dispose()
    {
        foreach (var b in _owned) b.Dispose();
        _owned.Clear();
    }
}

/// <summary>
/// One layer's device buffers. Buffers a layer's kind does not use (the synaptic current of LIF neurons, recurrent
/// synapses of a feed-forward layer) are null.
/// </summary>
internal sealed class DeviceLayer
{
    public DeviceLayer(DeviceModel model, SpikingLayer layer, int capacity, int steps, bool constantInput)
    {
        Inputs = layer.Inputs;
        Size = layer.Size;
        Neuron = layer.Neuron;
        Neurons = DeviceNeurons.From(layer.Neuron);
        ConstantInput = constantInput;
        // A recurrent layer's z_t changes with its own spikes, so even a constant input gives a per-step current.
        ConstantCurrent = constantInput && !layer.IsRecurrent;
        long perStep = (long)capacity * steps * Size, perSample = (long)capacity * Size;
        Weights = model.Allocate<float>((long)Inputs * Size);
        Bias = model.Allocate<float>(Size);
        Current = model.Allocate<float>(ConstantCurrent ? perSample : perStep);
        Membrane = model.Allocate<float>(perStep);
        Spikes = model.Allocate<float>(perStep);
        Incoming = model.Allocate<float>(perStep);
        NormalizedReward = model.Allocate<float>(perStep);
        Internal = model.Allocate<float>(perSample);
        WeightFeedback = model.Allocate<float>((long)Inputs * Size);
        BiasFeedback = model.Allocate<float>(Size);
        if (layer.Neuron.HasSynapticCurrent)
        {
            Synaptic = model.Allocate<float>(perStep);
            SynapticReward = model.Allocate<float>(perSample);
        }
        if (layer.IsRecurrent)
        {
            Recurrent = new DeviceRecurrence(model, Size, perStep, perSample);
            if (constantInput) InputDrive = model.Allocate<float>(perSample);
        }
    }

    public int Inputs { get; }
    public int Size { get; }
    public NeuronModel Neuron { get; }
    /// <summary>The neuron kind as kernels take it.</summary>
    public DeviceNeurons Neurons { get; }
    /// <summary>First layer under a constant analog input: its input is [sample, input], the same at every step.</summary>
    public bool ConstantInput { get; }
    /// <summary>The current z is stored once per sample ([sample, neuron]): a constant input into a feed-forward layer.</summary>
    public bool ConstantCurrent { get; }
    public bool IsRecurrent => Recurrent is not null;
    /// <summary>W, input-major [input, neuron] as on the host.</summary>
    public MemoryBuffer1D<float, Stride1D.Dense> Weights { get; }
    public MemoryBuffer1D<float, Stride1D.Dense> Bias { get; }
    /// <summary>z_t (recurrent part included), [sample, step, neuron] or [sample, neuron] when constant.</summary>
    public MemoryBuffer1D<float, Stride1D.Dense> Current { get; }
    /// <summary>Synaptic current i_t, [sample, step, neuron] (current-based neurons only).</summary>
    public MemoryBuffer1D<float, Stride1D.Dense>? Synaptic { get; }
    public MemoryBuffer1D<float, Stride1D.Dense> Membrane { get; }
    public MemoryBuffer1D<float, Stride1D.Dense> Spikes { get; }
    /// <summary>A_t, reward arriving at the layer's spikes.</summary>
    public MemoryBuffer1D<float, Stride1D.Dense> Incoming { get; }
    /// <summary>Reward per unit of z_t: rho_t, or q_t for current-based neurons.</summary>
    public MemoryBuffer1D<float, Stride1D.Dense> NormalizedReward { get; }
    /// <summary>The membrane's running internal reward I, [sample, neuron].</summary>
    public MemoryBuffer1D<float, Stride1D.Dense> Internal { get; }
    /// <summary>The synaptic current's running alpha q, [sample, neuron] (current-based neurons only).</summary>
    public MemoryBuffer1D<float, Stride1D.Dense>? SynapticReward { get; }
    public MemoryBuffer1D<float, Stride1D.Dense> WeightFeedback { get; }
    public MemoryBuffer1D<float, Stride1D.Dense> BiasFeedback { get; }
    /// <summary>Recurrent synapses and their buffers (recurrent layers only).</summary>
    public DeviceRecurrence? Recurrent { get; }
    /// <summary>A recurrent first layer under a constant input: W x + b, [sample, neuron] (ForwardTrace.InputDrive).</summary>
    public MemoryBuffer1D<float, Stride1D.Dense>? InputDrive { get; }

    /// <summary>What drives the membrane: the synaptic current i_t for current-based neurons, z_t otherwise.</summary>
    public MemoryBuffer1D<float, Stride1D.Dense> MembraneDrive => Synaptic ?? Current;
    /// <summary>True when <see cref="MembraneDrive"/> is stored once per sample.</summary>
    public bool ConstantDrive => ConstantCurrent && Synaptic is null;

    /// <summary>The trainable buffers in SpikingLayer.Parameters' order: W, b, then V, b_V for a recurrent layer.</summary>
    public IEnumerable<MemoryBuffer1D<float, Stride1D.Dense>> Parameters()
        => Recurrent is { } r ? [Weights, Bias, r.Weights, r.Bias] : [Weights, Bias];

    /// <summary>The feedback buffers in <see cref="Parameters"/>' order.</summary>
    public IEnumerable<MemoryBuffer1D<float, Stride1D.Dense>> Feedback()
        => Recurrent is { } r ? [WeightFeedback, BiasFeedback, r.WeightFeedback, r.BiasFeedback] : [WeightFeedback, BiasFeedback];
}

/// <summary>A layer's recurrent synapses V, b_V (size x size) on the device, their feedback and LFP scratch.</summary>
internal sealed class DeviceRecurrence
{
    public DeviceRecurrence(DeviceModel model, int size, long perStep, long perSample)
    {
        Weights = model.Allocate<float>((long)size * size);
        Bias = model.Allocate<float>(size);
        WeightFeedback = model.Allocate<float>((long)size * size);
        BiasFeedback = model.Allocate<float>(size);
        DelayedSpikes = model.Allocate<float>(perStep);
        StepReward = model.Allocate<float>(perSample);
    }

    /// <summary>V, presynaptic-major [pre, post] as on the host.</summary>
    public MemoryBuffer1D<float, Stride1D.Dense> Weights { get; }
    public MemoryBuffer1D<float, Stride1D.Dense> Bias { get; }
    public MemoryBuffer1D<float, Stride1D.Dense> WeightFeedback { get; }
    public MemoryBuffer1D<float, Stride1D.Dense> BiasFeedback { get; }
    /// <summary>s_{t-1} at row (b, t), zero at t = 0: the presynaptic side of F_V as one product.</summary>
    public MemoryBuffer1D<float, Stride1D.Dense> DelayedSpikes { get; }
    /// <summary>q_t V^T of the step being processed, [sample, neuron], before the spike mask.</summary>
    public MemoryBuffer1D<float, Stride1D.Dense> StepReward { get; }
}
