using Newtonsoft.Json.Linq;
using SpikeLfp.Data;
using SpikeLfp.Learning.Experiments;
using SpikeLfp.Network.Model;
using SpikeLfp.Neurons;
using SpikeLfp.Tests.Reliability;

namespace SpikeLfp.Tests.Experiments;

/// <summary>spikelfp experiment convergence and the experiment behind it, on short runs of the embedded digits.</summary>
public class ConvergenceExperimentTests : TempFolderTests
{
    private static readonly string[] RuleKeys = ["lfp_sgd", "gradient_sgd", "lfp_adam", "gradient_adam"];

    private static DatasetSplit Digits(int limit)
    {
        var data = DigitsDataset.Load();
        return new DatasetSplit(data.Train.Spread(limit), data.Test.Spread(limit));
    }

    [Test]
    public void Command_writes_per_seed_curves_summaries_plots_and_report()
    {
        string out1 = Temp["run"];
        var (result, json) = Reliability.Cli.RunForJson(Path.Combine(out1, "convergence.json"),
            "experiment", "convergence", "--model", "64-16-10", "--limit", "80", "--epochs", "2", "--batch", "16", "--seeds", "0,3", "--out", out1);
        Assert.That((string?)json["model"], Is.EqualTo("64-16-10"));
        Assert.That(json["seeds"]!.Select(t => (int)t), Is.EqualTo(new[] { 0, 3 }));
        Assert.That(json["rules"]!.Select(t => (string?)t), Is.EqualTo(new[] { "lfp-sgd", "gradient-sgd", "lfp-adam", "gradient-adam" }));
        Assert.That((int)json["settings"]!["batch"]!, Is.EqualTo(16));
        foreach (string key in RuleKeys)
        {
            var perSeed = json["per_seed"]!.Select(s => s["runs"]![key]!).ToArray();
            foreach (var run in perSeed)
            {
                var curve = (JArray)run["curve"]!;
                Assert.That(curve.Select(p => (int)p["epoch"]!), Is.EqualTo(new[] { 0, 1, 2 }), key);
                foreach (var point in curve)
                {
                    foreach (string measure in new[] { "train_accuracy", "test_accuracy" })
                        Assert.That((double)point[measure]!, Is.InRange(0.0, 1.0), $"{key} {measure}");
                    Assert.That((double)point["train_loss"]!, Is.GreaterThan(0.0), key);
                    Assert.That((double)point["test_hidden_active_fraction"]!, Is.GreaterThan(0.0).And.LessThanOrEqualTo(1.0), key);
                }
                Assert.That(curve.Select(p => (double)p["seconds"]!), Is.Ordered, "wall time accumulates");
                Assert.That((double)curve[^1]!["test_accuracy"]!, Is.EqualTo((double)run["test_accuracy"]!));
                // Epochs to 90%: the first epoch whose test accuracy reaches 90% of the final one.
                double final = (double)run["test_accuracy"]!;
                int first = curve.First(p => (double)p["test_accuracy"]! >= 0.9 * final).Value<int>("epoch");
                Assert.That((int)run["epochs_to_90"]!, Is.EqualTo(first), key);
            }
            var summary = json["summary"]![key]!;
            Assert.That(summary["test_accuracy"]!["per_seed"]!.Select(t => (double)t), Is.EqualTo(perSeed.Select(r => (double)r["test_accuracy"]!)), key);
            Assert.That((JArray)summary["mean_curve"]!, Has.Count.EqualTo(3), key);
        }
        // LFP minus gradient, paired by seed, for each optimizer.
        foreach (string optimizer in new[] { "sgd", "adam" })
        {
            var difference = json["summary"]![$"lfp_{optimizer}"]!["difference_to_gradient"]!["per_seed"]!.Select(t => (double)t).ToArray();
            var expected = json["per_seed"]!.Select(s => (double)s["runs"]![$"lfp_{optimizer}"]!["test_accuracy"]! - (double)s["runs"]![$"gradient_{optimizer}"]!["test_accuracy"]!);
            Assert.That(difference, Is.EqualTo(expected).Within(1e-12), optimizer);
            Assert.That(json["summary"]![$"gradient_{optimizer}"]!["difference_to_gradient"], Is.Null);
        }
        foreach (string file in new[] { "convergence-epoch.png", "convergence-epoch.svg", "convergence-time.png", "convergence-time.svg", "convergence-loss.png", "convergence-loss.svg", "report.md" })
            Assert.That(new FileInfo(Path.Combine(out1, file)).Length, Is.GreaterThan(100), file);
        string report = File.ReadAllText(Path.Combine(out1, "report.md"));
        Assert.That(report, Does.Contain("| LFP + SGD |").And.Contain("epochs to 90%").And.Contain("## Settings").And.Contain("convergence-time.png"));
        Assert.That(result.Output, Does.Contain("with SGD: LFP").And.Contain("with Adam: LFP"));
    }

    [Test]
    public void Every_rule_of_a_seed_starts_from_the_same_weights_and_seeds_differ()
    {
        var data = Digits(60);
        var spec = ConvSpec.Parse("64-12-10", LifParameters.Default);
        var study = ConvergenceExperiment.Run(data, spec, new ConvergenceSettings { Epochs = 1, BatchSize = 10 }, [1, 2], ConvergenceRule.All);
        foreach (int seed in study.Seeds)
        {
            var starts = study.Rules.Select(r => study.Run(r, seed).Epochs[0]).ToArray();
            Assert.That(starts.Select(e => (e.TrainLoss, e.TestLoss, e.TestAccuracy)).Distinct().Count(), Is.EqualTo(1), $"seed {seed}: same untrained network");
            Assert.That(study.Rules.Select(r => study.Run(r, seed).Epochs[1].TrainLoss).Distinct().Count(), Is.EqualTo(4), "the rules then train differently");
        }
        Assert.That(study.Run(ConvergenceRule.LfpSgd, 1).Epochs[0].TrainLoss, Is.Not.EqualTo(study.Run(ConvergenceRule.LfpSgd, 2).Epochs[0].TrainLoss));
        // The untrained network is the one AnalogNetwork.Create builds from the seed.
        var untrained = AnalogTrainer.Evaluate(AnalogNetwork.Create(spec, Activation.ReLU, 2), data.Train);
        Assert.That(study.Run(ConvergenceRule.GradientAdam, 2).Epochs[0].TrainLoss, Is.EqualTo(untrained.Loss));
        var hidden = AnalogNetwork.Create(spec, Activation.ReLU, 2).Forward(data.Test.Features, new long[data.Test.Count]).PreActivations[0];
        Assert.That(study.Run(ConvergenceRule.LfpSgd, 2).Epochs[0].TestHiddenActive, Is.EqualTo((double)hidden.Count(z => z > 0f) / hidden.Length).Within(1e-12));
    }

    [Test]
    public void Runs_are_deterministic_and_do_not_depend_on_the_runs_beside_them()
    {
        var data = Digits(60);
        var spec = ConvSpec.Parse("8x8x1-c4k3-p2-10", LifParameters.Default);
        var settings = new ConvergenceSettings { Epochs = 2, BatchSize = 8 };
        var all = ConvergenceExperiment.Run(data, spec, settings, [0, 1], ConvergenceRule.All);
        var alone = ConvergenceExperiment.Run(data, spec, settings, [1], [ConvergenceRule.LfpAdam]);
        static IEnumerable<double> Numbers(ConvergenceRun run) => run.Epochs.SelectMany(e => new[] { e.TrainLoss, e.TrainAccuracy, e.TestLoss, e.TestAccuracy });
        Assert.That(Numbers(alone.Run(ConvergenceRule.LfpAdam, 1)), Is.EqualTo(Numbers(all.Run(ConvergenceRule.LfpAdam, 1))));
    }

    [Test]
    public void Lfp_and_the_gradient_both_learn_a_relu_network_with_sgd_and_with_adam()
    {
        var data = Digits(300);
        var study = ConvergenceExperiment.Run(data, ConvSpec.Parse("64-32-10", LifParameters.Default),
            new ConvergenceSettings { Epochs = 8, BatchSize = 16 }, [0], ConvergenceRule.All);
        foreach (var rule in study.Rules)
        {
            var run = study.Run(rule, 0);
            Assert.That(run.Epochs[0].TestAccuracy, Is.LessThan(0.3), $"{rule.Label}: untrained");
            Assert.That(run.TestAccuracy, Is.GreaterThan(0.7), $"{rule.Label}: trained");
            Assert.That(run.Epochs[^1].TrainLoss, Is.LessThan(0.5 * run.Epochs[0].TrainLoss), $"{rule.Label}: the training loss falls");
        }
    }

    [Test]
    public void First_epoch_reaching_a_fraction_of_the_final_accuracy()
    {
        var rule = ConvergenceRule.LfpSgd;
        ConvergenceEpoch At(int epoch, double accuracy) => new(epoch, 1, accuracy, 1, accuracy, epoch);
        var run = new ConvergenceRun(rule, 0, [At(0, 0.1), At(1, 0.5), At(2, 0.85), At(3, 0.8), At(4, 0.9)]);
        Assert.That(run.FirstReaching(0.9).Epoch, Is.EqualTo(2), "0.85 >= 0.9 * 0.9");
        Assert.That(run.FirstReaching(1.0).Epoch, Is.EqualTo(4));
        Assert.That(ConvergenceRule.Parse("gradient-adam"), Is.EqualTo(ConvergenceRule.GradientAdam));
        Assert.That(ConvergenceRule.LfpAdam.Partner, Is.EqualTo(ConvergenceRule.GradientAdam));
    }

    [TestCase("--rules", "lfp-sgd,backprop", "--rules", "unknown rule 'backprop'")]
    [TestCase("--rules", "lfp-sgd,lfp-sgd", "--rules", "twice")]
    [TestCase("--model", "64-r100-10", "--model", "'r100'")]
    [TestCase("--model", "64-abc-10", "--model", "'abc'")]
    [TestCase("--model", "lifcnn", "--model", "784 inputs", "64 features")]
    [TestCase("--model", "64-16-5", "--model", "5 outputs", "10 classes")]
    [TestCase("--model", "8x8x1-c4k9-10", "--model", "kernel does not fit")]
    [TestCase("--lr", "0", "--lr", "> 0")]
    [TestCase("--adam-lr", "NaN", "--adam-lr", "finite")]
    [TestCase("--momentum", "1", "momentum")]
    [TestCase("--clip", "-1", "clip")]
    [TestCase("--epochs", "0", "--epochs")]
    [TestCase("--seeds", "1,1", "twice")]
    [TestCase("--seeds", "a", "--seeds")]
    [TestCase("--bogus", "1", "unknown flag --bogus")]
    public void Bad_input_is_exit_2_with_one_line_and_no_output(string flag, string value, params string[] fragments)
    {
        string out1 = Temp["bad"];
        Reliability.Cli.Run("experiment", "convergence", "--limit", "20", "--epochs", "1", flag, value, "--out", out1).AssertUsageError(fragments);
        Assert.That(Directory.Exists(out1), Is.False, "no output folder for bad input");
    }

    [Test]
    public void An_unwritable_output_folder_or_seed_with_seeds_is_exit_2()
    {
        string file = Temp["file"];
        File.WriteAllText(file, "");
        Reliability.Cli.Run("experiment", "convergence", "--limit", "20", "--epochs", "1", "--out", file).AssertUsageError("--out", "is a file");
        Reliability.Cli.Run("experiment", "convergence", "--limit", "20", "--epochs", "1", "--out", Path.Combine(file, "below")).AssertUsageError("--out", "cannot write");
        Reliability.Cli.Run("experiment", "convergence", "--seed", "1", "--seeds", "1,2", "--out", Temp["x"]).AssertUsageError("--seed or --seeds");
    }
}
