namespace SpikeLfp.Nir;

/// <summary>
/// One node of a NIR graph: its name (nested subgraphs' names joined with <see cref="NirGraph.Separator"/>), its NIR
/// type string ("Affine", "LIF", "CubaLIF", ...) and its numeric parameters by name, as stored.
/// </summary>
public sealed record NirNode(string Name, string Type, IReadOnlyDictionary<string, NirArray> Parameters)
{
    /// <summary>The parameter <paramref name="key"/>, or null when the node has none of that name.</summary>
    public NirArray? Find(string key) => Parameters.TryGetValue(key, out var value) ? value : null;
}

/// <summary>A directed edge: <see cref="Source"/>'s output feeds <see cref="Target"/>'s input.</summary>
public readonly record struct NirEdge(string Source, string Target)
{
    /// <inheritdoc/>
    public override string ToString() => $"{Source} -> {Target}";
}
