using SpikeLfp.Network.Encoding;
using SpikeLfp.Data;
using SpikeLfp.Learning.Surrogate;
using SpikeLfp.Learning.Training;
using SpikeLfp.Network.Model;
using SpikeLfp.Neurons;

namespace SpikeLfp.Tests.Compare;

/// <summary>
/// A surrogate run of a comparison stopped part-way continues from the checkpoint of its last finished epoch (weights
/// and torch's optimizer state) and ends bit for bit where the uninterrupted run ends.
/// </summary>
public class SurrogateResumeTests
{
    private const int Epochs = 4;
    private static readonly TrainingOptions Lfp = new() { Steps = 8, BatchSize = 32, Epochs = Epochs, Encoder = EncoderKind.Current };

    private static DatasetSplit SmallDigits()
    {
        var digits = DigitsDataset.Load();
        return new DatasetSplit(digits.Train.Take(200), digits.Test.Take(100));
    }

    private static RuleRun Train(TrainingRule rule, SurrogateBatchTrainerOptions optimizer, CancellationToken cancellation = default,
        Action<EpochMetrics>? onEpoch = null, Checkpoint? resume = null)
    {
        var initial = SpikingNetwork.Create(NetworkSpec.Parse("64-24-10", LifParameters.Default), 0);
        var surrogate = new SurrogateGradientOptions { Steps = Lfp.Steps, BatchSize = Lfp.BatchSize, Trainer = optimizer };
        return RuleComparison.Train(rule, initial, SmallDigits(), Epochs, Lfp, surrogate, onEpoch: onEpoch, cancellation: cancellation, surrogateResume: resume);
    }

    // Stopped after epoch `stopAfter`, saved and read back as a file would be, resumed.
    private static (RuleRun Resumed, Checkpoint Saved) StopAndResume(TrainingRule rule, SurrogateBatchTrainerOptions optimizer, int stopAfter)
    {
        using var stop = new CancellationTokenSource();
        var stopped = Assert.Throws<SurrogateRunStoppedException>(() =>
            Train(rule, optimizer, stop.Token, m => { if (m.Epoch == stopAfter) stop.Cancel(); }))!;
        Assert.That(stopped.Checkpoint, Is.Not.Null);
        var saved = Checkpoint.Parse(stopped.Checkpoint!.ToJson(), "saved");
        return (Train(rule, optimizer, resume: saved), saved);
    }

    private static void AssertSameRun(RuleRun resumed, RuleRun reference)
    {
        Assert.That(resumed.Epochs.Select(e => e.TestAccuracy), Is.EqualTo(reference.Epochs.Select(e => e.TestAccuracy)));
        Assert.That(resumed.Epochs.Select(e => e.MeanObjective), Is.EqualTo(reference.Epochs.Select(e => e.MeanObjective)), "the loss of every epoch, bit for bit");
        Assert.That(resumed.Epochs.Select(e => e.TrainAccuracy), Is.EqualTo(reference.Epochs.Select(e => e.TrainAccuracy)));
        for (int k = 0; k < reference.Trained!.Layers.Count; k++)
        {
            Assert.That(resumed.Trained!.Layers[k].Connection.Weights, Is.EqualTo(reference.Trained.Layers[k].Connection.Weights).AsCollection, $"layer {k} weights");
            Assert.That(resumed.Trained.Layers[k].Connection.Bias, Is.EqualTo(reference.Trained.Layers[k].Connection.Bias).AsCollection, $"layer {k} bias");
        }
    }

    [TestCase(SurrogateOptimizer.Adam, 0.0)]
    [TestCase(SurrogateOptimizer.Sgd, 0.9)]
    public void A_surrogate_run_stopped_in_an_epoch_resumes_from_the_last_finished_one_to_the_uninterrupted_result(SurrogateOptimizer kind, double momentum)
    {
        var rule = new TrainingRule(SurrogateSpec.Default);
        var optimizer = new SurrogateBatchTrainerOptions(kind, kind == SurrogateOptimizer.Adam ? 5e-3 : 0.05, momentum);
        var reference = Train(rule, optimizer);
        var (resumed, saved) = StopAndResume(rule, optimizer, stopAfter: 2);

        Assert.That(saved.CompletedEpochs, Is.EqualTo(2), "stopped inside epoch 3, the checkpoint holds epochs 1 and 2");
        Assert.That(saved.Optimizer.Steps, Is.EqualTo(2 * 7), "7 batches of 200 samples per epoch");
        Assert.That(saved.Rule, Is.EqualTo(rule));
        AssertSameRun(resumed, reference);
    }

    [Test]
    public void A_surrogate_run_stopped_in_its_first_epoch_has_no_checkpoint_and_a_resume_of_another_run_is_refused()
    {
        var rule = new TrainingRule(SurrogateSpec.Default);
        var optimizer = new SurrogateBatchTrainerOptions();
        using (var stop = new CancellationTokenSource())
        {
            stop.Cancel();
            var stopped = Assert.Throws<SurrogateRunStoppedException>(() => Train(rule, optimizer, stop.Token))!;
            Assert.That(stopped.Checkpoint, Is.Null, "nothing finished: the run starts again");
        }

        var (_, saved) = StopAndResume(rule, optimizer, stopAfter: 1);
        var other = new TrainingRule(new SurrogateSpec(SurrogateKind.FastSigmoid));
        Assert.That(() => Train(other, optimizer, resume: saved), Throws.ArgumentException.With.Message.Contain("cannot continue"));
        Assert.That(() => Train(rule, optimizer with { Optimizer = SurrogateOptimizer.Sgd }, resume: saved), Throws.ArgumentException.With.Message.Contain("adam"));
        Assert.That(() => Train(TrainingRule.Lfp, optimizer, resume: saved), Throws.ArgumentException);
    }

    [Test]
    public void A_changed_surrogate_checkpoint_is_refused_by_its_checksum()
    {
        var (_, saved) = StopAndResume(new TrainingRule(SurrogateSpec.Default), new SurrogateBatchTrainerOptions(), stopAfter: 1);
        string text = saved.ToJson();
        int at = text.IndexOf("\"steps\": 7", StringComparison.Ordinal);
        Assert.That(at, Is.GreaterThan(0), text[..Math.Min(400, text.Length)]);
        string changed = text[..at] + "\"steps\": 8" + text[(at + "\"steps\": 7".Length)..];
        Assert.That(() => Checkpoint.Parse(changed, "changed"), Throws.TypeOf<CheckpointException>().With.Message.Contain("checksum"));
    }
}
