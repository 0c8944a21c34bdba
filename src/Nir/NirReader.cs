using PureHDF;
using SpikeLfp.Network.Model;

namespace SpikeLfp.Nir;

/// <summary>
/// Reads NIR graph files (HDF5, as the Python <c>nir</c> package writes them) with PureHDF: the root holds
/// <c>version</c> and the group <c>node</c> (type "NIRGraph") with <c>nodes</c> (one group per node: a <c>type</c>
/// string and numeric datasets) and <c>edges</c> (an (E, 2) table of source and target names). Nested NIRGraph
/// nodes are flattened: their nodes are named "outer.inner", edges into or out of a subgraph are joined to its
/// inner Input and Output nodes, which then disappear. Parameters keep their stored shape and type.
/// </summary>
public static class NirReader
{
    /// <summary>Node type of a (sub)graph.</summary>
    public const string GraphType = "NIRGraph";
    // A parameter larger than this is refused before it is allocated (a corrupt header can claim anything).
    private const long MaxElements = 1L << 28;

    /// <summary>Reads and flattens the graph in <paramref name="path"/>.</summary>
    /// <exception cref="InvalidModelException">Missing, not HDF5, not NIR or malformed; one line naming the file and node.</exception>
    public static NirGraph Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path)) throw new InvalidModelException($"{path}: file not found");
        try
        {
            using var file = H5File.OpenRead(path);
            string version = Child(file, "version") is IH5Dataset v ? ReadString(v, path, "version") : "";
            if (Child(file, "node") is not IH5Group root)
                throw new InvalidModelException($"{path}: not a NIR graph (no group 'node')");
            var nodes = new List<NirNode>();
            var edges = new List<NirEdge>();
            ReadGraph(root, "", path, nodes, edges);
            return Flatten(version, nodes, edges, path);
        }
        catch (InvalidModelException) { throw; }
        catch (OutOfMemoryException e)
        {
            throw new InvalidModelException($"{path}: corrupt HDF5 file, a stored size claims more than can be held in memory", e);
        }
        catch (Exception e)
        {
            // PureHDF reports a damaged file with many exception types; all mean the same to a user.
            throw new InvalidModelException($"{path}: not a readable HDF5 NIR file ({OneLine(e.Message)})", e);
        }
    }

    // Reads one (sub)graph's nodes and edges with names prefixed; subgraph nodes stay as markers for Flatten.
    private static void ReadGraph(IH5Group graph, string prefix, string path, List<NirNode> nodes, List<NirEdge> edges)
    {
        string where = prefix.Length == 0 ? "graph" : $"subgraph '{prefix.TrimEnd(NirGraph.Separator)}'";
        if (Child(graph, "nodes") is not IH5Group nodeGroups)
            throw new InvalidModelException($"{path}: {where} has no group 'nodes'");
        foreach (var child in nodeGroups.Children())
        {
            string name = prefix + child.Name;
            if (child is not IH5Group group)
                throw new InvalidModelException($"{path}: node '{name}' is not a group");
            if (Child(group, "type") is not IH5Dataset typeSet)
                throw new InvalidModelException($"{path}: node '{name}' has no 'type'");
            string type = ReadString(typeSet, path, $"node '{name}' type");
            if (type == GraphType)
            {
                nodes.Add(new NirNode(name, GraphType, new Dictionary<string, NirArray>()));
                ReadGraph(group, name + NirGraph.Separator, path, nodes, edges);
                continue;
            }
            var parameters = new Dictionary<string, NirArray>(StringComparer.Ordinal);
            foreach (var item in group.Children())
            {
                if (item.Name is "type" or "metadata") continue; // metadata: free-form notes, not parameters
                if (item is not IH5Dataset set)
                    throw new InvalidModelException($"{path}: node '{name}' ({type}) has a group '{item.Name}' where a parameter was expected");
                if (set.Type.Class is H5DataTypeClass.String or H5DataTypeClass.VariableLength) continue; // names, not numbers
                parameters[item.Name] = ReadArray(set, path, $"node '{name}' ({type}) parameter '{item.Name}'");
            }
            nodes.Add(new NirNode(name, type, parameters));
        }
        foreach (var (source, target) in ReadEdges(graph, path, where))
            edges.Add(new NirEdge(prefix + source, prefix + target));
    }

    private static IEnumerable<(string, string)> ReadEdges(IH5Group graph, string path, string where)
    {
        switch (Child(graph, "edges"))
        {
            case null:
                return [];
            case IH5Dataset table:
            {
                var dims = table.Space.Dimensions;
                if (dims.Length == 1 && dims[0] == 0) return [];
                if (dims.Length != 2 || dims[1] != 2)
                    throw new InvalidModelException($"{path}: {where}'s edges are [{string.Join(", ", dims)}], expected an (E, 2) table of names");
                var names = table.Read<string[,]>();
                return Enumerable.Range(0, names.GetLength(0)).Select(i => (names[i, 0], names[i, 1])).ToArray();
            }
            case IH5Group pairs when Child(pairs, "src") is IH5Dataset src && Child(pairs, "dst") is IH5Dataset dst:
            {
                var s = src.Read<string[]>();
                var d = dst.Read<string[]>();
                if (s.Length != d.Length)
                    throw new InvalidModelException($"{path}: {where}'s edges have {s.Length} sources but {d.Length} targets");
                return s.Zip(d);
            }
            default:
                throw new InvalidModelException($"{path}: {where}'s edges are neither an (E, 2) table nor src/dst lists");
        }
    }

    // Joins edges that end at a subgraph to its inner Input/Output node, then removes every inner Input/Output
    // and subgraph marker by connecting what fed it straight to what it fed.
    private static NirGraph Flatten(string version, List<NirNode> nodes, List<NirEdge> edges, string path)
    {
        var byName = nodes.ToDictionary(n => n.Name, StringComparer.Ordinal);
        string Inner(string subgraph, string type)
        {
            var inner = nodes.Where(n => n.Type == type && n.Name.StartsWith(subgraph + NirGraph.Separator, StringComparison.Ordinal)
                && !n.Name[(subgraph.Length + 1)..].Contains(NirGraph.Separator)).ToArray();
            if (inner.Length != 1)
                throw new InvalidModelException($"{path}: subgraph '{subgraph}' has {inner.Length} {type} nodes; an edge naming the subgraph needs exactly one");
            return inner[0].Name;
        }
        foreach (var edge in edges)
            foreach (string end in new[] { edge.Source, edge.Target })
                if (!byName.ContainsKey(end))
                    throw new InvalidModelException($"{path}: edge {edge} names a node '{end}' the graph does not have");
        var joined = edges.Select(e => new NirEdge(
            byName[e.Source].Type == GraphType ? Inner(e.Source, "Output") : e.Source,
            byName[e.Target].Type == GraphType ? Inner(e.Target, "Input") : e.Target)).ToList();

        bool Removable(NirNode n) => n.Type == GraphType
            || (n.Name.Contains(NirGraph.Separator) && (n.Type is "Input" or "Output") && IsNested(n.Name, byName));
        foreach (var node in nodes.Where(Removable))
        {
            var into = joined.Where(e => e.Target == node.Name).Select(e => e.Source).ToArray();
            var outOf = joined.Where(e => e.Source == node.Name).Select(e => e.Target).ToArray();
            joined.RemoveAll(e => e.Source == node.Name || e.Target == node.Name);
            foreach (string s in into)
                foreach (string t in outOf)
                    joined.Add(new NirEdge(s, t));
        }
        return new NirGraph(version, nodes.Where(n => !Removable(n)), joined.Distinct());
    }

    // True when the part of the name before its last separator is a subgraph marker (not just a dotted name such as "lif1.lif").
    private static bool IsNested(string name, Dictionary<string, NirNode> byName)
    {
        int cut = name.LastIndexOf(NirGraph.Separator);
        return byName.TryGetValue(name[..cut], out var parent) && parent.Type == GraphType;
    }

    private static NirArray ReadArray(IH5Dataset set, string path, string what)
    {
        var dims = set.Space.Dimensions;
        long count = 1;
        foreach (ulong d in dims)
        {
            if (d > int.MaxValue) throw new InvalidModelException($"{path}: {what} has a dimension of {d}");
            count *= (long)d;
            if (count > MaxElements) throw new InvalidModelException($"{path}: {what} claims more than {MaxElements} values");
        }
        int[] shape = dims.Select(d => (int)d).ToArray();
        var type = set.Type;
        // PureHDF does not convert between stored types: read each in its own.
        (double[] values, NirElementType kind) = (type.Class, type.Size) switch
        {
            (H5DataTypeClass.FloatingPoint, 4) => (set.Read<float[]>().Select(v => (double)v).ToArray(), NirElementType.Float32),
            (H5DataTypeClass.FloatingPoint, 8) => (set.Read<double[]>(), NirElementType.Float64),
            (H5DataTypeClass.FixedPoint, 8) => (set.Read<long[]>().Select(v => (double)v).ToArray(), NirElementType.Int64),
            (H5DataTypeClass.FixedPoint, 4) => (set.Read<int[]>().Select(v => (double)v).ToArray(), NirElementType.Int32),
            _ => throw new InvalidModelException($"{path}: {what} is stored as {type.Class} of {type.Size} bytes; expected float32, float64, int32 or int64"),
        };
        if (values.Length != count)
            throw new InvalidModelException($"{path}: {what} holds {values.Length} values for shape [{string.Join(", ", shape)}]");
        return new NirArray(shape, values, kind);
    }

    private static string ReadString(IH5Dataset set, string path, string what)
    {
        if (set.Type.Class is not (H5DataTypeClass.String or H5DataTypeClass.VariableLength))
            throw new InvalidModelException($"{path}: {what} is not a string");
        return set.Space.Dimensions.Length == 0 ? set.Read<string>() : set.Read<string[]>().FirstOrDefault() ?? "";
    }

    private static IH5Object? Child(IH5Group group, string name)
        => group.Children().FirstOrDefault(c => c.Name == name);

    private static string OneLine(string message) => message.ReplaceLineEndings(" ").Trim();
}
