using SpikeLfp.Network.Model;
using SpikeLfp.Network.Synapses;
using SpikeLfp.Neurons;

namespace SpikeLfp.Nir;

/// <summary>
/// Maps a NIR graph onto a <see cref="SpikingNetwork"/>: a chain from the Input to the Output of layers, each the
/// nodes up to a neuron population (<see cref="NirSynapses"/>: pooling, Flatten, Conv2d or Affine/Linear, Scale)
/// and the population (<see cref="NirNeurons"/>: LIF, CubaLIF, LI, IF, I, Threshold). A dense population may feed
/// itself back through an Affine or Linear node (a recurrent layer). The neurons' input scale (r, w_in and the
/// step) is folded into the weights and biases that feed them, so SpikeLfp's u_t = beta u_{t-1} + z_t simulates the
/// file's dynamics under the chosen discretisation (docs/nir.md). An Input of shape [C, H, W] is an image, which
/// SpikeLfp takes channel-last (H x W x C). Anything else is refused with a message naming the node and its type.
/// </summary>
public static class NirImporter
{
    private const string Supported = "SpikeLfp maps Input -> ([pool] [Flatten] Conv2d|Affine|Linear -> LIF|CubaLIF|LI|IF|I|Threshold, dense ones optionally recurrent)+ -> Output";

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
        var tensor = InputTensor(input, source);
        bool spikes = false; // the Input may carry any values (an image presented as current)
        var layers = new List<SpikingLayer>();
        string current = input.Name;
        var visited = new HashSet<string> { current };
        while (true)
        {
            // The nodes up to the next neuron population (a Threshold after synapses is one) or the Output.
            var path = new List<NirNode>();
            var next = graph[ForwardSuccessor(graph, current, source)];
            while (next.Type != "Output" && !(NirNeurons.IsNeuron(next.Type) && (next.Type != "Threshold" || path.Any(IsSynapses))))
            {
                if (!NirSynapses.IsPathType(next.Type)) throw NirSynapses.Unmapped(next, source);
                Visit(visited, next, source);
                path.Add(next);
                next = graph[Only(graph.Successors(next.Name), next, "feeds", source)];
            }
            if (next.Type == "Output")
            {
                if (path.Count > 0)
                    throw new InvalidModelException($"{source}: node '{path[^1].Name}' ({path[^1].Type}) feeds the Output without neurons after it; {Supported}");
                break;
            }
            Visit(visited, next, source);
            if (!path.Any(IsSynapses))
                throw new InvalidModelException($"{source}: node '{next.Name}' ({next.Type}) is fed by '{graph[current].Name}' ({graph[current].Type}) without a Conv2d, Affine or Linear between them; {Supported}");
            var synapses = NirSynapses.Read(path, tensor, spikes, source);
            var recurrent = RecurrentOf(graph, next, path[^1], synapses, source);
            var (neuron, scale) = NirNeurons.Map(next, synapses.Outputs, options, source);
            if (recurrent is not null) Scale(recurrent, scale);
            layers.Add(new SpikingLayer(synapses.Build(scale), neuron, recurrent));
            tensor = synapses.Output with { Flattened = null };
            spikes = neuron.Spikes;
            current = next.Name;
        }
        if (layers.Count == 0)
            throw new InvalidModelException($"{source}: node '{input.Name}' (Input) feeds the Output directly; {Supported}");
        int outputs = ShapeSize(output, source);
        // Rockpool writes the Output shape as [1, 1, 1] for one neuron: the element count is what has to agree.
        if (outputs != tensor.Size)
            throw new InvalidModelException($"{source}: node '{output.Name}' (Output) has {outputs} values but the last layer has {tensor.Size} neurons");
        try { return new SpikingNetwork(layers); }
        catch (ArgumentException e) { throw new InvalidModelException($"{source}: {e.Message}"); }
    }

    private static bool IsSynapses(NirNode node) => node.Type is "Conv2d" or "Affine" or "Linear";

    // A loop longer than neuron -> Affine -> same neuron would walk forever: it is no layer SpikeLfp has.
    private static void Visit(HashSet<string> visited, NirNode node, string source)
    {
        if (!visited.Add(node.Name))
            throw new InvalidModelException($"{source}: node '{node.Name}' ({node.Type}) is reached again through a loop over several layers; only a neuron feeding itself through one Affine/Linear node is mapped");
    }

    // [C, H, W] with H x W > 1 is an image; a shape with at most one size above 1 ([N], [1, N], Rockpool's [1, 1, N]) a vector.
    private static NirTensor InputTensor(NirNode input, string source)
    {
        int size = ShapeSize(input, source);
        var shape = input.Find("shape")!.Values;
        if (shape.Count(v => v != 1) <= 1) return NirTensor.Vector(size);
        if (shape.Length == 3) return NirTensor.Image(new ImageShape((int)shape[1], (int)shape[2], (int)shape[0]));
        throw new InvalidModelException($"{source}: node '{input.Name}' (Input) has shape [{string.Join(", ", shape)}]; SpikeLfp maps vectors [N] and images [C, H, W]");
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

    // The Affine/Linear node that carries the neuron node's output back into it, or null for a feed-forward layer.
    private static DenseSynapses? RecurrentOf(NirGraph graph, NirNode neuron, NirNode forward, NirSynapses synapses, string source)
    {
        var others = graph.Predecessors(neuron.Name).Where(p => p != forward.Name).ToArray();
        if (others.Length == 0) return null;
        var loop = graph[others[0]];
        if (others.Length > 1 || !IsConnection(loop) || !graph.Predecessors(loop.Name).SequenceEqual([neuron.Name]))
            throw new InvalidModelException($"{source}: node '{neuron.Name}' ({neuron.Type}) is fed by {others.Length + 1} nodes ({forward.Name}, {string.Join(", ", others)}); only one forward and one recurrent Affine/Linear are mapped");
        if (graph.Successors(loop.Name).Count != 1)
            throw new InvalidModelException($"{source}: node '{loop.Name}' ({loop.Type}) feeds more than its neuron '{neuron.Name}'");
        if (synapses.IsImage)
            throw new InvalidModelException($"{source}: node '{loop.Name}' ({loop.Type}) feeds the image {synapses.Output} of '{neuron.Name}' back into it; only dense layers are recurrent in SpikeLfp");
        return NirSynapses.Dense(loop, NirTensor.Vector(synapses.Outputs), source);
    }

    private static void Scale(DenseSynapses synapses, double scale)
    {
        if (scale == 1) return;
        float s = (float)scale;
        for (int i = 0; i < synapses.Weights.Length; i++) synapses.Weights[i] *= s;
        for (int i = 0; i < synapses.Bias.Length; i++) synapses.Bias[i] *= s;
    }
}
