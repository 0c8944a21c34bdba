using SpikeLfp.Network.Populations;

namespace SpikeLfp.Tests.Populations;

/// <summary>Sparse projections: each rule draws what it promises, stored by source, and a spike reaches exactly its targets.</summary>
public class ProjectionTests
{
    [Test]
    public void Explicit_pairs_deliver_exactly_to_their_targets_each_as_often_as_listed()
    {
        int[] pre = [3, 0, 3, 2, 3, 0], post = [1, 4, 1, 0, 2, 4];
        var rows = new Pairs(pre, post).Connect(5, 6, self: false, seed: 0, key: 0);
        var projection = new Projection("p", 0, 1, 0, 0.5f, 6, rows.RowStart, rows.Targets);
        Assert.That(projection.SynapseCount, Is.EqualTo(6));
        for (int source = 0; source < 5; source++)
        {
            var current = new float[6];
            projection.Deliver([source], current);
            var expected = new float[6];
            for (int n = 0; n < pre.Length; n++)
                if (pre[n] == source) expected[post[n]] += 0.5f;
            Assert.That(current, Is.EqualTo(expected), $"spike of source {source}");
        }
        Assert.That(projection.TargetsOf(3).ToArray(), Is.EqualTo(new[] { 1, 1, 2 }), "row of 3 keeps the listed order");
    }

    [Test]
    public void Random_connections_have_the_expected_count_and_spread_and_depend_only_on_the_seed()
    {
        const int n = 3000;
        const double p = 0.01;
        var rows = new RandomConnections(p).Connect(n, n, self: true, seed: 7, key: 1);
        double mean = p * n * n, sd = Math.Sqrt(n * (double)n * p * (1 - p));
        Assert.That(rows.Targets.Length, Is.EqualTo(mean).Within(5 * sd), "synapse count ~ Binomial(N^2, p)");
        // Targets spread evenly over the target range (geometric skips must not drift) and rows are ascending.
        var quarters = new int[4];
        for (int i = 0; i < n; i++)
        {
            var row = rows.Targets.AsSpan(rows.RowStart[i], rows.RowStart[i + 1] - rows.RowStart[i]);
            for (int j = 0; j < row.Length; j++)
            {
                quarters[row[j] * 4 / n]++;
                if (j > 0) Assert.That(row[j], Is.GreaterThan(row[j - 1]), "a pair is drawn at most once");
            }
        }
        foreach (int q in quarters) Assert.That(q, Is.EqualTo(mean / 4).Within(5 * Math.Sqrt(mean / 4)));
        // Sources too: out-degrees of the first and second half agree.
        int firstHalf = rows.RowStart[n / 2], secondHalf = rows.Targets.Length - firstHalf;
        Assert.That(firstHalf - secondHalf, Is.EqualTo(0).Within(5 * Math.Sqrt(mean)));

        var again = new RandomConnections(p).Connect(n, n, self: true, seed: 7, key: 1);
        Assert.That(again.Targets, Is.EqualTo(rows.Targets));
        Assert.That(again.RowStart, Is.EqualTo(rows.RowStart));
        var other = new RandomConnections(p).Connect(n, n, self: true, seed: 8, key: 1);
        Assert.That(other.Targets, Is.Not.EqualTo(rows.Targets));
    }

    [Test]
    public void Random_self_projection_without_autapses_never_connects_a_neuron_to_itself_and_extremes_are_exact()
    {
        var rows = new RandomConnections(0.3, Autapses: false).Connect(200, 200, self: true, seed: 1, key: 0);
        for (int i = 0; i < 200; i++)
            for (int j = rows.RowStart[i]; j < rows.RowStart[i + 1]; j++) Assert.That(rows.Targets[j], Is.Not.EqualTo(i));
        Assert.That(rows.Targets.Count(t => t == 199), Is.GreaterThan(30), "the last neuron is still reachable");
        Assert.That(new RandomConnections(1, Autapses: false).Connect(50, 50, true, 0, 0).Targets.Length, Is.EqualTo(50 * 49));
        Assert.That(new RandomConnections(1).Connect(50, 40, false, 0, 0).Targets.Length, Is.EqualTo(50 * 40));
        Assert.That(new RandomConnections(0).Connect(50, 40, false, 0, 0).Targets, Is.Empty);
    }

    [Test]
    public void Fixed_in_degree_gives_every_target_exactly_k_distinct_sources()
    {
        var rows = new FixedInDegree(25, Autapses: false).Connect(300, 300, self: true, seed: 2, key: 0);
        var sources = Enumerable.Range(0, 300).Select(_ => new List<int>()).ToArray();
        for (int i = 0; i < 300; i++)
            for (int j = rows.RowStart[i]; j < rows.RowStart[i + 1]; j++) sources[rows.Targets[j]].Add(i);
        for (int t = 0; t < 300; t++)
        {
            Assert.That(sources[t], Has.Count.EqualTo(25), $"target {t}");
            Assert.That(sources[t], Is.Unique);
            Assert.That(sources[t], Does.Not.Contain(t));
        }
        // Sources are used uniformly: out-degrees have mean 25 and no source is left out by a bias.
        var outDegree = Enumerable.Range(0, 300).Select(i => rows.RowStart[i + 1] - rows.RowStart[i]).ToArray();
        Assert.That(outDegree.Max(), Is.LessThan(60));
        Assert.That(() => new FixedInDegree(300, Autapses: false).Connect(300, 300, true, 0, 0), Throws.ArgumentException.With.Message.Contains("in-degree"));
        Assert.That(new FixedInDegree(300).Connect(300, 10, false, 0, 0).Targets.Length, Is.EqualTo(3000), "k = N: everyone");
    }

    [Test]
    public void Pairs_outside_the_populations_are_refused()
        => Assert.That(() => new Pairs([0, 5], [1, 1]).Connect(5, 5, false, 0, 0), Throws.ArgumentException.With.Message.Contains("pair 1"));
}
