using SpikeLfp.Data;
using SpikeLfp.Learning.Training;
using SpikeLfp.Network.Model;
using SpikeLfp.Neurons;

namespace SpikeLfp.Tests.Reliability;

/// <summary>NaN and infinity stop training with a clear message and keep the last good checkpoint; same seed, same result.</summary>
public class NumericalTroubleTests : TempFolderTests
{
    [Test]
    public void Huge_learning_rate_stops_with_exit_3_naming_layer_and_step_and_keeps_the_last_good_checkpoint()
    {
        // Adam moves every weight by about lr per step: with 1e35 the currents overflow after an epoch or two.
        string run = Temp["diverged"];
        var result = Cli.Run("train", "--optimizer", "adam", "--lr", "1e35", "--epochs", "5", "--checkpoint-every", "1", "--out", run);

        Assert.That(result.ExitCode, Is.EqualTo(3), result.ToString());
        Assert.That(result.ErrorLine, Does.Not.Contain("\n"));
        var where = System.Text.RegularExpressions.Regex.Match(result.ErrorLine, @"non-finite \w+ in layer (hidden1|output) at epoch (\d+), batch \d+");
        Assert.That(where.Success, Is.True, result.ErrorLine);
        int epoch = int.Parse(where.Groups[2].Value);
        Assert.That(epoch, Is.GreaterThan(1), "the run diverges after the first checkpoint (pick a smaller --lr if the kernels changed)");
        Assert.That(result.ErrorLine, Does.Contain("lower the learning rate"));
        Assert.That(result.ErrorLine, Does.Contain("last good checkpoint").And.Contain($"after epoch {epoch - 1}"));
        var checkpoint = Checkpoint.Load(Checkpoint.PathIn(run));
        Assert.That(checkpoint.CompletedEpochs, Is.EqualTo(epoch - 1));
        Assert.That(checkpoint.Network.Layers.SelectMany(l => l.DenseConnection.Weights).All(float.IsFinite));
        Assert.That(File.Exists(Path.Combine(run, "model.json")), Is.False, "no model is written from NaN weights");
    }

    [Test]
    public void Learning_rate_near_float_max_stops_in_the_first_batch_with_exit_3()
    {
        var result = Cli.Run("train", "--lr", "3e38", "--epochs", "2", "--out", Temp["run"]);
        Assert.That(result.ExitCode, Is.EqualTo(3), result.ToString());
        Assert.That(result.ErrorLine, Does.Contain("non-finite weights in layer").And.Contain("epoch 1, batch 1"));
    }

    [Test]
    public void Simulate_and_train_agree_on_weights_that_overflow_float32_exit_3()
    {
        var network = SpikingNetwork.Create(NetworkSpec.Parse("64-16-10", LifParameters.Default), 0);
        foreach (var layer in network.Layers) Array.Fill(layer.DenseConnection.Weights, 1e38f);
        string model = Temp["model.json"];
        ModelFile.Save(network, model);

        var simulated = Cli.Run("simulate", "--model", model, "--out", Temp["sim"]);
        Assert.That(simulated.ExitCode, Is.EqualTo(3), simulated.ToString());
        Assert.That(simulated.ErrorLine, Does.StartWith("spikelfp simulate: simulation stopped: non-finite membrane in layer"));
        Assert.That(Directory.EnumerateFiles(Temp["sim"]).Select(Path.GetFileName), Is.EquivalentTo(new[] { SpikeLfp.Cli.OutputFolder.LockFileName }), "no spikes.csv of infinite membranes");

        var trained = Cli.Run("train", "--model", model, "--epochs", "1", "--limit", "20", "--out", Temp["train"]);
        Assert.That(trained.ExitCode, Is.EqualTo(3), trained.ToString());
        Assert.That(trained.ErrorLine, Does.Contain("non-finite membrane in layer"));
    }

    [Test]
    public void Non_finite_input_is_reported_as_non_finite_membranes_with_layer_and_simulation_step()
    {
        var options = new TrainingOptions { Steps = 5, BatchSize = 2 };
        var trainer = new LfpTrainer(SpikingNetwork.Create(NetworkSpec.Parse("4-3-2", LifParameters.Default), 1), options);
        float[] features = [0.1f, float.NaN, 0.2f, 0.3f, 0.1f, 0.2f, 0.3f, 0.4f];

        var e = Assert.Throws<NumericalInstabilityException>(() => trainer.TrainBatch(features, [0, 1], [1, 2], epoch: 1, batchIndex: 0));

        Assert.That(e!.Message, Does.Contain("non-finite membrane in layer hidden1").And.Contain("epoch 1, batch 1").And.Contain("simulation step 1"));
    }

    [Test]
    public void Same_arguments_give_identical_model_and_metrics_for_one_and_two_threads()
    {
        string[] args = ["train", "--model", "64-24-10", "--limit", "300", "--steps", "8", "--batch", "16", "--epochs", "2", "--encoder", "rate", "--seed", "5"];
        var folders = new List<string>();
        foreach (string threads in new[] { "1", "2", "1", "2" })
        {
            string folder = Temp[$"run-{folders.Count}-threads-{threads}"];
            var result = Cli.Run([.. args, "--threads", threads, "--out", folder]);
            Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
            folders.Add(folder);
        }
        byte[] model = File.ReadAllBytes(Path.Combine(folders[0], "model.json"));
        string metrics = InterruptedRunTests.MetricsWithoutTimings(folders[0]);
        foreach (string folder in folders.Skip(1))
        {
            Assert.That(File.ReadAllBytes(Path.Combine(folder, "model.json")), Is.EqualTo(model), folder);
            Assert.That(InterruptedRunTests.MetricsWithoutTimings(folder), Is.EqualTo(metrics), folder);
        }
    }

    [Test]
    public void Train_writes_rasters_before_and_after_and_the_training_curve()
    {
        string run = Temp["pictures"];
        var result = Cli.Run(["train", .. Cli.Quick, "--epochs", "2", "--out", run]);
        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
        foreach (string name in new[] { "raster-before", "raster-after", "curves" })
        {
            byte[] png = File.ReadAllBytes(Path.Combine(run, name + ".png"));
            Assert.That(png[..4], Is.EqualTo(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }), name);
            Assert.That(File.ReadAllText(Path.Combine(run, name + ".svg")), Does.Contain("<svg"), name);
        }
        Assert.That(Directory.GetFiles(run).Select(Path.GetFileName).Where(f => f!.StartsWith('.') && f != SpikeLfp.Cli.OutputFolder.LockFileName), Is.Empty,
            "no temporary files left (the lock file stays, as the mark of a spikelfp folder)");
    }
}
