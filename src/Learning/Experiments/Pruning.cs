using SpikeLfp.Network.Model;

namespace SpikeLfp.Learning.Experiments;

/// <summary>
/// Weight sparsity and global magnitude pruning of a <see cref="SpikingNetwork"/>. Both look at the weights of
/// every layer's connection only; biases are neither measured nor pruned (they are few, one per neuron or
/// channel, and the LFP paper's sparsity claim is about the synapses). Layers without weights (none today;
/// a connection with an empty weight array) are skipped.
/// </summary>
public static class Pruning
{
    /// <summary>
    /// Gini coefficient of the magnitudes |x_i|: 0 when every magnitude is the same, (n-1)/n when one of n is
    /// non-zero; higher means a few large weights carry the layer (sparser). Computed on the sorted magnitudes
    /// a_(1) &lt;= ... &lt;= a_(n) as G = 2 sum_i i a_(i) / (n sum_i a_(i)) - (n+1)/n, which equals the mean
    /// absolute difference over all pairs divided by twice the mean. Defined as 0 for an empty or all-zero input.
    /// </summary>
    public static double Gini(ReadOnlySpan<float> values)
    {
        int n = values.Length;
        if (n == 0) return 0;
        var magnitudes = new double[n];
        for (int i = 0; i < n; i++) magnitudes[i] = Math.Abs((double)values[i]);
        Array.Sort(magnitudes);
        double sum = 0, weighted = 0;
        for (int i = 0; i < n; i++)
        {
            sum += magnitudes[i];
            weighted += (i + 1) * magnitudes[i];
        }
        if (sum == 0) return 0;
        // Clamp away the rounding of an exactly-equal input (the true value is then 0).
        return Math.Max(0, 2 * weighted / (n * sum) - (n + 1.0) / n);
    }

    /// <summary>Gini coefficient of |w| over all weights of the network, every layer pooled.</summary>
    public static double Gini(SpikingNetwork network)
    {
        ArgumentNullException.ThrowIfNull(network);
        var all = new float[WeightCount(network)];
        int offset = 0;
        foreach (var layer in network.Layers)
        {
            layer.Connection.Weights.CopyTo(all, offset);
            offset += layer.Connection.Weights.Length;
        }
        return Gini(all);
    }

    /// <summary>Gini coefficient of |w| of each layer that has weights, by layer name ("hidden1", ..., "output").</summary>
    public static IReadOnlyList<(string Layer, double Gini)> GiniPerLayer(SpikingNetwork network)
    {
        ArgumentNullException.ThrowIfNull(network);
        var result = new List<(string, double)>(network.Layers.Count);
        for (int k = 0; k < network.Layers.Count; k++)
            if (network.Layers[k].Connection.Weights.Length > 0)
                result.Add((network.LayerName(k), Gini(network.Layers[k].Connection.Weights)));
        return result;
    }

    /// <summary>Number of weights over all layers (biases excluded).</summary>
    public static int WeightCount(SpikingNetwork network)
    {
        ArgumentNullException.ThrowIfNull(network);
        long count = network.Layers.Sum(l => (long)l.Connection.Weights.Length);
        return checked((int)count);
    }

    /// <summary>
    /// How many of <paramref name="total"/> weights a pruned fraction removes: round(fraction x total), halves
    /// rounded to even. Exact for the 5% steps on any network whose weight count is a multiple of 20.
    /// </summary>
    public static int PrunedCount(int total, double fraction)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(total);
        if (!double.IsFinite(fraction) || fraction < 0 || fraction > 1)
            throw new ArgumentOutOfRangeException(nameof(fraction), fraction, "the pruned fraction must be in [0, 1].");
        return (int)Math.Round(fraction * total, MidpointRounding.ToEven);
    }

    /// <summary>
    /// Every weight of the network in pruning order: ascending |w|, ties broken by position (lower layer first,
    /// then lower index in the layer's <see cref="Network.Synapses.ISynapses.Weights"/> array). Entries are
    /// global positions in the layers' weight arrays laid end to end. Weights that are already zero come first.
    /// </summary>
    public static int[] MagnitudeOrder(SpikingNetwork network)
    {
        ArgumentNullException.ThrowIfNull(network);
        int total = WeightCount(network);
        var magnitudes = new float[total];
        int offset = 0;
        foreach (var layer in network.Layers)
        {
            float[] w = layer.Connection.Weights;
            for (int i = 0; i < w.Length; i++) magnitudes[offset + i] = Math.Abs(w[i]);
            offset += w.Length;
        }
        var order = new int[total];
        for (int i = 0; i < total; i++) order[i] = i;
        // A total order (magnitude, then position), so the unstable sort still gives one answer.
        Array.Sort(order, (x, y) =>
        {
            int byMagnitude = magnitudes[x].CompareTo(magnitudes[y]);
            return byMagnitude != 0 ? byMagnitude : x.CompareTo(y);
        });
        return order;
    }

    /// <summary>
    /// Global magnitude pruning: a copy of <paramref name="network"/> in which the <see cref="PrunedCount"/>
    /// weights first in <see cref="MagnitudeOrder"/> (the smallest |w| over all layers together) are set to
    /// zero. Biases and the rest of the weights are unchanged; nothing is retrained.
    /// </summary>
    /// <param name="network">The trained network (not modified).</param>
    /// <param name="fraction">Fraction of all weights to zero, in [0, 1].</param>
    /// <param name="order">A precomputed <see cref="MagnitudeOrder"/> of <paramref name="network"/> (computed when null).</param>
    public static SpikingNetwork Prune(SpikingNetwork network, double fraction, int[]? order = null)
    {
        ArgumentNullException.ThrowIfNull(network);
        int total = WeightCount(network);
        int count = PrunedCount(total, fraction);
        order ??= MagnitudeOrder(network);
        if (order.Length != total) throw new ArgumentException($"the pruning order has {order.Length} entries but the network has {total} weights.", nameof(order));

        SpikingNetwork pruned = network.Clone();
        var starts = new int[pruned.Layers.Count + 1];
        for (int k = 0; k < pruned.Layers.Count; k++) starts[k + 1] = starts[k] + pruned.Layers[k].Connection.Weights.Length;
        for (int i = 0; i < count; i++)
        {
            int position = order[i];
            int k = Array.BinarySearch(starts, position);
            // Exact hit: the first weight of layer k, unless later layers start at the same position (empty layers).
            if (k >= 0) { while (starts[k + 1] == position) k++; }
            else k = ~k - 1;
            pruned.Layers[k].Connection.Weights[position - starts[k]] = 0f;
        }
        return pruned;
    }
}
