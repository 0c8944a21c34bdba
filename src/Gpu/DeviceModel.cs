using ILGPU;
using ILGPU.Runtime;
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

    public DeviceModel(Accelerator accelerator, SpikingNetwork network, int capacity, int steps, bool spikingInput)
    {
        Accelerator = accelerator;
        Capacity = capacity;
        Steps = steps;
        SpikingInput = spikingInput;
        InputSize = network.InputSize;
        Sizes = network.Layers.Select(l => l.Size).ToArray();
        Layers = network.Layers.Select((l, k) => new DeviceLayer(this, l.Inputs, l.Size, l.Neurons, capacity, steps, k == 0 && !spikingInput)).ToArray();
        Input = Allocate<float>((long)capacity * (spikingInput ? steps : 1) * InputSize);
        InputReward = Allocate<float>((long)capacity * (spikingInput ? steps : 1) * InputSize);
        NormalizedRewardSum = Allocate<float>((long)capacity * Sizes[0]);
        Labels = Allocate<int>(capacity);
        Keys = Allocate<long>(capacity);
        SampleReward = Allocate<float>(capacity);
        Predictions = Allocate<int>(capacity);
        SpikeCounts = Allocate<int>((long)capacity * Layers.Length);
        Sigmoid = Allocate<float>(steps + 1);
        long largest = Math.Max(Input.Length, Sizes.Max(n => (long)capacity * steps * n));
        Staging = new float[largest];
    }

    public Accelerator Accelerator { get; }
    public int Capacity { get; }
    public int Steps { get; }
    public bool SpikingInput { get; }
    public int InputSize { get; }
    public int[] Sizes { get; }
    public DeviceLayer[] Layers { get; }
    /// <summary>Analog x [sample, input], or input spikes [sample, step, input] (dense 0/1).</summary>
    public MemoryBuffer1D<float, Stride1D.Dense> Input { get; }
    public MemoryBuffer1D<float, Stride1D.Dense> InputReward { get; }
    public MemoryBuffer1D<float, Stride1D.Dense> NormalizedRewardSum { get; }
    public MemoryBuffer1D<int, Stride1D.Dense> Labels { get; }
    public MemoryBuffer1D<long, Stride1D.Dense> Keys { get; }
    public MemoryBuffer1D<float, Stride1D.Dense> SampleReward { get; }
    public MemoryBuffer1D<int, Stride1D.Dense> Predictions { get; }
    public MemoryBuffer1D<int, Stride1D.Dense> SpikeCounts { get; }
    /// <summary>sigmoid(n - floor(T/2)) for n = 0..T, for the rate-coded reward.</summary>
    public MemoryBuffer1D<float, Stride1D.Dense> Sigmoid { get; }
    /// <summary>Host buffer for turning event lists into dense spikes and back.</summary>
    public float[] Staging { get; }
    /// <summary>The sigmoid table holds values for this step count (0: not yet written).</summary>
    public int SigmoidSteps { get; set; }

    public bool Matches(SpikingNetwork network, int capacity, int steps, bool spikingInput)
        => capacity <= Capacity && steps == Steps && spikingInput == SpikingInput && network.InputSize == InputSize
           && network.Layers.Count == Layers.Length && network.Layers.Select(l => l.Size).SequenceEqual(Sizes)
           && network.Layers.Select(l => l.Neurons).SequenceEqual(Layers.Select(l => l.Neurons));

    public MemoryBuffer1D<T, Stride1D.Dense> Allocate<T>(long length) where T : unmanaged
    {
        var buffer = Accelerator.Allocate1D<T>(Math.Max(1, length));
        _owned.Add(buffer);
        return buffer;
    }

    public void Dispose()
    {
        foreach (var b in _owned) b.Dispose();
        _owned.Clear();
    }
}

/// <summary>One layer's device buffers.</summary>
internal sealed class DeviceLayer
{
    public DeviceLayer(DeviceModel model, int inputs, int size, LifParameters neurons, int capacity, int steps, bool constantCurrent)
    {
        Inputs = inputs;
        Size = size;
        Neurons = neurons;
        ConstantCurrent = constantCurrent;
        long perStep = (long)capacity * steps * size;
        Weights = model.Allocate<float>((long)inputs * size);
        Bias = model.Allocate<float>(size);
        Current = model.Allocate<float>(constantCurrent ? (long)capacity * size : perStep);
        Membrane = model.Allocate<float>(perStep);
        Spikes = model.Allocate<float>(perStep);
        Incoming = model.Allocate<float>(perStep);
        NormalizedReward = model.Allocate<float>(perStep);
        Internal = model.Allocate<float>((long)capacity * size);
        WeightFeedback = model.Allocate<float>((long)inputs * size);
        BiasFeedback = model.Allocate<float>(size);
    }

    public int Inputs { get; }
    public int Size { get; }
    public LifParameters Neurons { get; }
    public bool ConstantCurrent { get; }
    /// <summary>W, input-major [input, neuron] as on the host.</summary>
    public MemoryBuffer1D<float, Stride1D.Dense> Weights { get; }
    public MemoryBuffer1D<float, Stride1D.Dense> Bias { get; }
    /// <summary>z_t, [sample, step, neuron] or [sample, neuron] when constant.</summary>
    public MemoryBuffer1D<float, Stride1D.Dense> Current { get; }
    public MemoryBuffer1D<float, Stride1D.Dense> Membrane { get; }
    public MemoryBuffer1D<float, Stride1D.Dense> Spikes { get; }
    /// <summary>A_t, reward arriving at the layer's spikes.</summary>
    public MemoryBuffer1D<float, Stride1D.Dense> Incoming { get; }
    public MemoryBuffer1D<float, Stride1D.Dense> NormalizedReward { get; }
    public MemoryBuffer1D<float, Stride1D.Dense> Internal { get; }
    public MemoryBuffer1D<float, Stride1D.Dense> WeightFeedback { get; }
    public MemoryBuffer1D<float, Stride1D.Dense> BiasFeedback { get; }
}
