using SpikeLfp.Network.Encoding;
using SpikeLfp.Network.Synapses;

namespace SpikeLfp.Network.Model;

/// <summary>Activation of a non-spiking layer.</summary>
public enum Activation
{
    /// <summary>a = z.</summary>
    Identity,
    /// <summary>a = max(z, 0).</summary>
    ReLU,
    /// <summary>a = H(z): 1 when z &gt; 0, else 0 (non-differentiable; its derivative is zero almost everywhere).</summary>
    Step,
}

/// <summary>A non-spiking layer: synapses (dense, convolutional, pooled) followed by an activation.</summary>
public sealed record AnalogLayer(ISynapses Synapses, Activation Activation)
{
    /// <summary>Applies the activation to z.</summary>
    public static float Activate(Activation activation, float z) => activation switch
    {
        Activation.ReLU => z > 0f ? z : 0f,
        Activation.Step => z > 0f ? 1f : 0f,
        _ => z,
    };
}

/// <summary>
/// A non-spiking feed-forward network, dense or convolutional (for the LFP reference on ReLU networks, the
/// Heaviside-activation experiment and the convergence experiment). Forward passes record every layer's input,
/// pre-activation and activation for LFP and backpropagation.
/// </summary>
public sealed class AnalogNetwork
{
    /// <summary>Wraps layers whose sizes chain.</summary>
    public AnalogNetwork(IReadOnlyList<AnalogLayer> layers)
    {
        if (layers.Count == 0) throw new ArgumentException("a network needs at least one layer.", nameof(layers));
        for (int k = 1; k < layers.Count; k++)
            if (layers[k].Synapses.Inputs != layers[k - 1].Synapses.Outputs)
                throw new ArgumentException($"layer {k} expects {layers[k].Synapses.Inputs} inputs but layer {k - 1} has {layers[k - 1].Synapses.Outputs} outputs.");
        Layers = layers;
    }

    /// <summary>Layers from input to output.</summary>
    public IReadOnlyList<AnalogLayer> Layers { get; }
    /// <summary>Inputs per sample.</summary>
    public int InputSize => Layers[0].Synapses.Inputs;
    /// <summary>Outputs per sample.</summary>
    public int OutputSize => Layers[^1].Synapses.Outputs;

    /// <summary>Builds sizes (input first) with one activation everywhere and PyTorch's default initialisation.</summary>
    public static AnalogNetwork Create(IReadOnlyList<int> sizes, Activation activation, int seed, bool activateOutput)
    {
        var random = new Random(seed);
        var layers = new List<AnalogLayer>();
        for (int k = 1; k < sizes.Count; k++)
        {
            var synapses = new DenseSynapses(sizes[k - 1], sizes[k]);
            synapses.InitializeUniform(random);
            layers.Add(new AnalogLayer(synapses, k == sizes.Count - 1 && !activateOutput ? Activation.Identity : activation));
        }
        return new AnalogNetwork(layers);
    }

    /// <summary>
    /// The network of <paramref name="spec"/> (dense or convolutional, pooling included) with <paramref name="hidden"/>
    /// after every layer but the output, which gives the logits. Its weights are those of the spiking network
    /// <see cref="ConvSpec.Create"/> builds from the same seed (PyTorch's default initialisation).
    /// </summary>
    public static AnalogNetwork Create(ConvSpec spec, Activation hidden, int seed)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var connections = spec.CreateConnections(seed);
        return new AnalogNetwork(connections.Select((c, k) => new AnalogLayer(c, k == connections.Count - 1 ? Activation.Identity : hidden)).ToList());
    }

    /// <summary>A deep copy (weights included), for training several rules from the same start.</summary>
    public AnalogNetwork Clone() => new(Layers.Select(l => l with { Synapses = l.Synapses.Clone() }).ToList());

    /// <summary>
    /// Runs a batch. With <paramref name="noiseStd"/> &gt; 0, Gaussian noise is added to the input of every layer
    /// and to the output (training only), drawn from a counter-based generator keyed by <paramref name="noiseSeed"/>
    /// and the sample keys, so results do not depend on batch composition.
    /// </summary>
    public AnalogTrace Forward(ReadOnlySpan<float> x, ReadOnlySpan<long> sampleKeys, float noiseStd = 0f, ulong noiseSeed = 0)
    {
        int batch = sampleKeys.Length;
        var trace = new AnalogTrace(batch, Layers.Count);
        var input = x[..(batch * InputSize)].ToArray();
        for (int k = 0; k < Layers.Count; k++)
        {
            var syn = Layers[k].Synapses;
            if (noiseStd > 0f) AddNoise(input, syn.Inputs, sampleKeys, noiseStd, noiseSeed, (ulong)(2 * k));
            var z = new float[batch * syn.Outputs];
            var a = new float[batch * syn.Outputs];
            for (int b = 0; b < batch; b++)
            {
                var zb = z.AsSpan(b * syn.Outputs, syn.Outputs);
                syn.ResetCurrent(zb);
                syn.DeliverAnalog(input.AsSpan(b * syn.Inputs, syn.Inputs), zb);
            }
            for (int i = 0; i < a.Length; i++) a[i] = AnalogLayer.Activate(Layers[k].Activation, z[i]);
            if (noiseStd > 0f && k == Layers.Count - 1) AddNoise(a, syn.Outputs, sampleKeys, noiseStd, noiseSeed, (ulong)(2 * k + 1));
            trace.Inputs[k] = input;
            trace.PreActivations[k] = z;
            trace.Activations[k] = a;
            input = noiseStd > 0f && k < Layers.Count - 1 ? (float[])a.Clone() : a; // the next layer adds its input noise to its own copy
        }
        return trace;
    }

    private static void AddNoise(float[] values, int width, ReadOnlySpan<long> keys, float std, ulong seed, ulong site)
    {
        for (int b = 0; b < keys.Length; b++)
            for (int i = 0; i < width; i++)
                values[b * width + i] += std * CounterRandom.Normal(seed, (ulong)keys[b], site, (ulong)i);
    }
}

/// <summary>What a forward pass of an <see cref="AnalogNetwork"/> leaves for learning: per layer x, z and a, [sample, unit].</summary>
public sealed class AnalogTrace(int batch, int layers)
{
    /// <summary>Samples in the batch.</summary>
    public int Batch { get; } = batch;
    /// <summary>Per layer, its input x (noise included).</summary>
    public float[][] Inputs { get; } = new float[layers][];
    /// <summary>Per layer, z = W x + b.</summary>
    public float[][] PreActivations { get; } = new float[layers][];
    /// <summary>Per layer, the activation a (for the output layer: the logits, noise included).</summary>
    public float[][] Activations { get; } = new float[layers][];
    /// <summary>The network output, [sample, unit].</summary>
    public float[] Output => Activations[^1];
}
