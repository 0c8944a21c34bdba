using Newtonsoft.Json.Linq;
using SpikeLfp.Learning.Training;
using SpikeLfp.Network;
using SpikeLfp.Network.Encoding;
using SpikeLfp.Network.IO;
using SpikeLfp.Network.Model;
using SpikeLfp.Network.Simulation;
using SpikeLfp.Neurons;

namespace SpikeLfp.Tests.Reliability;

/// <summary>
/// Every size is counted in 64 bits and checked against a named limit before anything of that size is allocated:
/// weights of a model, samples x steps x neurons of a simulation, input files read whole. Exit 2 names the size
/// and the limit; nothing is created.
/// </summary>
public class SizeLimitTests : TempFolderTests
{
    private string Out => Temp["out"];

    private void AssertRefused(CliResult result, params string[] fragments) => result.AssertRefusedWithout(Out, fragments);

    [TestCase("64-65536-65536-10", "4299816960 weights")] // wrapped to 0 in 32 bits
    [TestCase("64-30000-30000-10", "902220000 weights")]
    [TestCase("64-r20000-10", "401480000 weights")]      // the recurrent weights count too
    public void A_model_spec_with_more_weights_than_the_limit_is_refused(string spec, string count)
        => AssertRefused(Cli.Run("train", "--model", spec, "--epochs", "1", "--limit", "10", "--out", Out), "--model", count, $"limit of {NetworkSpec.MaxWeights}");

    [Test]
    public void An_architecture_json_with_more_weights_than_the_limit_is_refused()
    {
        string path = Temp["arch.json"];
        File.WriteAllText(path, """{"input": 64, "layers": [{"size": 600000}, {"size": 600}, {"size": 10}]}""");
        AssertRefused(Cli.Run("train", "--model", path, "--epochs", "1", "--limit", "10", "--out", Out), "arch.json", "weights", $"limit of {NetworkSpec.MaxWeights}");
        Assert.Throws<InvalidModelException>(() => SpikingNetwork.Create(new NetworkSpec(64, [new LayerSpec(600_000, LifParameters.Default), new LayerSpec(600, LifParameters.Default)]), 0));
    }

    [Test]
    public void A_simulation_longer_than_an_array_can_hold_is_refused_before_it_starts()
    {
        string model = Temp["model.json"];
        ModelFile.Save(SpikingNetwork.Create([64, 100, 10], LifParameters.Default, 0), model);
        // Every test sample (360) x 100000 steps x 100 neurons: 3.6e9 values in one array, past what .NET allows.
        AssertRefused(Cli.Run("simulate", "--model", model, "--steps", "100000", "--samples", "100000", "--out", Out),
            "samples x 100000 steps", $"limit of {Array.MaxLength}");
    }

    [Test]
    public void A_training_batch_longer_than_an_array_can_hold_is_refused_before_it_starts()
        => AssertRefused(Cli.Run("train", "--model", "64-100-10", "--steps", "100000", "--batch", "1000", "--epochs", "1", "--out", Out),
            "1000 samples x 100000 steps x 100 neurons", $"limit of {Array.MaxLength}");

    [Test]
    public void A_compare_whose_surrogate_backward_pass_would_not_fit_in_memory_is_refused_before_it_starts()
    {
        // BPTT keeps every step's activations, several values per neuron where the simulator's trace keeps two or three:
        // a batch whose trace fits but whose backward pass does not is refused before the first run.
        var network = SpikingNetwork.Create([64, 100, 10], LifParameters.Default, 0);
        long budget = (long)(SizeLimitException.AvailableMemoryBytes * ForwardTrace.MemoryFraction);
        const int steps = 50_000;
        int batch = (int)(budget * 1.2 / Learning.Surrogate.SurrogateGradientTrainer.TrainingBytes(network, 1, steps)) + 1;
        Assume.That(batch, Is.LessThanOrEqualTo(1000), "a machine this large needs a longer run than compare allows");
        Assert.DoesNotThrow(() => ForwardTrace.CheckSize(network, batch, steps, InputKind.ConstantCurrent), "the simulator's trace fits");
        AssertRefused(Cli.Run("compare", "--model", "64-100-10", "--steps", $"{steps}", "--batch", $"{batch}", "--epochs", "1", "--seeds", "0", "--out", Out),
            $"batch {batch} x {steps} steps", "backward pass", "limit of");
    }

    [Test]
    public void Evaluation_of_a_long_simulation_uses_batches_that_fit()
    {
        // train --model 64-1000-10 --steps 9000 --batch 1 evaluated 256 samples at once: 2.3e9 values in one array.
        var network = SpikingNetwork.Create([64, 1000, 10], LifParameters.Default, 0);
        Assert.Throws<SizeLimitException>(() => ForwardTrace.CheckSize(network, 256, 9000, InputKind.ConstantCurrent));
        int batch = ForwardTrace.LargestBatch(network, 256, 9000, InputKind.ConstantCurrent);
        Assert.That(batch, Is.InRange(1, 255));
        Assert.DoesNotThrow(() => ForwardTrace.CheckSize(network, batch, 9000, InputKind.ConstantCurrent));
        var (_, largest) = ForwardTrace.Size(network, batch, 9000, InputKind.ConstantCurrent);
        Assert.That(largest, Is.LessThanOrEqualTo(Array.MaxLength));
    }

    [Test]
    public void Evaluation_in_smaller_batches_predicts_the_same()
    {
        var network = SpikingNetwork.Create([64, 30, 10], LifParameters.Default, 1);
        var data = Data.DigitsDataset.Load().Test.Spread(40);
        var encoder = new BernoulliRateEncoder(5);
        Assert.That(Evaluator.Predict(network, data, 8, encoder, batchSize: 7), Is.EqualTo(Evaluator.Predict(network, data, 8, encoder, batchSize: 256)));
    }

    [Test]
    public void A_device_or_fifo_as_model_is_refused_without_reading_it()
    {
        string fifo = Temp["model-fifo.json"];
        BadInputTests.MakeFifo(fifo);
        foreach (string model in new[] { "/dev/zero", fifo }.Where(File.Exists))
        {
            var run = Task.Run(() => Cli.Run("train", "--model", model, "--epochs", "1", "--limit", "10", "--out", Out));
            Assert.That(run.Wait(TimeSpan.FromSeconds(60)), Is.True, $"--model {model} returned");
            AssertRefused(run.Result, model, "not a regular file");
            run = Task.Run(() => Cli.Run("simulate", "--model", model, "--out", Out));
            Assert.That(run.Wait(TimeSpan.FromSeconds(60)), Is.True, $"simulate --model {model} returned");
            AssertRefused(run.Result, model, "not a regular file");
        }
    }

    [Test]
    public void A_file_read_whole_is_read_with_a_cap()
    {
        string path = Temp["big.json"];
        File.WriteAllText(path, new string(' ', 5000));
        var e = Assert.Throws<SizeLimitException>(() => InputFile.ReadAllText(path, 4096));
        Assert.That(e!.Message, Does.Contain("big.json").And.Contain("limit of"));
        Assert.That(InputFile.ReadAllText(path, 5000), Has.Length.EqualTo(5000));
    }

    [Test]
    public void Neuron_flags_with_a_trained_model_json_are_refused_not_ignored()
    {
        string model = Temp["model.json"];
        ModelFile.Save(SpikingNetwork.Create([64, 16, 10], LifParameters.Default, 0), model);
        foreach (var flag in new[] { new[] { "--beta", "0.5" }, ["--threshold", "2"], ["--reset", "zero"], ["--immediate-reset"] })
            AssertRefused(Cli.Run(["train", "--model", model, "--epochs", "1", "--limit", "10", "--out", Out, .. flag]), flag[0], "model.json");
    }
}
