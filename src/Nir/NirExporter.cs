using SpikeLfp.Network.Model;
using SpikeLfp.Network.Synapses;
using SpikeLfp.Neurons;

namespace SpikeLfp.Nir;

/// <summary>
/// Describes a dense <see cref="SpikingNetwork"/> as a NIR graph: per layer k an Affine "fc{k}", a neuron node
/// "lif{k}" (LIF, IF for a LIF without leak, CubaLIF or LI) and, for a recurrent layer, an Affine "rec{k}" from the neurons back to themselves.
/// Time constants invert the import rule at the same step (docs/nir.md), with r and w_in chosen so the input scale
/// is 1 and the weights travel unchanged: importing the result with the same options gives the same network.
/// Reset mode and timing are not part of NIR; they travel in the import options.
/// </summary>
public static class NirExporter
{
    /// <summary>The graph of <paramref name="network"/> at step <paramref name="options"/>.Dt.</summary>
    /// <exception cref="InvalidModelException">A layer is not dense or a decay has no time constant under the rule.</exception>
    public static NirGraph ToGraph(SpikingNetwork network, NirImportOptions options)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(options);
        if (!double.IsFinite(options.Dt) || options.Dt <= 0)
            throw new InvalidModelException($"the time step must be a finite number of seconds > 0, got {options.Dt}");
        var nodes = new List<NirNode> { Shape("input", "Input", network.InputSize) };
        var edges = new List<NirEdge>();
        string previous = "input";
        for (int k = 0; k < network.Layers.Count; k++)
        {
            var layer = network.Layers[k];
            if (layer.Connection is not DenseSynapses dense)
                throw new InvalidModelException($"layer {k + 1} has {layer.Connection.Kind} synapses; only dense layers are exported to NIR so far");
            string fc = $"fc{k + 1}", neuron = $"lif{k + 1}";
            nodes.Add(Affine(fc, dense));
            nodes.Add(Neuron(neuron, layer.Neuron, layer.Size, options, k + 1));
            edges.Add(new NirEdge(previous, fc));
            edges.Add(new NirEdge(fc, neuron));
            if (layer.Recurrent is { } recurrent)
            {
                string rec = $"rec{k + 1}";
                nodes.Add(Affine(rec, recurrent));
                edges.Add(new NirEdge(neuron, rec));
                edges.Add(new NirEdge(rec, neuron));
            }
            previous = neuron;
        }
        nodes.Add(Shape("output", "Output", network.OutputSize));
        edges.Add(new NirEdge(previous, "output"));
        return new NirGraph(NirWriter.FormatVersion, nodes, edges);
    }

    private static NirNode Shape(string name, string type, int size)
        => new(name, type, new Dictionary<string, NirArray> { ["shape"] = NirArray.Int64([1], [size]) });

    // PyTorch's layout and precision, as snnTorch writes it: weight [outputs, inputs] and bias in float32.
    private static NirNode Affine(string name, DenseSynapses synapses) => new(name, "Affine", new Dictionary<string, NirArray>
    {
        ["weight"] = NirArray.Float32([synapses.Outputs, synapses.Inputs], synapses.ToOutputMajor()),
        ["bias"] = NirArray.Float32([synapses.Outputs], synapses.Bias),
    });

    private static NirNode Neuron(string name, NeuronModel neuron, int size, NirImportOptions options, int layer)
    {
        // Neuron parameters per neuron in float64, as snnTorch writes them.
        NirArray PerNeuron(double value) => new([size], Enumerable.Repeat(value, size).ToArray(), NirElementType.Float64);
        if (neuron is LifNeuron && neuron.Membrane.Beta == 1f)
        {
            // No leak: NIR's IF, dv/dt = r I, with r = 1/dt so the input scale is 1.
            return new NirNode(name, "IF", new Dictionary<string, NirArray>
            {
                ["r"] = PerNeuron(1 / options.Dt),
                ["v_threshold"] = PerNeuron(neuron.Membrane.Threshold),
                ["v_reset"] = PerNeuron(0),
            });
        }
        var (tau, r) = TimeConstant(neuron.Membrane.Beta, options, $"layer {layer}'s beta");
        var parameters = new Dictionary<string, NirArray> { ["r"] = PerNeuron(r), ["v_leak"] = PerNeuron(0) };
        string type;
        switch (neuron)
        {
            case LiNeuron:
                type = "LI";
                parameters["tau"] = PerNeuron(tau);
                break;
            case LifNeuron:
                type = "LIF";
                parameters["tau"] = PerNeuron(tau);
                break;
            case CubaLifNeuron cuba:
                type = "CubaLIF";
                parameters["tau_mem"] = PerNeuron(tau);
                var (tauSyn, wIn) = TimeConstant(cuba.Alpha, options, $"layer {layer}'s alpha");
                parameters["tau_syn"] = PerNeuron(tauSyn);
                parameters["w_in"] = PerNeuron(wIn);
                break;
            default:
                throw new InvalidModelException($"layer {layer} has {neuron.Kind} neurons, which have no NIR form here");
        }
        if (neuron.Spikes)
        {
            parameters["v_threshold"] = PerNeuron(neuron.Membrane.Threshold);
            parameters["v_reset"] = PerNeuron(0);
        }
        return new NirNode(name, type, parameters);
    }

    // The time constant whose decay per step is `decay`, and the gain that makes the input scale 1 (docs/nir.md).
    private static (double Tau, double Gain) TimeConstant(float decay, NirImportOptions options, string what)
    {
        double d = decay, dt = options.Dt;
        if (d >= 1)
            throw new InvalidModelException($"{what} is {decay}: a decay of 1 (no leak) has no finite NIR time constant");
        if (options.Rule == NirDiscretisation.Euler)
        {
            double tau = dt / (1 - d);
            return (tau, tau / dt);
        }
        if (d <= 0)
            throw new InvalidModelException($"{what} is {decay}: the exact rule has no time constant for a decay of 0 (use Euler)");
        return (-dt / Math.Log(d), 1 / (1 - d));
    }
}
