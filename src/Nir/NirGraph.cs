namespace SpikeLfp.Nir;

/// <summary>
/// A NIR graph with nested subgraphs flattened: nodes by name, directed edges (cycles allowed: a recurrent
/// connection is an edge back into a neuron node) and the format version string of the file.
/// </summary>
public sealed class NirGraph
{
    /// <summary>Joins a subgraph's name and its inner node's name, as the Python <c>nir</c> package does.</summary>
    public const char Separator = '.';

    /// <summary>Wraps nodes and edges; every edge must join two of the nodes and names must be unique.</summary>
    public NirGraph(string version, IEnumerable<NirNode> nodes, IEnumerable<NirEdge> edges)
    {
        ArgumentNullException.ThrowIfNull(version);
        var byName = new Dictionary<string, NirNode>(StringComparer.Ordinal);
        var ordered = new List<NirNode>();
        foreach (var node in nodes)
        {
            if (!byName.TryAdd(node.Name, node))
                throw new ArgumentException($"two nodes are named '{node.Name}'.", nameof(nodes));
            ordered.Add(node);
        }
        var edgeList = edges.ToList();
        foreach (var edge in edgeList)
            foreach (string end in new[] { edge.Source, edge.Target })
                if (!byName.ContainsKey(end))
                    throw new ArgumentException($"edge {edge} names a node '{end}' the graph does not have.", nameof(edges));
        Version = version;
        Nodes = ordered;
        Edges = edgeList;
        _byName = byName;
    }

    private readonly Dictionary<string, NirNode> _byName;

    /// <summary>The file's <c>version</c> string, for example "0.2.0".</summary>
    public string Version { get; }
    /// <summary>Nodes in file order.</summary>
    public IReadOnlyList<NirNode> Nodes { get; }
    /// <summary>Edges in file order.</summary>
    public IReadOnlyList<NirEdge> Edges { get; }

    /// <summary>The node called <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">No such node.</exception>
    public NirNode this[string name] => _byName[name];

    /// <summary>True when a node of that name exists.</summary>
    public bool Contains(string name) => _byName.ContainsKey(name);

    /// <summary>Names of the nodes <paramref name="name"/> feeds, in edge order.</summary>
    public IReadOnlyList<string> Successors(string name) => Edges.Where(e => e.Source == name).Select(e => e.Target).ToArray();

    /// <summary>Names of the nodes that feed <paramref name="name"/>, in edge order.</summary>
    public IReadOnlyList<string> Predecessors(string name) => Edges.Where(e => e.Target == name).Select(e => e.Source).ToArray();

    /// <summary>Nodes of the given NIR type, in file order.</summary>
    public IReadOnlyList<NirNode> OfType(string type) => Nodes.Where(n => n.Type == type).ToArray();

    /// <summary>True when some path leads from a node back to itself (a recurrent connection).</summary>
    public bool HasCycle()
    {
        var state = new Dictionary<string, int>(); // 1: on the current path, 2: done
        bool Visit(string name)
        {
            state[name] = 1;
            foreach (string next in Successors(name))
            {
                int s = state.GetValueOrDefault(next);
                if (s == 1 || (s == 0 && Visit(next))) return true;
            }
            state[name] = 2;
            return false;
        }
        return Nodes.Any(n => state.GetValueOrDefault(n.Name) == 0 && Visit(n.Name));
    }
}
