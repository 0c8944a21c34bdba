using SpikeLfp.Network.Encoding;
using SpikeLfp.Network.Model;

namespace SpikeLfp.Network.Simulation;

/// <summary>
/// Everything a batch simulation leaves behind for learning and recording: per layer the synaptic current
/// z_t, the membrane u_t after each step and the spikes as event lists. Arrays are sample-major
/// [sample, step, neuron] and sized once for the largest batch, then reused (no allocation per batch or step).
/// </summary>
public sealed class ForwardTrace
{
    /// <summary>Allocates a trace for <paramref name="capacity"/> samples and <paramref name="steps"/> steps.</summary>
    public ForwardTrace(SpikingNetwork network, int capacity, int steps, bool spikingInput)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(steps);
        Capacity = capacity;
        Steps = steps;
        InputSize = network.InputSize;
        SpikingInput = spikingInput;
        InputCurrent = spikingInput ? [] : new float[capacity * network.InputSize];
        InputSpikes = spikingInput ? new SpikeTrain(capacity, steps, network.InputSize) : null;
        Layers = network.Layers.Select((l, k) => new LayerTrace(l.Size, capacity, steps, constantCurrent: k == 0 && !spikingInput)).ToArray();
    }

    /// <summary>Largest batch the trace holds.</summary>
    public int Capacity { get; }
    /// <summary>Samples in the current batch.</summary>
    public int Batch { get; set; }
    /// <summary>Time steps.</summary>
    public int Steps { get; }
    /// <summary>Inputs per sample.</summary>
    public int InputSize { get; }
    /// <summary>True when the first layer receives spikes; false for a constant analog current.</summary>
    public bool SpikingInput { get; }
    /// <summary>The analog input x, [sample, input] (constant-current input only).</summary>
    public float[] InputCurrent { get; }
    /// <summary>Input spikes (spiking input only).</summary>
    public SpikeTrain? InputSpikes { get; }
    /// <summary>Per-layer traces, input side first.</summary>
    public LayerTrace[] Layers { get; }

    /// <summary>True when this trace can hold a batch of <paramref name="network"/> simulated for <paramref name="steps"/> steps.</summary>
    public bool Fits(SpikingNetwork network, int batch, int steps, bool spikingInput)
        => batch <= Capacity && steps == Steps && spikingInput == SpikingInput && network.InputSize == InputSize
           && network.Layers.Count == Layers.Length && network.Layers.Select(l => l.Size).SequenceEqual(Layers.Select(l => l.Size));
}

/// <summary>One layer's part of a <see cref="ForwardTrace"/>.</summary>
public sealed class LayerTrace
{
    internal LayerTrace(int size, int capacity, int steps, bool constantCurrent)
    {
        Size = size;
        Steps = steps;
        ConstantCurrent = constantCurrent;
        Current = new float[capacity * (constantCurrent ? 1 : steps) * size];
        Membrane = new float[capacity * steps * size];
        SpikeScratch = new float[capacity * size];
        Spikes = new SpikeTrain(capacity, steps, size);
    }

    /// <summary>Neurons in the layer.</summary>
    public int Size { get; }
    /// <summary>Time steps.</summary>
    public int Steps { get; }
    /// <summary>True when the current is the same at every step (stored once per sample).</summary>
    public bool ConstantCurrent { get; }
    /// <summary>Synaptic current z_t = W x_t + b, [sample, step, neuron] or [sample, neuron] when constant.</summary>
    public float[] Current { get; }
    /// <summary>Membrane u_t after step t, [sample, step, neuron].</summary>
    public float[] Membrane { get; }
    /// <summary>Spikes of the layer as event lists.</summary>
    public SpikeTrain Spikes { get; }
    /// <summary>Per-sample scratch for the dense 0/1 spike vector of the step being computed.</summary>
    internal float[] SpikeScratch { get; }

    /// <summary>z_t of one sample.</summary>
    public Span<float> CurrentAt(int sample, int step)
        => Current.AsSpan(ConstantCurrent ? sample * Size : (sample * Steps + step) * Size, Size);

    /// <summary>u_t of one sample.</summary>
    public Span<float> MembraneAt(int sample, int step) => Membrane.AsSpan((sample * Steps + step) * Size, Size);
}
