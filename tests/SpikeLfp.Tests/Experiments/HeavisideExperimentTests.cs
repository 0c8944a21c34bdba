using SpikeLfp.Tests.Reliability;
using Newtonsoft.Json.Linq;
using SpikeLfp.Cli;
using SpikeLfp.Data;
using SpikeLfp.Learning.Experiments;
using SpikeLfp.Network.Model;

namespace SpikeLfp.Tests.Experiments;

/// <summary>spikelfp experiment heaviside and the experiment behind it, on short runs of the embedded digits.</summary>
public class HeavisideExperimentTests
{
    private string _folder = "";

    [SetUp]
    public void CreateFolder() => _folder = Directory.CreateTempSubdirectory("heaviside-test-").FullName;

    [TearDown]
    public void DeleteFolder() => Directory.Delete(_folder, recursive: true);

    private static CliResult Run(params string[] args) => SpikeLfp.Tests.Reliability.Cli.Run(args);

    [Test]
    public void Heaviside_command_writes_json_with_the_three_accuracies_plot_and_report()
    {
        string out1 = Path.Combine(_folder, "run");
        var (result, json) = SpikeLfp.Tests.Reliability.Cli.RunForJson(Path.Combine(out1, "heaviside.json"),
            "experiment", "heaviside", "--limit", "120", "--epochs", "3", "--batch", "16", "--seed", "1", "--out", out1);
        Assert.That((int)json["settings"]!["batch"]!, Is.EqualTo(16));
        foreach (string key in new[] { "lfp_noise_test_accuracy", "lfp_no_noise_test_accuracy", "gradient_test_accuracy" })
            Assert.That((double)json[key]!, Is.InRange(0.0, 1.0), key);
        Assert.That((string?)json["model"], Is.EqualTo("64-120-84-10"));
        Assert.That(json["seeds"]!.Select(t => (int)t), Is.EqualTo(new[] { 1 }));
        var runs = json["per_seed"]![0]!["runs"]!;
        foreach (string run in new[] { "lfp_noise", "lfp_no_noise", "gradient" })
        {
            var curve = (JArray)runs[run]!["curve"]!;
            Assert.That(curve.Select(p => (int)p["epoch"]!), Is.EqualTo(new[] { 0, 1, 2, 3 }), run);
            Assert.That((double)curve[^1]!["test_accuracy"]!, Is.EqualTo((double)json[run + "_test_accuracy"]!), run);
            Assert.That((double)json["summary"]![run]!["test_accuracy_sd"]!, Is.EqualTo(0.0), "one seed has no spread");
        }
        Assert.That((double)runs["gradient"]!["last_epoch"]!["update_norm"]!, Is.EqualTo(0.0), "the step's derivative stops every gradient");
        Assert.That((double)runs["lfp_noise"]!["last_epoch"]!["signal_nonzero_fraction"]!, Is.EqualTo(1.0), "noise gives every output reward");
        foreach (string file in new[] { "heaviside.png", "heaviside.svg", "report.md" })
            Assert.That(new FileInfo(Path.Combine(out1, file)).Length, Is.GreaterThan(100), file);
        Assert.That(File.ReadAllBytes(Path.Combine(out1, "heaviside.png")).Take(4), Is.EqualTo(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }));
        Assert.That(result.Output, Does.Contain("LFP + noise").And.Contain("gradient"));
    }

    [Test]
    public void Several_seeds_report_the_mean_and_spread_of_per_seed_runs()
    {
        string out1 = Path.Combine(_folder, "seeds");
        var (_, json) = SpikeLfp.Tests.Reliability.Cli.RunForJson(Path.Combine(out1, "heaviside.json"),
            "experiment", "heaviside", "--limit", "100", "--epochs", "12", "--seeds", "3,5", "--out", out1);
        Assert.That(json["seeds"]!.Select(t => (int)t), Is.EqualTo(new[] { 3, 5 }));
        Assert.That(json["per_seed"]!.Select(t => (int)t["seed"]!), Is.EqualTo(new[] { 3, 5 }));
        foreach (string run in new[] { "lfp_noise", "lfp_no_noise", "gradient" })
        {
            var perSeed = json["per_seed"]!.Select(t => (double)t["runs"]![run]!["test_accuracy"]!).ToArray();
            var summary = json["summary"]![run]!;
            Assert.That(summary["test_accuracy_per_seed"]!.Select(t => (double)t), Is.EqualTo(perSeed), run);
            Assert.That((double)json[run + "_test_accuracy"]!, Is.EqualTo(perSeed.Average()).Within(1e-12), run);
            Assert.That((double)summary["test_accuracy_sd"]!, Is.EqualTo(Math.Abs(perSeed[0] - perSeed[1]) / Math.Sqrt(2)).Within(1e-12), run);
            Assert.That((double)summary["test_accuracy_min"]!, Is.EqualTo(perSeed.Min()), run);
            var meanCurve = (JArray)summary["mean_curve"]!;
            Assert.That(meanCurve, Has.Count.EqualTo(13), run);
            Assert.That((double)meanCurve[^1]!["test_accuracy_mean"]!, Is.EqualTo(perSeed.Average()).Within(1e-12), run);
        }

        // Each seed's runs are those of that seed alone: the seeds train side by side without touching each other.
        string alone = Path.Combine(_folder, "alone");
        var (_, single) = SpikeLfp.Tests.Reliability.Cli.RunForJson(Path.Combine(alone, "heaviside.json"),
            "experiment", "heaviside", "--limit", "100", "--epochs", "12", "--seed", "5", "--out", alone);
        Assert.That(JToken.DeepEquals(WithoutSeconds(single["per_seed"]![0]!), WithoutSeconds(json["per_seed"]![1]!)), Is.True);
    }

    [Test]
    public void Seed_and_seeds_together_a_repeated_seed_or_a_bad_batch_are_usage_errors()
    {
        var both = Run("experiment", "heaviside", "--seed", "1", "--seeds", "1,2", "--out", Path.Combine(_folder, "x"));
        Assert.That(both.ExitCode, Is.EqualTo(2));
        Assert.That(both.Error.TrimEnd(), Is.EqualTo("spikelfp experiment heaviside: give --seed or --seeds, not both."));
        var batch = Run("experiment", "heaviside", "--batch", "0", "--out", Path.Combine(_folder, "x"));
        Assert.That(batch.ExitCode, Is.EqualTo(2));
        Assert.That(batch.Error, Does.Contain("--batch"));
        var twice = Run("experiment", "heaviside", "--seeds", "1,1", "--out", Path.Combine(_folder, "y"));
        Assert.That(twice.ExitCode, Is.EqualTo(2));
        Assert.That(twice.Error, Does.Contain("lists a seed twice"));
        Assert.That(Directory.Exists(Path.Combine(_folder, "x")) || Directory.Exists(Path.Combine(_folder, "y")), Is.False);
    }

    [Test]
    public void Same_seed_gives_the_same_json_apart_from_seconds()
    {
        string a = Path.Combine(_folder, "a"), b = Path.Combine(_folder, "b");
        string[] flags = ["--limit", "100", "--epochs", "2", "--seed", "4"];
        Assert.That(Run([.. (string[])["experiment", "heaviside"], .. flags, "--out", a]).ExitCode, Is.EqualTo(0));
        Assert.That(Run([.. (string[])["experiment", "heaviside"], .. flags, "--out", b]).ExitCode, Is.EqualTo(0));
        var first = WithoutSeconds(JToken.Parse(File.ReadAllText(Path.Combine(a, "heaviside.json"))));
        var second = WithoutSeconds(JToken.Parse(File.ReadAllText(Path.Combine(b, "heaviside.json"))));
        Assert.That(JToken.DeepEquals(first, second), Is.True, $"{first}\n---\n{second}");
    }

    [Test]
    public void A_run_alone_equals_the_same_run_beside_the_others()
    {
        var full = DatasetCatalog.Resolve("digits", null);
        var data = new DatasetSplit(full.Train.Take(90), full.Test.Take(60));
        var settings = new HeavisideSettings { Epochs = 2, Seed = 2 };
        var together = HeavisideExperiment.Run(data, settings);
        var alone = HeavisideExperiment.Train(HeavisideRule.LfpNoise, AnalogNetwork.Create([64, 120, 84, 10], Activation.Step, 2, activateOutput: true), data, settings);
        Assert.That(alone.Epochs.Select(e => e with { Seconds = 0 }), Is.EqualTo(together.LfpNoise.Epochs.Select(e => e with { Seconds = 0 })));
    }

    [Test]
    public void Unknown_experiment_and_bad_flags_are_usage_errors()
    {
        var unknown = Run("experiment", "nonsense");
        Assert.That(unknown.ExitCode, Is.EqualTo(2));
        Assert.That(unknown.Error, Does.Contain("unknown experiment 'nonsense'").And.Contain("heaviside"));
        var none = Run("experiment");
        Assert.That(none.ExitCode, Is.EqualTo(2));
        var badEpochs = Run("experiment", "heaviside", "--epochs", "0", "--out", Path.Combine(_folder, "x"));
        Assert.That(badEpochs.ExitCode, Is.EqualTo(2));
        Assert.That(badEpochs.Error.TrimEnd(), Is.EqualTo("spikelfp experiment heaviside: --epochs must be a positive integer, got 0."));
        Assert.That(Directory.Exists(Path.Combine(_folder, "x")), Is.False, "nothing is created for a bad command line");
    }

    private static JToken WithoutSeconds(JToken token)
    {
        foreach (var property in token.SelectTokens("$..seconds").Select(t => t.Parent).OfType<JProperty>().ToList())
            property.Remove();
        return token;
    }
}
