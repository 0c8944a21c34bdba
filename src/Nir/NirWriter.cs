using PureHDF;
using SpikeLfp.Network.IO;

namespace SpikeLfp.Nir;

/// <summary>
/// Writes a NIR graph in the layout the Python <c>nir</c> package reads: a <c>version</c> string, the group
/// <c>node</c> (type "NIRGraph") with <c>nodes</c> (a group per node: a variable-length <c>type</c> string and each
/// parameter in its stored element type and shape) and <c>edges</c>, an (E, 2) table of variable-length strings.
/// The file appears whole or not at all (written beside it, then renamed).
/// </summary>
public static class NirWriter
{
    /// <summary>The version this writer's layout follows (neurons carry <c>v_reset</c>, CubaLIF carries <c>w_in</c>).</summary>
    public const string FormatVersion = "1.0.0";

    /// <summary>Writes <paramref name="graph"/> to <paramref name="path"/>.</summary>
    public static void Write(NirGraph graph, string path)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(path);
        var nodes = new H5Group();
        foreach (var node in graph.Nodes)
        {
            var group = new H5Group { ["type"] = node.Type };
            foreach (var (key, array) in node.Parameters) group[key] = Dataset(array);
            nodes[node.Name] = group;
        }
        var edges = new string[graph.Edges.Count, 2];
        for (int i = 0; i < graph.Edges.Count; i++)
            (edges[i, 0], edges[i, 1]) = (graph.Edges[i].Source, graph.Edges[i].Target);
        var file = new H5File
        {
            ["version"] = graph.Version.Length > 0 ? graph.Version : FormatVersion,
            ["node"] = new H5Group { ["type"] = NirReader.GraphType, ["nodes"] = nodes, ["edges"] = edges },
        };
        // PureHDF seeks back and forth while writing: build the file in memory, then write it whole.
        using var buffer = new MemoryStream();
        file.Write(buffer);
        AtomicFile.Write(path, stream => buffer.WriteTo(stream));
    }

    private static object Dataset(NirArray array)
    {
        object data = array.ElementType switch
        {
            NirElementType.Float32 => array.Values.Select(v => (float)v).ToArray(),
            NirElementType.Float64 => array.Values.ToArray(),
            NirElementType.Int64 => array.Values.Select(v => (long)v).ToArray(),
            _ => array.Values.Select(v => (int)v).ToArray(),
        };
        if (array.Shape.Count == 0)
            return ((Array)data).GetValue(0)!; // a 0-d array is a scalar dataset
        return new H5Dataset(data, fileDims: array.Shape.Select(d => (ulong)d).ToArray());
    }
}
