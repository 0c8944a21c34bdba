using Newtonsoft.Json.Linq;
using SpikeLfp.Data;
using SpikeLfp.Learning.Training;
using SpikeLfp.Network.Encoding;
using SpikeLfp.Network.Model;
using SpikeLfp.Neurons;

namespace SpikeLfp.Tests.Temporal;

/// <summary>Model files and specs with neuron kinds and recurrent layers; files of format version 1 still load.</summary>
public class TemporalModelFileTests
{
    private static string ModelPath(string name) => Path.Combine(TestContext.CurrentContext.TestDirectory, "Simulation", "Models", name);

    // Written by the release before version 2 (commit 7442c5f): `spikelfp train --epochs 1 --limit 100 --model M`,
    // whose metrics.json reported these test accuracies on the 100 test samples.
    [TestCase("v1-dense-64-20-10.json", "64-20-10", 0.11)]
    [TestCase("v1-conv-8x8x1-c4k3-p2-10.json", "8x8x1-c4k3-p2-10", 0.12)]
    public void Version_1_files_load_and_classify_as_when_they_were_written(string file, string spec, double accuracy)
    {
        var network = ModelFile.Load(ModelPath(file));
        Assert.That(network.Spec, Is.EqualTo(spec));
        Assert.That(network.Layers.All(l => l.Neuron is LifNeuron && !l.IsRecurrent));
        var test = DigitsDataset.Load().Test.Spread(100);
        Assert.That(Evaluator.Accuracy(network, test, 15, new ConstantCurrentEncoder()), Is.EqualTo(accuracy).Within(1e-9));

        // Saved again, it is a version 2 file with the same weights.
        var again = ModelFile.Parse(ModelFile.ToJson(network), "resaved");
        Assert.That(JObject.Parse(ModelFile.ToJson(again))["version"]!.Value<int>(), Is.EqualTo(2));
        Assert.That(again.Parameters().SelectMany(p => p), Is.EqualTo(network.Parameters().SelectMany(p => p)));
    }

    [Test]
    public void Recurrent_cuba_network_round_trips_exactly()
    {
        var neuron = new CubaLifNeuron(new LifParameters(0.85f, 1.2f, ResetMode.ZeroAll), 0.7f);
        var network = SpikingNetwork.Create(NetworkSpec.Parse("6-r10-3", neuron), seed: 2);
        string json = ModelFile.ToJson(network);
        var back = ModelFile.Parse(json, "test");
        Assert.That(back.Spec, Is.EqualTo("6-r10-3"));
        Assert.That(back.Layers[0].Neuron, Is.EqualTo(neuron));
        Assert.That(back.Layers[0].IsRecurrent && !back.Layers[1].IsRecurrent);
        Assert.That(back.Parameters().SelectMany(p => p), Is.EqualTo(network.Parameters().SelectMany(p => p)));
        Assert.That(ModelFile.ToJson(back), Is.EqualTo(json));
    }

    [Test]
    public void Li_readout_round_trips_and_is_refused_where_it_cannot_be()
    {
        var network = SpikingNetwork.Create(NetworkSpec.Parse("6-r10-3", LifParameters.Default).WithLiReadout(0.7f), seed: 1);
        var back = ModelFile.Parse(ModelFile.ToJson(network), "test");
        Assert.That(back.Layers[^1].Neuron, Is.EqualTo(new LiNeuron(new LifParameters(0.7f, 1f))));
        Assert.That(back.Parameters().SelectMany(p => p), Is.EqualTo(network.Parameters().SelectMany(p => p)));
        var hiddenReadout = JObject.Parse("""{"input": 8, "layers": [{"size": 4, "neuron": "li"}, {"size": 3}]}""");
        Assert.That(() => NetworkSpec.FromJson(hiddenReadout, LifParameters.Default, "arch.json"),
            Throws.TypeOf<InvalidModelException>().With.Message.Contains("only the output layer"));
        var recurrentReadout = JObject.Parse("""{"input": 8, "layers": [{"size": 4}, {"size": 3, "neuron": "li", "recurrent": true}]}""");
        Assert.That(() => NetworkSpec.FromJson(recurrentReadout, LifParameters.Default, "arch.json"),
            Throws.TypeOf<InvalidModelException>().With.Message.Contains("cannot be recurrent"));
    }

    [Test]
    public void Compact_spec_marks_recurrent_layers_with_r()
    {
        var spec = NetworkSpec.Parse("28-r128-10", LifParameters.Default);
        Assert.That(spec.Layers.Select(l => l.Recurrent), Is.EqualTo(new[] { true, false }));
        Assert.That(spec.ToString(), Is.EqualTo("28-r128-10"));
        var network = SpikingNetwork.Create(spec, seed: 0);
        Assert.That(network.Layers[0].Recurrent!.Weights, Has.Length.EqualTo(128 * 128));
        Assert.That(network.ParameterCount, Is.EqualTo(28 * 128 + 128 + 128 * 128 + 128 + 128 * 10 + 10));
    }

    [Test]
    public void Recurrence_leaves_the_feed_forward_weights_of_the_same_seed_unchanged_in_the_first_layer()
    {
        var forward = SpikingNetwork.Create(NetworkSpec.Parse("8-12-4", LifParameters.Default), seed: 5);
        var recurrent = SpikingNetwork.Create(NetworkSpec.Parse("8-r12-4", LifParameters.Default), seed: 5);
        Assert.That(recurrent.Layers[0].Connection.Weights, Is.EqualTo(forward.Layers[0].Connection.Weights));
    }

    [TestCase("r64-10", "is not a layer size")]
    [TestCase("64-rr10", "is not a layer size")]
    [TestCase("64-r0-10", "is not a layer size")]
    public void Bad_recurrent_specs_are_refused(string spec, string message)
        => Assert.That(() => NetworkSpec.Parse(spec, LifParameters.Default), Throws.TypeOf<InvalidModelException>().With.Message.Contains(message));

    [Test]
    public void Json_architecture_sets_neuron_kind_alpha_and_recurrence_per_layer()
    {
        var json = JObject.Parse("""{"input": 8, "layers": [{"size": 16, "neuron": "cuba", "alpha": 0.6, "recurrent": true, "reset": "zero-all"}, {"size": 4}]}""");
        var spec = NetworkSpec.FromJson(json, LifParameters.Default, "arch.json");
        Assert.That(spec.Layers[0].Neuron, Is.EqualTo(new CubaLifNeuron(new LifParameters(0.9f, 1f, ResetMode.ZeroAll), 0.6f)));
        Assert.That(spec.Layers[0].Recurrent);
        Assert.That(spec.Layers[1].Neuron, Is.EqualTo(new LifNeuron(LifParameters.Default)));
    }

    [TestCase("""{"input": 8, "layers": [{"size": 4, "neuron": "cuba"}]}""", "needs 'alpha'")]
    [TestCase("""{"input": 8, "layers": [{"size": 4, "neuron": "izhikevich"}]}""", "neuron must be 'lif', 'cuba' or 'li'")]
    [TestCase("""{"input": 8, "layers": [{"size": 4, "neuron": "cuba", "alpha": 1.5}]}""", "alpha must be in [0, 1]")]
    [TestCase("""{"input": 8, "layers": [{"size": 4, "recurrent": "yes"}]}""", "'recurrent' must be true or false")]
    public void Bad_neuron_fields_are_refused_with_a_message(string text, string message)
        => Assert.That(() => NetworkSpec.FromJson(JObject.Parse(text), LifParameters.Default, "arch.json"),
            Throws.TypeOf<InvalidModelException>().With.Message.Contains(message));
}
