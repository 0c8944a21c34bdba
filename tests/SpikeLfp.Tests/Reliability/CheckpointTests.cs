using Newtonsoft.Json.Linq;
using SpikeLfp.Data;
using SpikeLfp.Learning.Optimizers;
using SpikeLfp.Learning.Training;
using SpikeLfp.Network.Model;
using SpikeLfp.Neurons;

namespace SpikeLfp.Tests.Reliability;

/// <summary>Checkpoints at the library level: exact round trip, bit-identical resume inside an epoch, clear rejection.</summary>
public class CheckpointTests
{
    private static readonly DatasetSplit Data = Small();
    private static readonly Dictionary<string, string> NoArguments = new();

    private static DatasetSplit Small()
    {
        var digits = DigitsDataset.Load();
        return new DatasetSplit(digits.Train.Take(150), digits.Test.Take(60));
    }

    private static TrainingOptions Options(string optimizer) => new() { Steps = 6, Epochs = 3, BatchSize = 16, Optimizer = SpikeLfp.Learning.Optimizers.OptimizerFactory.Parse(optimizer), LearningRate = optimizer == "adam" ? 0.002f : 0.02f, Seed = 4 };

    private static LfpTrainer NewTrainer(TrainingOptions options, SpikingNetwork? network = null)
        => new(network ?? SpikingNetwork.Create(NetworkSpec.Parse("64-12-10", LifParameters.Default), options.Seed), options);

    // Cancels the epoch after the given number of batches (progress is reported after each batch).
    private sealed class CancelAfter(CancellationTokenSource source, int batches) : IProgress<int>
    {
        private int _seen;
        public void Report(int value) { if (++_seen == batches) source.Cancel(); }
    }

    private static void AssertSameWeights(SpikingNetwork expected, SpikingNetwork actual)
    {
        for (int k = 0; k < expected.Layers.Count; k++)
        {
            Assert.That(actual.Layers[k].DenseConnection.Weights, Is.EqualTo(expected.Layers[k].DenseConnection.Weights), $"layer {k} weights");
            Assert.That(actual.Layers[k].DenseConnection.Bias, Is.EqualTo(expected.Layers[k].DenseConnection.Bias), $"layer {k} bias");
        }
        Assert.That(ModelFile.ToJson(actual), Is.EqualTo(ModelFile.ToJson(expected)));
    }

    private static JObject WithoutTimings(EpochMetrics m)
    {
        var json = m.ToJson();
        json.Remove("seconds");
        json.Remove("samples_per_second");
        return json;
    }

    [TestCase("sgd")]
    [TestCase("adam")]
    public void Resuming_from_a_checkpoint_taken_inside_an_epoch_is_bit_identical(string optimizer)
    {
        var options = Options(optimizer);
        var straight = NewTrainer(options);
        var expected = new List<EpochMetrics>();
        for (int e = 1; e <= 2; e++) expected.Add(straight.TrainEpoch(Data.Train, Data.Test, e));

        var first = NewTrainer(options);
        var done = new List<EpochMetrics> { first.TrainEpoch(Data.Train, Data.Test, 1) };
        var progress = new EpochProgress(2, first.Network.Layers.Count);
        using var stop = new CancellationTokenSource();
        Assert.Throws<OperationCanceledException>(() => first.TrainEpoch(Data.Train, Data.Test, progress, new CancelAfter(stop, 4), stop.Token));
        Assert.That(progress.NextBatch, Is.EqualTo(4));
        string json = Checkpoint.Of(first, done, progress, NoArguments).ToJson();

        var checkpoint = Checkpoint.Parse(json, "checkpoint");
        Assert.That(checkpoint.InProgress!.NextBatch, Is.EqualTo(4));
        var resumed = NewTrainer(checkpoint.Options, checkpoint.Network);
        checkpoint.RestoreOptimizer(resumed);
        var second = resumed.TrainEpoch(Data.Train, Data.Test, checkpoint.InProgress);

        AssertSameWeights(straight.Network, resumed.Network);
        Assert.That(WithoutTimings(checkpoint.Metrics[0]), Is.EqualTo(WithoutTimings(expected[0])));
        Assert.That(WithoutTimings(second).ToString(), Is.EqualTo(WithoutTimings(expected[1]).ToString()));
    }

    [TestCase("sgd")]
    [TestCase("adam")]
    public void Checkpoint_json_round_trips_every_bit(string optimizer)
    {
        var trainer = NewTrainer(Options(optimizer));
        var metrics = new List<EpochMetrics> { trainer.TrainEpoch(Data.Train, Data.Test, 1) };
        var progress = new EpochProgress(2, 2) { NextBatch = 3, Correct = 17, RewardTotal = 0.1 + 0.2, TrainSeconds = 1.5 };
        progress.SpikeTotals[0] = 1e-7 / 3; progress.SpikeTotals[1] = 12345.678901234567;
        var arguments = new Dictionary<string, string> { ["lr"] = "0.02", ["immediate-reset"] = "" };
        var original = Checkpoint.Of(trainer, metrics, progress, arguments);

        string json = original.ToJson();
        var read = Checkpoint.Parse(json, "c");

        Assert.That(read.ToJson(), Is.EqualTo(json), "writing what was read gives the same text");
        AssertSameWeights(original.Network, read.Network);
        Assert.That(read.Options, Is.EqualTo(original.Options));
        Assert.That(read.Optimizer.Kind.Name(), Is.EqualTo(optimizer));
        Assert.That(read.Optimizer.Steps, Is.EqualTo(original.Optimizer.Steps).And.GreaterThan(0));
        foreach (var (name, buffers) in original.Optimizer.Buffers)
            for (int i = 0; i < buffers.Length; i++)
                Assert.That(read.Optimizer.Buffers[name][i], Is.EqualTo(buffers[i]), $"{name}[{i}]");
        Assert.That(read.InProgress!.SpikeTotals, Is.EqualTo(progress.SpikeTotals));
        Assert.That(read.InProgress.RewardTotal, Is.EqualTo(0.1 + 0.2));
        Assert.That((read.InProgress.Epoch, read.InProgress.NextBatch, read.InProgress.Correct), Is.EqualTo((2, 3, 17L)));
        Assert.That(read.Arguments, Is.EquivalentTo(arguments));
        Assert.That(read.CompletedEpochs, Is.EqualTo(1));
    }

    [Test]
    public void A_checkpoint_with_non_finite_weights_is_never_written()
    {
        using var temp = new TempFolder();
        string path = Checkpoint.PathIn(temp.Path);
        var trainer = NewTrainer(Options("sgd"));
        Checkpoint.Of(trainer, [], null, NoArguments).Save(path);
        byte[] good = File.ReadAllBytes(path);

        trainer.Network.Layers[1].DenseConnection.Weights[3] = float.NaN;
        var e = Assert.Throws<NumericalInstabilityException>(() => Checkpoint.Of(trainer, [], null, NoArguments).Save(path));
        Assert.That(e!.Message, Does.Contain("output"));
        Assert.That(File.ReadAllBytes(path), Is.EqualTo(good), "the last good checkpoint is kept");
        Assert.That(Directory.GetFiles(temp.Path), Has.Length.EqualTo(1), "no temporary file left");
    }

    private static string ValidJson()
    {
        var trainer = NewTrainer(Options("sgd"));
        var metrics = new List<EpochMetrics> { trainer.TrainEpoch(Data.Train, Data.Test, 1) };
        return Checkpoint.Of(trainer, metrics, null, NoArguments).ToJson();
    }

    private static IEnumerable<TestCaseData> Broken()
    {
        yield return new TestCaseData((Func<JObject, string>)(j => "{ not json"), "JSON").SetName("Checkpoint_not_json");
        yield return new TestCaseData((Func<JObject, string>)(j => j.ToString()[..200]), "JSON").SetName("Checkpoint_truncated");
        yield return new TestCaseData((Func<JObject, string>)(j => { j["version"] = 9; return j.ToString(); }), "version 9").SetName("Checkpoint_other_version");
        yield return new TestCaseData((Func<JObject, string>)(j => { j["format"] = "spikelfp-model"; return j.ToString(); }), "not a SpikeLfp checkpoint").SetName("Checkpoint_other_format");
        yield return new TestCaseData((Func<JObject, string>)(j => { j["optimizer"]!["buffers"]!["velocity"]![0] = "AAAA"; return j.ToString(); }), "velocity").SetName("Checkpoint_optimizer_buffer_wrong_length");
        yield return new TestCaseData((Func<JObject, string>)(j => { j["optimizer"]!["kind"] = "adam"; return j.ToString(); }), "adam").SetName("Checkpoint_optimizer_kind_disagrees");
        yield return new TestCaseData((Func<JObject, string>)(j => { j["options"]!["lr"] = -1; return j.ToString(); }), "learning rate").SetName("Checkpoint_invalid_options");
        yield return new TestCaseData((Func<JObject, string>)(j => { ((JArray)j["model"]!["layers"]![0]!["bias"]!).RemoveAt(0); return j.ToString(); }), "bias").SetName("Checkpoint_model_shape_wrong");
        yield return new TestCaseData((Func<JObject, string>)(j => { j["in_progress"] = new JObject { ["epoch"] = 5, ["next_batch"] = 1, ["correct"] = 0, ["reward_total"] = 0, ["spike_totals"] = new JArray(0, 0), ["train_seconds"] = 0 }; return j.ToString(); }), "does not follow").SetName("Checkpoint_progress_inconsistent");
        yield return new TestCaseData((Func<JObject, string>)(j => { j.Remove("metrics"); return j.ToString(); }), "metrics").SetName("Checkpoint_missing_metrics");
        yield return new TestCaseData((Func<JObject, string>)(j => { j["optimizer"]!["buffers"]!["velocity"] = new JArray(); return j.ToString(); }), "'velocity' has 0 arrays after").SetName("Checkpoint_empty_optimizer_buffers");
        yield return new TestCaseData((Func<JObject, string>)(j => { j["optimizer"]!["steps"] = -3; return j.ToString(); }), "negative").SetName("Checkpoint_negative_optimizer_steps");
        yield return new TestCaseData((Func<JObject, string>)(j => { j["in_progress"] = Progress(2, 1, correct: -5); return j.ToString(); }), "'correct' is -5").SetName("Checkpoint_negative_count");
        yield return new TestCaseData((Func<JObject, string>)(j => { j["in_progress"] = Progress(2, 1, reward: "NaN"); return j.ToString(); }), "'reward_total' is \"NaN\"").SetName("Checkpoint_nan_string");
        yield return new TestCaseData((Func<JObject, string>)(j => { var p = Progress(2, 1); p.Remove("train_seconds"); j["in_progress"] = p; return j.ToString(); }), "'train_seconds' is missing").SetName("Checkpoint_progress_field_missing");
        yield return new TestCaseData((Func<JObject, string>)(j => { ((JObject)j["metrics"]![0]!).Remove("test_accuracy"); return j.ToString(); }), "'metrics'[0]: 'test_accuracy' is missing").SetName("Checkpoint_metric_field_missing");
        yield return new TestCaseData((Func<JObject, string>)(j => { j["metrics"]![0]!["train_accuracy"] = "NaN"; return j.ToString(); }), "'train_accuracy' is \"NaN\"").SetName("Checkpoint_metric_nan_string");
        yield return new TestCaseData((Func<JObject, string>)(j => { j["metrics"]![0]!["epoch"] = 1e30; return j.ToString(); }), "'epoch' is 1E+30").SetName("Checkpoint_metric_absurd_epoch");
        yield return new TestCaseData((Func<JObject, string>)(j => { j["version"] = "1"; return j.ToString(); }), "'version' must be a whole number").SetName("Checkpoint_version_as_string");
        yield return new TestCaseData((Func<JObject, string>)(j => { j.Remove("completed_epochs"); return j.ToString(); }), "'completed_epochs' is missing").SetName("Checkpoint_completed_epochs_missing");
    }

    private static JObject Progress(int epoch, int nextBatch, object? correct = null, object? reward = null) => new()
    {
        ["epoch"] = epoch, ["next_batch"] = nextBatch, ["correct"] = JToken.FromObject(correct ?? 0), ["reward_total"] = JToken.FromObject(reward ?? 0.5),
        ["spike_totals"] = new JArray(1.0, 2.0), ["train_seconds"] = 0.1,
    };

    // Edits keep a valid checksum (Checkpoint.WithChecksum), so each case reaches the check of the field it breaks.
    private static string Resealed(string text)
    {
        try { return Checkpoint.WithChecksum(text); }
        catch (Newtonsoft.Json.JsonException) { return text; }
    }

    [TestCaseSource(nameof(Broken))]
    public void Broken_checkpoints_throw_CheckpointException_naming_the_problem(Func<JObject, string> breakIt, string fragment)
    {
        string text = Resealed(breakIt(JObject.Parse(ValidJson())));
        var e = Assert.Throws<CheckpointException>(() => Checkpoint.Parse(text, "run/checkpoint.json"));
        Assert.That(e!.Message, Does.StartWith("run/checkpoint.json").And.Contain(fragment));
    }

    [Test]
    public void A_changed_checkpoint_is_refused_by_its_checksum()
    {
        var json = JObject.Parse(ValidJson());
        string buffer = json["optimizer"]!["buffers"]!["velocity"]![0]!.Value<string>()!;
        json["optimizer"]!["buffers"]!["velocity"]![0] = (buffer[0] == 'A' ? 'B' : 'A') + buffer[1..]; // one flipped base64 character
        var e = Assert.Throws<CheckpointException>(() => Checkpoint.Parse(json.ToString(), "run/checkpoint.json"));
        Assert.That(e!.Message, Does.Contain("'checksum' does not match the content"));

        json = JObject.Parse(ValidJson());
        json.Remove(Checkpoint.ChecksumKey);
        Assert.That(Assert.Throws<CheckpointException>(() => Checkpoint.Parse(json.ToString(), "c"))!.Message, Does.Contain("'checksum' is missing"));
    }

    [Test]
    public void A_version_1_checkpoint_without_a_checksum_is_still_read()
    {
        var json = JObject.Parse(ValidJson());
        json.Remove(Checkpoint.ChecksumKey);
        json["version"] = 1;
        Assert.That(Checkpoint.Parse(json.ToString(), "old/checkpoint.json").CompletedEpochs, Is.EqualTo(JObject.Parse(ValidJson())["completed_epochs"]!.Value<int>()));
    }

    [Test]
    public void A_missing_checkpoint_throws_CheckpointException()
        => Assert.That(Assert.Throws<CheckpointException>(() => Checkpoint.Load("/nonexistent/checkpoint.json"))!.Message, Does.Contain("no checkpoint"));
}
