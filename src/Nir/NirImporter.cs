using SpikeLfp.Network.Model;
using SpikeLfp.Network.Synapses;
using SpikeLfp.Neurons;

namespace SpikeLfp.Nir;

/// <summary>
/// Maps a NIR graph onto a <see cref="SpikingNetwork"/>: a chain Input -> (Affine | Linear -> LIF | CubaLIF | LI | IF)+ -> Output,
/// where a neuron node may feed itself back through an Affine or Linear node (a recurrent layer). The neurons'
/// input scale (r, w_in and the step) is folded into the weights and biases that feed them, so SpikeLfp's
/// u_t = beta u_{t-1} + z_t simulates the file's dynamics under the chosen discretisation (docs/nir.md).
/// Anything else is refused with a message naming the node and its type.
/// </summary>
public static class NirImporter
{
    private const string Supported = "SpikeLfp maps Input -> (Affine|Linear -> LIF|CubaLIF|LI|IF, optionally recurrent)+ -> Output";

    /// <summary>Builds the network <paramref name="graph"/> describes.</summary>
    /// <param name="graph">A flattened NIR graph.</param>
    /// <param name="options">Time step, rule and reset.</param>
    /// <param name="source">The file name, for messages.</param>
    /// <exception cref="InvalidModelException">The graph is not a supported chain or a parameter is out of range; one line naming the node.</exception>
    public static SpikingNetwork ToNetwork(NirGraph graph, NirImportOptions options, string source)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(options);
        if (!double.IsFinite(options.Dt) || options.Dt <= 0)
            throw new InvalidModelException($"{source}: the time step must be a finite number of seconds > 0, got {options.Dt}");
        var input = Single(graph, "Input", source);
        var output = Single(graph, "Output", source);
        int size = ShapeSize(input, source);
        var layers = new List<SpikingLayer>();
        string current = input.Name;
        var visited = new HashSet<string> { current };
        while (true)
        {
            var next = graph[ForwardSuccessor(graph, current, source)];
            if (next.Type == "Output") break;
            // A loop longer than neuron -> Affine -> same neuron would walk forever: it is no layer SpikeLfp has.
            if (!visited.Add(next.Name))
                throw new InvalidModelException($"{source}: node '{next.Name}' ({next.Type}) is reached again through a loop over several layers; only a neuron feeding itself through one Affine/Linear node is mapped");
            var connection = Dense(next, size, source);
            var neuronNode = graph[Only(graph.Successors(next.Name), next, "feeds", source)];
            var recurrent = RecurrentOf(graph, neuronNode, next, connection.Outputs, source);
            var (neuron, scale) = Neuron(neuronNode, connection.Outputs, options, source);
            Scale(connection, scale);
            if (recurrent is not null) Scale(recurrent, scale);
            layers.Add(new SpikingLayer(connection, neuron, recurrent));
            size = connection.Outputs;
            current = neuronNode.Name;
        }
        if (layers.Count == 0)
            throw new InvalidModelException($"{source}: node '{input.Name}' (Input) feeds the Output directly; {Supported}");
        int outputs = ShapeSize(output, source);
        // Rockpool writes the Output shape as [1, 1, 1] for one neuron: the element count is what has to agree.
        if (outputs != size)
            throw new InvalidModelException($"{source}: node '{output.Name}' (Output) has {outputs} values but the last layer has {size} neurons");
        try { return new SpikingNetwork(layers); }
        catch (ArgumentException e) { throw new InvalidModelException($"{source}: {e.Message}"); }
    }

    private static NirNode Single(NirGraph graph, string type, string source)
    {
        var nodes = graph.OfType(type);
        if (nodes.Count != 1)
            throw new InvalidModelException($"{source}: the graph has {nodes.Count} {type} nodes; {Supported}");
        return nodes[0];
    }

    private static int ShapeSize(NirNode node, string source)
    {
        var shape = node.Find("shape") ?? throw new InvalidModelException($"{source}: node '{node.Name}' ({node.Type}) has no 'shape'");
        if (shape.Length == 0 || shape.Values.Any(v => v < 1 || v > int.MaxValue))
            throw new InvalidModelException($"{source}: node '{node.Name}' ({node.Type}) has shape [{string.Join(", ", shape.Values)}]; expected positive sizes");
        // A multi-dimensional input (2x34x34 event frames) needs a convolutional mapping, not a dense one.
        if (node.Type == "Input" && shape.Values.Count(v => v != 1) > 1)
            throw new InvalidModelException($"{source}: node '{node.Name}' (Input) has shape [{string.Join(", ", shape.Values)}]; only one-dimensional inputs are mapped so far ({Supported})");
        double count = shape.Values.Aggregate(1.0, (a, v) => a * v);
        if (count > int.MaxValue) throw new InvalidModelException($"{source}: node '{node.Name}' ({node.Type}) is too large");
        return (int)count;
    }

    // The one successor of a neuron or input that is not a recurrent connection back into it.
    private static string ForwardSuccessor(NirGraph graph, string name, string source)
    {
        var forward = graph.Successors(name).Where(s => !IsConnection(graph[s]) || !graph.Successors(s).Contains(name)).ToArray();
        return Only(forward, graph[name], "feeds", source);
    }

    private static string Only(IReadOnlyList<string> names, NirNode node, string verb, string source)
    {
        if (names.Count == 1) return names[0];
        throw new InvalidModelException(names.Count == 0
            ? $"{source}: node '{node.Name}' ({node.Type}) feeds nothing; {Supported}"
            : $"{source}: node '{node.Name}' ({node.Type}) {verb} {names.Count} nodes ({string.Join(", ", names)}); {Supported}");
    }

    private static bool IsConnection(NirNode node) => node.Type is "Affine" or "Linear";

    private static DenseSynapses Dense(NirNode node, int inputs, string source)
    {
        if (!IsConnection(node)) throw Unsupported(node, "a connection (Affine or Linear)", source);
        var weight = node.Find("weight") ?? throw new InvalidModelException($"{source}: node '{node.Name}' ({node.Type}) has no 'weight'");
        if (weight.Shape.Count != 2)
            throw new InvalidModelException($"{source}: node '{node.Name}' ({node.Type}) has a weight of shape [{string.Join(", ", weight.Shape)}]; expected [outputs, inputs]");
        if (weight.Shape[1] != inputs)
            throw new InvalidModelException($"{source}: node '{node.Name}' ({node.Type}) takes {weight.Shape[1]} inputs but is fed {inputs}");
        int outputs = weight.Shape[0];
        if (outputs < 1) throw new InvalidModelException($"{source}: node '{node.Name}' ({node.Type}) has no outputs");
        var synapses = new DenseSynapses(inputs, outputs);
        synapses.FromOutputMajor(Finite(weight, node, "weight", source));
        if (node.Type == "Affine")
        {
            var bias = node.Find("bias") ?? throw new InvalidModelException($"{source}: node '{node.Name}' (Affine) has no 'bias'");
            if (bias.Length != outputs)
                throw new InvalidModelException($"{source}: node '{node.Name}' (Affine) has {bias.Length} biases for {outputs} outputs");
            Finite(bias, node, "bias", source).CopyTo(synapses.Bias, 0);
        }
        return synapses;
    }

    private static float[] Finite(NirArray array, NirNode node, string key, string source)
    {
        var values = new float[array.Length];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (float)array.Values[i];
            if (!float.IsFinite(values[i]))
                throw new InvalidModelException($"{source}: node '{node.Name}' ({node.Type}) parameter '{key}' holds {array.Values[i]} at index {i}");
        }
        return values;
    }

    // The Affine/Linear node that carries the neuron node's output back into it, or null for a feed-forward layer.
    private static DenseSynapses? RecurrentOf(NirGraph graph, NirNode neuron, NirNode forward, int size, string source)
    {
        var others = graph.Predecessors(neuron.Name).Where(p => p != forward.Name).ToArray();
        if (others.Length == 0) return null;
        var loop = graph[others[0]];
        if (others.Length > 1 || !IsConnection(loop) || !graph.Predecessors(loop.Name).SequenceEqual([neuron.Name]))
            throw new InvalidModelException($"{source}: node '{neuron.Name}' ({neuron.Type}) is fed by {others.Length + 1} nodes ({forward.Name}, {string.Join(", ", others)}); only one forward and one recurrent Affine/Linear are mapped");
        if (graph.Successors(loop.Name).Count != 1)
            throw new InvalidModelException($"{source}: node '{loop.Name}' ({loop.Type}) feeds more than its neuron '{neuron.Name}'");
        return Dense(loop, size, source);
    }

    // The neuron kind and the factor that turns the file's input current into SpikeLfp's per-step input z_t.
    private static (NeuronModel Neuron, double Scale) Neuron(NirNode node, int size, NirImportOptions options, string source)
    {
        double dt = options.Dt;
        switch (node.Type)
        {
            case "LIF":
            case "LI":
            {
                double tau = Uniform(node, "tau", size, null, source);
                var (beta, scale) = Membrane(node, "tau", tau, Uniform(node, "r", size, null, source), dt, options.Rule, source);
                RequireZero(node, "v_leak", size, source);
                if (node.Type == "LI") return (new LiNeuron(new LifParameters((float)beta, 1f)), scale);
                return (new LifNeuron(Lif(node, beta, size, options, source)), scale);
            }
            case "CubaLIF":
            {
                double tauMem = Uniform(node, "tau_mem", size, null, source);
                var (beta, memScale) = Membrane(node, "tau_mem", tauMem, Uniform(node, "r", size, null, source), dt, options.Rule, source);
                double tauSyn = Uniform(node, "tau_syn", size, null, source);
                var (alpha, synScale) = Membrane(node, "tau_syn", tauSyn, Uniform(node, "w_in", size, 1.0, source), dt, options.Rule, source);
                RequireZero(node, "v_leak", size, source);
                return (new CubaLifNeuron(Lif(node, beta, size, options, source), (float)alpha), memScale * synScale);
            }
            case "IF":
            {
                // dv/dt = r I: no leak, so beta = 1 under either rule and the step integrates r I dt
                // (Sinabs steps v += r I: import its files with --dt 1 and a reset by subtraction).
                double scale = Uniform(node, "r", size, null, source) * dt;
                return (new LifNeuron(Lif(node, 1.0, size, options, source)), scale);
            }
            default:
                throw Unsupported(node, "a neuron (LIF, CubaLIF, LI or IF)", source);
        }
    }

    private static (double Decay, double Scale) Membrane(NirNode node, string tauKey, double tau, double gain, double dt, NirDiscretisation rule, string source)
    {
        if (tau <= 0)
            throw new InvalidModelException($"{source}: node '{node.Name}' ({node.Type}) has {tauKey} = {tau}; a time constant must be > 0");
        if (rule == NirDiscretisation.Euler)
        {
            // Time constants stored from float32 arithmetic miss dt by a rounding error (0.00099999976 for 1e-3).
            if (dt > tau * (1 + 1e-6))
                throw new InvalidModelException($"{source}: node '{node.Name}' ({node.Type}) has {tauKey} = {tau} s, shorter than the step {dt} s: forward Euler would give a negative decay (use a smaller step or the exact rule)");
            return (Math.Max(0, 1 - dt / tau), gain * dt / tau);
        }
        double decay = Math.Exp(-dt / tau);
        return (decay, gain * (1 - decay));
    }

    private static LifParameters Lif(NirNode node, double beta, int size, NirImportOptions options, string source)
    {
        RequireZero(node, "v_reset", size, source);
        double threshold = Uniform(node, "v_threshold", size, null, source);
        if (threshold <= 0)
            throw new InvalidModelException($"{source}: node '{node.Name}' ({node.Type}) has v_threshold = {threshold}; SpikeLfp needs a threshold > 0");
        return new LifParameters((float)beta, (float)threshold, options.Reset, options.DelayedReset);
    }

    private static void RequireZero(NirNode node, string key, int size, string source)
    {
        double value = Uniform(node, key, size, 0.0, source);
        if (value != 0)
            throw new InvalidModelException($"{source}: node '{node.Name}' ({node.Type}) has {key} = {value}; SpikeLfp's neurons rest and reset at 0");
    }

    // One value for the whole population (SpikeLfp layers share their neuron parameters).
    private static double Uniform(NirNode node, string key, int size, double? fallback, string source)
    {
        var array = node.Find(key);
        if (array is null)
            return fallback ?? throw new InvalidModelException($"{source}: node '{node.Name}' ({node.Type}) has no '{key}'");
        if (array.Length != 1 && array.Length != size)
            throw new InvalidModelException($"{source}: node '{node.Name}' ({node.Type}) has {array.Length} values of '{key}' for {size} neurons");
        double first = array.Values[0];
        foreach (double v in array.Values)
            if (!double.IsFinite(v))
                throw new InvalidModelException($"{source}: node '{node.Name}' ({node.Type}) has {key} = {v}");
        foreach (double v in array.Values)
            if (Math.Abs(v - first) > 1e-6 * Math.Abs(first))
                throw new InvalidModelException($"{source}: node '{node.Name}' ({node.Type}) has '{key}' varying across neurons ({first} and {v}); SpikeLfp layers share one value");
        return first;
    }

    private static void Scale(DenseSynapses synapses, double scale)
    {
        if (scale == 1) return;
        float s = (float)scale;
        for (int i = 0; i < synapses.Weights.Length; i++) synapses.Weights[i] *= s;
        for (int i = 0; i < synapses.Bias.Length; i++) synapses.Bias[i] *= s;
    }

    private static InvalidModelException Unsupported(NirNode node, string expected, string source)
        => new($"{source}: node '{node.Name}' has type '{node.Type}' where {expected} was expected; {Supported}");
}
