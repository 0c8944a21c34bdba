using SpikeLfp.Tests.Reliability;
using Newtonsoft.Json.Linq;
using SpikeLfp.Cli;
using SpikeLfp.Data;
using SpikeLfp.Learning.Experiments;
using SpikeLfp.Learning.Training;
using SpikeLfp.Network.Encoding;
using SpikeLfp.Network.Model;
using SpikeLfp.Neurons;

namespace SpikeLfp.Tests.Experiments;

/// <summary>Gini coefficient, global magnitude pruning and spikelfp experiment prune.</summary>
public class PruningTests
{
    private string _folder = "";

    [SetUp]
    public void CreateFolder() => _folder = Directory.CreateTempSubdirectory("prune-test-").FullName;

    [TearDown]
    public void DeleteFolder() => Directory.Delete(_folder, recursive: true);

    [Test]
    public void Gini_of_equal_magnitudes_is_zero_whatever_the_signs()
    {
        Assert.That(Pruning.Gini([2f, -2f, 2f, -2f, 2f]), Is.EqualTo(0.0).Within(1e-12));
        Assert.That(Pruning.Gini([0.3f]), Is.EqualTo(0.0));
        Assert.That(Pruning.Gini([0f, 0f, 0f]), Is.EqualTo(0.0), "all-zero is defined as 0");
        Assert.That(Pruning.Gini([]), Is.EqualTo(0.0), "empty is defined as 0");
    }

    [TestCase(2)]
    [TestCase(5)]
    [TestCase(1000)]
    public void Gini_of_one_nonzero_weight_of_n_is_n_minus_one_over_n(int n)
    {
        var values = new float[n];
        values[n / 2] = -3.5f;
        Assert.That(Pruning.Gini(values), Is.EqualTo((n - 1.0) / n).Within(1e-12));
    }

    [Test]
    public void Gini_equals_the_mean_absolute_difference_over_twice_the_mean()
    {
        // Pairs of 1, 2, 3, 4: sum over ordered pairs |xi - xj| = 20; 20 / (2 * 4^2 * 2.5) = 0.25.
        Assert.That(Pruning.Gini([4f, -1f, 3f, 2f]), Is.EqualTo(0.25).Within(1e-12));
        var random = new Random(3);
        var x = Enumerable.Range(0, 57).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        double pairs = 0;
        foreach (float a in x) foreach (float b in x) pairs += Math.Abs(Math.Abs((double)a) - Math.Abs((double)b));
        double mean = x.Average(v => Math.Abs((double)v));
        Assert.That(Pruning.Gini(x), Is.EqualTo(pairs / (2.0 * x.Length * x.Length * mean)).Within(1e-9));
    }

    [Test]
    public void Network_gini_pools_every_layers_weights_and_ignores_biases()
    {
        var network = SpikingNetwork.Create([3, 2, 2], LifParameters.Default, seed: 1);
        Array.Fill(network.Layers[0].Connection.Weights, 0.5f);   // 6 equal weights
        Array.Clear(network.Layers[1].Connection.Weights);         // 4 zeros
        network.Layers[1].Connection.Weights[2] = 0.5f;
        foreach (var layer in network.Layers) Array.Fill(layer.Connection.Bias, 100f);
        var perLayer = Pruning.GiniPerLayer(network);
        Assert.That(perLayer.Select(g => g.Layer), Is.EqualTo(new[] { "hidden1", "output" }));
        Assert.That(perLayer[0].Gini, Is.EqualTo(0.0).Within(1e-12));
        Assert.That(perLayer[1].Gini, Is.EqualTo(0.75).Within(1e-12));
        // Pooled: 7 of 10 weights equal to 0.5, 3 zeros: G = 1 - 7/10 = 0.3 (a two-valued distribution).
        Assert.That(Pruning.Gini(network), Is.EqualTo(0.3).Within(1e-12));
    }

    [Test]
    public void Pruning_zeroes_exactly_the_fraction_and_only_the_smallest_magnitudes()
    {
        var network = SpikingNetwork.Create([64, 100, 10], LifParameters.Default, seed: 5);
        var original = network.Layers.SelectMany(l => l.Connection.Weights).ToArray();
        Assert.That(original.Length, Is.EqualTo(7400));
        Assert.That(original.Count(w => w == 0f), Is.Zero, "the uniform initialisation has no exact zeros");
        int[] order = Pruning.MagnitudeOrder(network);
        for (int step = 0; step <= 20; step++)
        {
            double fraction = step * 0.05;
            var pruned = Pruning.Prune(network, fraction, order).Layers.SelectMany(l => l.Connection.Weights).ToArray();
            int zeros = pruned.Count(w => w == 0f);
            Assert.That(zeros, Is.EqualTo(step * 370), $"{fraction:P0}");
            Assert.That(Pruning.PrunedCount(7400, fraction), Is.EqualTo(step * 370));
            if (zeros == 0 || zeros == pruned.Length) continue;
            float largestPruned = Enumerable.Range(0, pruned.Length).Where(i => pruned[i] == 0f).Max(i => Math.Abs(original[i]));
            float smallestKept = Enumerable.Range(0, pruned.Length).Where(i => pruned[i] != 0f).Min(i => Math.Abs(original[i]));
            Assert.That(largestPruned, Is.LessThanOrEqualTo(smallestKept), $"{fraction:P0}: a larger weight was pruned before a smaller one");
            Assert.That(Enumerable.Range(0, pruned.Length).Where(i => pruned[i] != 0f).All(i => pruned[i] == original[i]), Is.True, "kept weights are unchanged");
        }
        Assert.That(Pruning.PrunedCount(7, 0.5), Is.EqualTo(4), "round(3.5) to even");
        Assert.That(Pruning.PrunedCount(10, 0.25), Is.EqualTo(2), "round(2.5) to even");
        Assert.Throws<ArgumentOutOfRangeException>(() => Pruning.PrunedCount(10, 1.5));
    }

    [Test]
    public void Ties_are_pruned_lower_layer_first_then_lower_index_whatever_the_sign()
    {
        var network = SpikingNetwork.Create([2, 2, 2], LifParameters.Default, seed: 0);
        float[] first = network.Layers[0].Connection.Weights, second = network.Layers[1].Connection.Weights;
        float[] firstValues = [0.5f, -0.5f, 0.5f, 0.2f], secondValues = [-0.5f, 0.5f, 0.2f, 0.9f];
        firstValues.CopyTo(first, 0);
        secondValues.CopyTo(second, 0);
        // Order: 0.2 (layer 0, index 3), 0.2 (layer 1, index 2), then the 0.5 ties: layer 0 indices 0, 1, 2, layer 1 indices 0, 1; 0.9 last.
        Assert.That(Pruning.MagnitudeOrder(network), Is.EqualTo(new[] { 3, 6, 0, 1, 2, 4, 5, 7 }));

        var pruned = Pruning.Prune(network, 0.5);   // 4 of 8
        Assert.That(pruned.Layers[0].Connection.Weights, Is.EqualTo(new[] { 0f, 0f, 0.5f, 0f }));
        Assert.That(pruned.Layers[1].Connection.Weights, Is.EqualTo(new[] { -0.5f, 0.5f, 0f, 0.9f }));
        var more = Pruning.Prune(network, 0.75);    // 6 of 8
        Assert.That(more.Layers[0].Connection.Weights, Is.EqualTo(new[] { 0f, 0f, 0f, 0f }));
        Assert.That(more.Layers[1].Connection.Weights, Is.EqualTo(new[] { 0f, 0.5f, 0f, 0.9f }));
        Assert.That(first, Is.EqualTo(firstValues), "the pruned network is a copy");
        Assert.That(second, Is.EqualTo(secondValues), "the pruned network is a copy");
    }

    [Test]
    public void A_fully_pruned_network_keeps_its_biases_and_ignores_its_input()
    {
        var data = DatasetCatalog.Resolve("digits", null).Test.Spread(50);
        var network = SpikingNetwork.Create([64, 30, 10], LifParameters.Default, seed: 2);
        var biases = network.Layers.Select(l => l.Connection.Bias.ToArray()).ToList();
        var pruned = Pruning.Prune(network, 1.0);
        Assert.That(pruned.Layers.SelectMany(l => l.Connection.Weights), Is.All.EqualTo(0f));
        for (int k = 0; k < pruned.Layers.Count; k++)
            Assert.That(pruned.Layers[k].Connection.Bias, Is.EqualTo(biases[k]), $"layer {k} bias");
        Assert.That(network.Layers.SelectMany(l => l.Connection.Weights).Count(w => w == 0f), Is.Zero, "the original is untouched");
        // With no synapse left, every sample sees the same (bias-only) network: one prediction for all.
        var predictions = Evaluator.Predict(pruned, data, 15, new ConstantCurrentEncoder());
        Assert.That(predictions.Distinct().Count(), Is.EqualTo(1));
        // Pruning nothing changes nothing.
        Assert.That(Evaluator.Predict(Pruning.Prune(network, 0.0), data, 15, new ConstantCurrentEncoder()),
            Is.EqualTo(Evaluator.Predict(network, data, 15, new ConstantCurrentEncoder())));
    }

    private static CliResult Run(params string[] args) => SpikeLfp.Tests.Reliability.Cli.Run(args);

    [Test]
    public void Prune_command_writes_json_with_the_documented_keys_plots_and_report()
    {
        string folder = Path.Combine(_folder, "run");
        var (result, json) = SpikeLfp.Tests.Reliability.Cli.RunForJson(Path.Combine(folder, "prune.json"),
            "experiment", "prune", "--limit", "60", "--epochs", "1", "--seed", "2", "--out", folder);
        Assert.That(json.Properties().Select(p => p.Name), Is.EquivalentTo(new[] { "lfp", "surrogate", "settings" }));
        var fractions = Enumerable.Range(0, 20).Select(k => k * 0.05).ToArray();
        foreach (string rule in new[] { "lfp", "surrogate" })
        {
            var r = (JObject)json[rule]!;
            Assert.That(r.Properties().Select(p => p.Name), Is.EqualTo(new[] { "gini", "gini_per_layer", "test_accuracy", "curve" }), rule);
            Assert.That((double)r["gini"]!, Is.InRange(0.0, 1.0), rule);
            Assert.That(((JObject)r["gini_per_layer"]!).Properties().Select(p => p.Name), Is.EqualTo(new[] { "hidden1", "output" }), rule);
            var curve = (JArray)r["curve"]!;
            Assert.That(curve.Select(p => ((JObject)p).Properties().Select(q => q.Name)), Has.All.EqualTo(new[] { "pruned_fraction", "test_accuracy" }), rule);
            Assert.That(curve.Select(p => (double)p["pruned_fraction"]!), Is.EqualTo(fractions).Within(1e-12), rule);
            Assert.That((double)curve[0]!["test_accuracy"]!, Is.EqualTo((double)r["test_accuracy"]!), $"{rule}: 0% pruned is the trained network");
        }
        Assert.That((string?)json["settings"]!["model"], Is.EqualTo("64-100-10"));
        Assert.That((int)json["settings"]!["weights"]!, Is.EqualTo(7400));
        foreach (string file in new[] { "prune.png", "prune.svg", "weights-lfp.png", "weights-lfp.svg", "weights-surrogate.png", "weights-surrogate.svg", "report.md" })
            Assert.That(new FileInfo(Path.Combine(folder, file)).Length, Is.GreaterThan(100), file);
        Assert.That(File.ReadAllBytes(Path.Combine(folder, "prune.png")).Take(4), Is.EqualTo(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }));
        Assert.That(File.ReadAllText(Path.Combine(folder, "report.md")), Does.Contain("(prune.png)").And.Contain("(weights-lfp.png)").And.Contain("(weights-surrogate.png)"));
        Assert.That(result.Output, Does.Contain("90% pruned").And.Contain("surrogate atan"));
    }

    [Test]
    public void Bad_flags_are_usage_errors_and_create_nothing()
    {
        string folder = Path.Combine(_folder, "x");
        var badEpochs = Run("experiment", "prune", "--epochs", "0", "--out", folder);
        Assert.That(badEpochs.ExitCode, Is.EqualTo(2));
        Assert.That(badEpochs.Error.TrimEnd(), Is.EqualTo("spikelfp experiment prune: --epochs must be a positive integer, got 0."));
        var badModel = Run("experiment", "prune", "--model", "32-10", "--out", folder);
        Assert.That(badModel.ExitCode, Is.EqualTo(2));
        Assert.That(badModel.Error, Does.Contain("--model"));
        var unknown = Run("experiment", "prune", "--lr", "0.1", "--out", folder);
        Assert.That(unknown.ExitCode, Is.EqualTo(2));
        Assert.That(Directory.Exists(folder), Is.False, "nothing is created for a bad command line");
    }
}
