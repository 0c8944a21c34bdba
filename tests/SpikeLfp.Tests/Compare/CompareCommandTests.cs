using SpikeLfp.Tests.Reliability;
using System.Text.RegularExpressions;
using Newtonsoft.Json.Linq;
using SpikeLfp.Cli;

namespace SpikeLfp.Tests.Compare;

/// <summary>spikelfp compare end to end on a tiny run, and its refusals.</summary>
public class CompareCommandTests
{
    private string _root = "";

    [SetUp]
    public void CreateRoot()
    {
        _root = Path.Combine(Path.GetTempPath(), $"spikelfp-compare-{Guid.NewGuid():N}");
        Directory.CreateDirectory(_root);
    }

    [TearDown]
    public void DeleteRoot()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    private static CliResult Run(params string[] args) => SpikeLfp.Tests.Reliability.Cli.Run(args);

    [Test]
    public void Tiny_compare_writes_the_documented_json_and_a_report_linking_its_plots()
    {
        string folder = Path.Combine(_root, "out");
        var (code, output, error) = Run("compare", "--limit", "64", "--epochs", "2", "--seeds", "0,1", "--model", "64-20-10", "--out", folder);
        Assert.That(code, Is.EqualTo(0), error);
        TestContext.Out.WriteLine(output);

        var json = JObject.Parse(File.ReadAllText(Path.Combine(folder, "comparison.json")));
        Assert.That(json.Properties().Select(p => p.Name), Is.EqualTo(new[] { "dataset", "model", "steps", "encoder", "neuron", "epochs", "rows" }));
        Assert.That((string?)json["dataset"], Is.EqualTo("digits"));
        Assert.That((string?)json["model"], Is.EqualTo("64-20-10"));
        Assert.That((int)json["steps"]!, Is.EqualTo(15));
        Assert.That((int)json["epochs"]!, Is.EqualTo(2));
        var rows = (JArray)json["rows"]!;
        Assert.That(rows.Select(r => ((string?)r["rule"], (string?)r["surrogate"])),
            Is.EqualTo(new (string?, string?)[] { ("lfp", null), ("surrogate", "atan"), ("surrogate", "step") }));
        string[] keys = ["rule", "surrogate", "seeds", "test_accuracy_mean", "test_accuracy_per_seed", "test_accuracy_by_epoch", "seconds",
            "samples_per_second", "hidden_spike_rate", "near_zero_weight_fraction", "synaptic_operations_per_sample",
            "spike_accumulates_per_sample", "input_multiply_accumulates_per_sample", "dense_multiply_accumulates_per_sample"];
        foreach (JObject row in rows.Cast<JObject>())
        {
            Assert.That(row.Properties().Select(p => p.Name), Is.EqualTo(keys));
            Assert.That(row["seeds"]!.Values<int>(), Is.EqualTo(new[] { 0, 1 }));
            var perSeed = row["test_accuracy_per_seed"]!.Values<double>().ToArray();
            Assert.That(perSeed, Has.Length.EqualTo(2).And.All.InRange(0.0, 1.0));
            var curves = row["test_accuracy_by_epoch"]!.Select(c => c.Values<double>().ToArray()).ToArray();
            Assert.That(curves.Select(c => c.Length), Is.EqualTo(new[] { 2, 2 }));
            Assert.That(curves.Select(c => c[^1]), Is.EqualTo(perSeed), "the curve of each seed ends at its final accuracy");
            Assert.That((double)row["test_accuracy_mean"]!, Is.EqualTo(perSeed.Average()).Within(1e-12));
            Assert.That((double)row["seconds"]!, Is.GreaterThan(0));
            Assert.That((double)row["samples_per_second"]!, Is.GreaterThan(0));
            Assert.That((double)row["hidden_spike_rate"]!, Is.InRange(0.0, 1.0));
            Assert.That((double)row["near_zero_weight_fraction"]!, Is.InRange(0.0, 1.0));
            Assert.That((double)row["synaptic_operations_per_sample"]!,
                Is.EqualTo((double)row["spike_accumulates_per_sample"]! + (double)row["input_multiply_accumulates_per_sample"]!).Within(1e-9));
            Assert.That((long)row["dense_multiply_accumulates_per_sample"]!, Is.EqualTo(64 * 20 + 20 * 10));
            // A spike of a hidden neuron reaches the 10 outputs: the accumulates are 10 per hidden spike.
            Assert.That((double)row["spike_accumulates_per_sample"]!, Is.EqualTo((double)row["hidden_spike_rate"]! * 20 * 15 * 10).Within(1e-6));
        }

        string report = File.ReadAllText(Path.Combine(folder, "report.md"));
        var links = Regex.Matches(report, @"\]\(([^)]+)\)").Select(m => m.Groups[1].Value).ToList();
        Assert.That(links, Does.Contain("training_curves.png").And.Contain("training_curves.svg")
            .And.Contain("training_curves_seeds.png").And.Contain("training_curves_seeds.svg"), "two seeds: the seed bands too");
        foreach (string link in links)
        {
            Assert.That(Path.IsPathRooted(link), Is.False, $"{link} is relative");
            var file = new FileInfo(Path.Combine(folder, link));
            Assert.That(file.Exists && file.Length > 1000, Is.True, $"{link} exists next to report.md");
        }
        Assert.That(report, Does.Contain("| lfp |").And.Contain("| surrogate atan |").And.Contain("| surrogate step |"));
        Assert.That(Directory.GetFiles(folder).Select(Path.GetFileName).Where(n => n!.EndsWith(".tmp")), Is.Empty, "no temporary files left");
        Assert.That(output, Does.Contain("surrogate step").And.Contain("hidden spike rate"));
    }

    [Test]
    public void Compare_trains_a_recurrent_cuba_network_on_image_rows()
    {
        string folder = Path.Combine(_root, "rows");
        var (code, output, error) = Run("compare", "--encoder", "rows", "--model", "8-r16-10", "--neuron", "cuba", "--alpha", "0.5",
            "--limit", "64", "--epochs", "1", "--seeds", "0", "--surrogates", "atan", "--out", folder);
        Assert.That(code, Is.EqualTo(0), error);
        var json = JObject.Parse(File.ReadAllText(Path.Combine(folder, "comparison.json")));
        Assert.That((string?)json["model"], Is.EqualTo("8-r16-10"));
        Assert.That((string?)json["encoder"], Is.EqualTo("rows"));
        Assert.That((string?)json["neuron"], Is.EqualTo("cuba"));
        Assert.That((int)json["steps"]!, Is.EqualTo(8), "one step per image row of the 8x8 digits");
        foreach (var row in (JArray)json["rows"]!)
        {
            Assert.That((double)row["test_accuracy_mean"]!, Is.InRange(0.0, 1.0));
            // Eight rows of eight analog inputs, each into 16 neurons, plus the spikes that travel on.
            Assert.That((double)row["input_multiply_accumulates_per_sample"]!, Is.GreaterThan(8 * 16));
        }
    }

    [Test]
    public void Compare_trains_both_rules_on_the_same_rate_coded_spikes()
    {
        string folder = Path.Combine(_root, "rate");
        var (code, _, error) = Run("compare", "--encoder", "rate", "--model", "64-40-10", "--limit", "600", "--epochs", "3", "--seeds", "0",
            "--surrogates", "atan", "--out", folder);
        Assert.That(code, Is.EqualTo(0), error);
        var json = JObject.Parse(File.ReadAllText(Path.Combine(folder, "comparison.json")));
        Assert.That((string?)json["encoder"], Is.EqualTo("rate"));
        foreach (var row in (JArray)json["rows"]!) Assert.That((double)row["test_accuracy_mean"]!, Is.GreaterThan(0.3), row.ToString());
    }

    [Test]
    public void Compare_trains_an_li_readout_with_both_rules()
    {
        string folder = Path.Combine(_root, "li");
        var (code, _, error) = Run("compare", "--readout", "li", "--model", "64-20-10", "--limit", "300", "--epochs", "5", "--seeds", "0",
            "--surrogates", "atan", "--out", folder);
        Assert.That(code, Is.EqualTo(0), error);
        var rows = (JArray)JObject.Parse(File.ReadAllText(Path.Combine(folder, "comparison.json")))["rows"]!;
        // Both rules learn well above chance (10%) through the non-spiking readout.
        foreach (var row in rows) Assert.That((double)row["test_accuracy_mean"]!, Is.GreaterThan(0.5), row.ToString());
    }

    [TestCase("--readout", "lif")]
    [TestCase("--encoder", "poisson")]
    [TestCase("--neuron", "izhikevich")]
    [TestCase("--alpha", "0.5")]
    [TestCase("--epochs", "0")]
    [TestCase("--seeds", "0,x")]
    [TestCase("--seeds", "1,1")]
    [TestCase("--surrogates", "sigmoid")]
    [TestCase("--surrogate-lr", "-1")]
    [TestCase("--surrogate-optimizer", "rmsprop")]
    [TestCase("--lfp-lr", "nan")]
    [TestCase("--lfp-momentum", "1.5")]
    [TestCase("--model", "64-100-3")]
    [TestCase("--dataset", "no-such-data")]
    [TestCase("--bogus", "1")]
    public void Bad_flags_exit_2_with_one_line_and_no_output_folder(string flag, string value)
    {
        string folder = Path.Combine(_root, "never");
        var (code, output, error) = Run("compare", flag, value, "--out", folder);
        Assert.That(code, Is.EqualTo(2), output + error);
        Assert.That(error.TrimEnd('\n').Split('\n'), Has.Length.EqualTo(1), error);
        Assert.That(error, Does.StartWith("spikelfp compare: "));
        Assert.That(Directory.Exists(folder), Is.False, "the output folder is created only after the inputs are validated");
    }
}
