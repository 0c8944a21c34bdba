using Newtonsoft.Json.Linq;
using SpikeLfp.Data;
using SpikeLfp.Learning.Surrogate;
using SpikeLfp.Learning.Training;
using SpikeLfp.Network.Encoding;
using SpikeLfp.Network.Model;
using SpikeLfp.Neurons;

namespace SpikeLfp.Tests.Training;

/// <summary>
/// Encoders and rules are types in the API and keep the names files and flags always had: "current", "rate", ...,
/// "lfp", "surrogate", "atan:2". Files written before they were typed read back the same.
/// </summary>
public class ClosedNameTests
{
    [Test]
    public void Every_encoder_kind_has_the_name_of_files_and_flags_and_parses_back()
    {
        Assert.That(Enum.GetValues<EncoderKind>().Select(k => k.Name()), Is.EqualTo(new[] { "current", "rows", "rate", "latency", "events" }));
        foreach (var kind in Enum.GetValues<EncoderKind>()) Assert.That(InputEncoders.Parse(kind.Name()), Is.EqualTo(kind));
        Assert.That(InputEncoders.Names, Is.EqualTo(new[] { "current", "rows", "rate", "latency" }), "the encoders of feature vectors");
        Assert.That(() => InputEncoders.Parse("morse"), Throws.ArgumentException.With.Message.EqualTo("unknown encoder 'morse': expected current, rows, rate, latency."));
    }

    [Test]
    public void Each_created_encoder_names_its_kind()
    {
        foreach (var kind in new[] { EncoderKind.Current, EncoderKind.Rows, EncoderKind.Rate, EncoderKind.Latency })
            Assert.That(InputEncoders.Create(kind, seed: 1, featureCount: 64, inputs: 8).Name, Is.EqualTo(kind.Name()));
        Assert.That(() => InputEncoders.Create(EncoderKind.Events, 1), Throws.ArgumentException, "a recording is not made from features");
    }

    [Test]
    public void A_rule_is_named_lfp_or_by_its_surrogate_and_parses_back_from_its_key()
    {
        Assert.That((TrainingRule.Lfp.Name, TrainingRule.Lfp.Key, TrainingRule.Lfp.Label), Is.EqualTo(("lfp", "lfp", "lfp")));
        var atan = new TrainingRule(SurrogateSpec.Default);
        Assert.That((atan.Name, atan.Key, atan.Label, atan.SurrogateName), Is.EqualTo(("surrogate", "atan:2", "surrogate atan", "atan")));
        foreach (string key in new[] { "lfp", "atan:2", "atan:3.5", "fast-sigmoid:25", "triangle", "step" })
            Assert.That(TrainingRule.Parse(key).Key, Is.EqualTo(key));
        Assert.That(TrainingRule.Parse("lfp"), Is.SameAs(TrainingRule.Lfp));
        Assert.That(TrainingRule.Parse("atan:2"), Is.EqualTo(atan), "rules compare by value");
        Assert.That(() => TrainingRule.Parse("hebb"), Throws.TypeOf<FormatException>());
    }

    [Test]
    public void A_checkpoint_writes_the_encoder_and_rule_by_their_names_and_reads_them_back()
    {
        var digits = DigitsDataset.Load();
        var options = new TrainingOptions { Steps = 4, Epochs = 1, BatchSize = 16, Encoder = EncoderKind.Rate, Seed = 2 };
        var trainer = new LfpTrainer(SpikingNetwork.Create(NetworkSpec.Parse("64-8-10", LifParameters.Default), 2), options);
        var metrics = new List<EpochMetrics> { trainer.TrainEpoch(digits.Train.Take(32), digits.Test.Take(16), 1) };
        var lfp = Checkpoint.Of(trainer, metrics, null, new Dictionary<string, string>());
        var surrogate = lfp with { Rule = new TrainingRule(SurrogateSpec.Parse("fast-sigmoid:10")) };

        var json = JObject.Parse(lfp.ToJson());
        Assert.That((string?)json["rule"], Is.EqualTo("lfp"));
        Assert.That((string?)json["options"]!["encoder"], Is.EqualTo("rate"));
        Assert.That((string?)json["options"]!["optimizer"], Is.EqualTo("sgd"));
        Assert.That((string?)JObject.Parse(surrogate.ToJson())["rule"], Is.EqualTo("fast-sigmoid:10"));

        var read = Checkpoint.Parse(surrogate.ToJson(), "c");
        Assert.That(read.Rule, Is.EqualTo(surrogate.Rule));
        Assert.That(read.Options.Encoder, Is.EqualTo(EncoderKind.Rate));
    }

    [Test]
    public void A_checkpoint_with_an_unknown_encoder_or_rule_is_refused_naming_it()
    {
        var digits = DigitsDataset.Load();
        var trainer = new LfpTrainer(SpikingNetwork.Create(NetworkSpec.Parse("64-8-10", LifParameters.Default), 2), new TrainingOptions { Steps = 4, Epochs = 1, BatchSize = 16 });
        var json = JObject.Parse(Checkpoint.Of(trainer, [trainer.TrainEpoch(digits.Train.Take(32), digits.Test.Take(16), 1)], null, new Dictionary<string, string>()).ToJson());

        var badEncoder = (JObject)json.DeepClone();
        badEncoder["options"]!["encoder"] = "morse";
        Assert.That(() => Checkpoint.Parse(Checkpoint.WithChecksum(badEncoder.ToString()), "c"),
            Throws.TypeOf<CheckpointException>().With.Message.Contain("unknown encoder 'morse'"));
        var badRule = (JObject)json.DeepClone();
        badRule["rule"] = "hebb";
        Assert.That(() => Checkpoint.Parse(Checkpoint.WithChecksum(badRule.ToString()), "c"),
            Throws.TypeOf<CheckpointException>().With.Message.Contain("unknown rule 'hebb': expected lfp or a surrogate"));
    }

    [Test]
    public void Metrics_json_names_the_rule()
        => Assert.That((string?)new TrainingReport(TrainingRule.Lfp, "digits", "64-8-10", 4, 0, []).ToJson()["rule"], Is.EqualTo("lfp"));
}
