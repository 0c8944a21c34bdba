using SpikeLfp.Bench;
using SpikeLfp.Learning.Lfp;
using SpikeLfp.Learning.Rewards;
using SpikeLfp.Learning.Training;
using SpikeLfp.Network.Encoding;
using SpikeLfp.Network.Model;
using SpikeLfp.Network.Simulation;
using SpikeLfp.Network.Synapses;
using SpikeLfp.Neurons;
using SpikeLfp.Tests.Support;

namespace SpikeLfp.Tests.Bench;

/// <summary>
/// The benchmark's yardstick, LFP computed densely on TorchSharp, must compute the same thing as SpikeLfp's
/// event-driven LFP, or the speed ratio means nothing. Nothing here is timed.
/// </summary>
public class DenseTorchLfpTests
{
    private const double Relative = 1e-4;

    [Test]
    public void Dense_torch_feedback_and_input_reward_match_ours_and_the_reference_fixture()
    {
        var f = Fixture.Load("lfp_snn_mlp");
        int steps = f.Int("sizes.T"), batch = f.Int("sizes.batch");
        var network = f.SpikingMlp();
        var x = f.Floats("x");
        var labels = f.Array("labels").Select(v => (int)v).ToArray();

        var trace = new Simulator(network, steps, new ConstantCurrentEncoder()).Forward(x, Enumerable.Range(0, batch).Select(i => (long)i).ToArray());
        var workspace = new LfpWorkspace(trace, keepInputReward: true);
        var ours = new Feedback(network);
        new CpuLfpBackend().Backward(network, trace, labels, new RateCodedSpikeReward(), workspace, ours);

        using var dense = new DenseTorchLfp(network);
        using var input = dense.Input(x, batch);
        dense.ComputeFeedback(input, labels, steps, keepInputReward: true);

        for (int k = 0; k < 2; k++)
        {
            var synapses = network.Layers[k].DenseConnection;
            var torchWeights = dense.WeightFeedback(k);
            Close.AssertAll(torchWeights, FeedbackCheck.ToOutputMajor(ours.Weights[k], synapses.Inputs, synapses.Outputs).Select(v => (double)v).ToArray(), $"W{k + 1} feedback, torch vs ours", Relative);
            Close.AssertAll(dense.BiasFeedback(k), ours.Bias[k].Select(v => (double)v).ToArray(), $"b{k + 1} feedback, torch vs ours", Relative);
            Close.AssertAll(torchWeights, f.Array($"feedback.W{k + 1}"), $"W{k + 1} feedback, torch vs reference", Relative);
        }
        Close.AssertAll(dense.InputReward(), workspace.InputReward.AsSpan(0, batch * network.InputSize).ToArray().Select(v => (double)v).ToArray(), "input reward, torch vs ours", Relative);
    }

    [Test]
    public void Dense_torch_feedback_matches_ours_on_a_fashion_mnist_shaped_batch()
    {
        var data = new SyntheticImages(32, seed: 3);
        var network = SpikingNetwork.Create([SyntheticImages.InputSize, 64, SyntheticImages.ClassCount], LifParameters.Default, seed: 5);
        var (ours, spikesOurs) = FeedbackCheck.Ours(network, data.Features, data.Labels, steps: 15);
        using var dense = new DenseTorchLfp(network);
        using var input = dense.Input(data.Features, data.Count);
        Assert.That(dense.SpikeCounts(input, 15), Is.EqualTo(spikesOurs), "spikes per layer");
        Assert.That(spikesOurs[0], Is.GreaterThan(0), "the hidden layer fires (otherwise the check is empty)");
        dense.ComputeFeedback(input, data.Labels, steps: 15);

        for (int k = 0; k < 2; k++)
        {
            // Parameter order: W, b per layer.
            Close.AssertAll(dense.WeightFeedback(k), ours[2 * k].Select(v => (double)v).ToArray(), $"layer {k} weight feedback", Relative);
            Close.AssertAll(dense.BiasFeedback(k), ours[2 * k + 1].Select(v => (double)v).ToArray(), $"layer {k} bias feedback", Relative);
        }
        var agreement = FeedbackCheck.Compare(network, data.Features, data.Labels, steps: 15);
        Assert.That(agreement.MaxRelativeDifference, Is.LessThan(Relative));
    }

    private const int Rows = 8, RowLength = 8, RowSteps = 8;
    private static readonly string[] RecurrentParameterNames = ["W1", "b1", "V1", "bV1", "W2", "b2"];

    // 8-r12-4 on six random 8 x 8 images, one row per step; weights scaled up so that every layer fires and V
    // carries spikes from step to step.
    private static (SpikingNetwork Network, float[] Images, int[] Labels, RowsEncoder Encoder) RecurrentRowsCase(NeuronModel neuron)
    {
        var network = SpikingNetwork.Create(new NetworkSpec(RowLength, [new LayerSpec(12, neuron, Recurrent: true), new LayerSpec(4, neuron)]), seed: 7);
        foreach (var p in network.Parameters()) VectorMath.Scale(3f, p);
        int[] labels = [0, 1, 2, 3, 1, 2];
        var random = new Random(11);
        var images = Enumerable.Range(0, labels.Length * Rows * RowLength).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        return (network, images, labels, new RowsEncoder(Rows, RowLength));
    }

    /// <summary>
    /// The events workload's yardstick: recorded input spikes (SHD-shaped) through a recurrent network, delivered event
    /// by event on our side and as a dense 0/1 tensor on TorchSharp, give the same spikes and feedback.
    /// </summary>
    [Test]
    public void Dense_torch_feedback_matches_ours_on_recorded_input_spikes()
    {
        const int batch = 16;
        var data = new SyntheticEvents(batch, seed: 2);
        Assert.That(data.InputSpikeRate, Is.InRange(0.01, 0.08), "a few percent of the channels per step, as SHD");
        var network = SpikingNetwork.Create(NetworkSpec.Parse($"{SyntheticEvents.Channels}-r48-{SyntheticEvents.ClassCount}", LifParameters.Default), seed: 3);
        var check = FeedbackCheck.Compare(network, data.Batch(0, batch), data.Labels, SyntheticEvents.Steps, data.Encoder);
        Assert.That(check.SpikesTorch, Is.EqualTo(check.SpikesOurs), "spikes per layer");
        Assert.That(check.SpikesOurs, Is.All.GreaterThan(0), "every layer fires (otherwise the check is empty)");
        Assert.That(check.MaxRelativeDifference, Is.LessThan(Relative), "feedback of W, b, V, b_V and the output layer, torch vs ours");
    }

    [TestCase("lif")]
    [TestCase("cuba")]
    public void Dense_torch_feedback_matches_ours_on_a_recurrent_network_with_rows_input(string neuronKind)
    {
        var membrane = LifParameters.Default;
        var (network, images, labels, encoder) = RecurrentRowsCase(neuronKind == "cuba" ? new CubaLifNeuron(membrane, 0.6f) : new LifNeuron(membrane));
        int batch = labels.Length;
        var keys = Enumerable.Range(0, batch).Select(i => (long)i).ToArray();
        var trace = new Simulator(network, RowSteps, encoder).Forward(images, keys);
        var workspace = new LfpWorkspace(trace, keepInputReward: true);
        var feedback = new Feedback(network);
        new CpuLfpBackend().Backward(network, trace, labels, new RateCodedSpikeReward(), workspace, feedback);
        var ours = FeedbackCheck.OutputMajor(network, feedback.InParameterOrder());

        using var dense = new DenseTorchLfp(network);
        using var input = dense.Sequence(images, batch, encoder, RowSteps);
        var spikes = Enumerable.Range(0, network.Layers.Count).Select(k => TraceStatistics.SpikeTotal(trace, k)).ToArray();
        Assert.That(dense.SpikeCounts(input, RowSteps), Is.EqualTo(spikes), "spikes per layer");
        Assert.That(spikes, Is.All.GreaterThan(0), "every layer fires (otherwise the check is empty)");
        Assert.That(feedback.RecurrentWeights[0], Has.Some.Not.EqualTo(0f), "V received feedback (spikes crossed steps through it)");
        dense.ComputeFeedback(input, labels, RowSteps, keepInputReward: true);

        var torch = dense.FeedbackInParameterOrder();
        Assert.That(torch, Has.Length.EqualTo(RecurrentParameterNames.Length), "parameters: W, b, V, bV of the recurrent layer, W, b of the output");
        for (int i = 0; i < torch.Length; i++)
            Close.AssertAll(torch[i], ours[i].Select(v => (double)v).ToArray(), $"{RecurrentParameterNames[i]} feedback, torch vs ours", Relative);
        Close.AssertAll(dense.InputReward(), workspace.InputReward.AsSpan(0, batch * RowSteps * RowLength).ToArray().Select(v => (double)v).ToArray(),
            "input reward per step, torch vs ours", Relative);
    }

    [Test]
    public void Dense_torch_training_step_moves_every_parameter_of_a_recurrent_network_as_LfpTrainer_does()
    {
        var (network, images, labels, encoder) = RecurrentRowsCase(new LifNeuron(LifParameters.Default));
        var options = new TrainingOptions { BatchSize = labels.Length, Steps = RowSteps, Encoder = InputEncoders.Parse(encoder.Name) };
        using var dense = new DenseTorchLfp(network.Clone(), options.LearningRate, options.Momentum, options.ClipNorm);
        using var input = dense.Sequence(images, labels.Length, encoder, RowSteps);
        var initial = FeedbackCheck.OutputMajor(network, network.Parameters());
        var trainer = new LfpTrainer(network, options, encoder: encoder);
        var keys = Enumerable.Range(0, labels.Length).Select(i => (long)i).ToArray();

        for (int step = 0; step < 2; step++)   // two steps: the second one uses the momentum buffer
        {
            var (reward, _) = trainer.TrainBatch(images, labels, keys, 1, step);
            float torchReward = dense.TrainBatch(input, labels, RowSteps);
            Assert.That(torchReward, Is.EqualTo(reward).Within(Relative * Math.Max(1, Math.Abs(reward))), $"reward of step {step + 1}");
        }
        var ours = FeedbackCheck.OutputMajor(network, network.Parameters());
        var torch = dense.ParametersInOrder();
        for (int i = 0; i < torch.Length; i++)
        {
            var oursUpdate = ours[i].Select((w, j) => (double)w - initial[i][j]).ToArray();
            var torchUpdate = torch[i].Select((w, j) => w - initial[i][j]).ToArray();
            Assert.That(oursUpdate.Max(Math.Abs), Is.GreaterThan(0), $"{RecurrentParameterNames[i]} learned something");
            Close.AssertAll(torchUpdate, oursUpdate, $"{RecurrentParameterNames[i]} update over two steps", 1e-3);
        }
    }

    /// <summary>
    /// The LifCNN workload's yardstick: convolutions (NCHW, conv2d per step) and max pooling, with a two-channel input,
    /// stride and padding, give the same spikes and feedback as our channel-last event-driven convolution.
    /// </summary>
    [TestCase("12x12x2-c4k3-p2-c8k3s2p1-6")]
    [TestCase("12x12x1-c4k3-p2-c8k2-p2-6")]
    public void Dense_torch_feedback_matches_ours_on_a_convolutional_network(string spec)
    {
        var network = ConvSpec.Parse(spec, LifParameters.Default).Create(seed: 9);
        foreach (var p in network.Parameters()) VectorMath.Scale(3f, p);
        int[] labels = [0, 1, 2, 3, 4, 5, 1, 2];
        var random = new Random(12);
        var images = Enumerable.Range(0, labels.Length * network.InputSize).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();

        var check = FeedbackCheck.Compare(network, images, labels, steps: 10);
        Assert.That(check.SpikesTorch, Is.EqualTo(check.SpikesOurs), "spikes per layer");
        Assert.That(check.SpikesOurs, Is.All.GreaterThan(0), "every layer fires (otherwise the check is empty)");
        Assert.That(check.MaxRelativeDifference, Is.LessThan(Relative), "feedback of every kernel, bias and the output layer, torch vs ours");
    }

    [Test]
    public void Dense_torch_training_step_moves_the_weights_as_LfpTrainer_does()
    {
        var data = new SyntheticImages(32, seed: 4);
        var network = SpikingNetwork.Create([SyntheticImages.InputSize, 48, SyntheticImages.ClassCount], LifParameters.Default, seed: 6);
        var options = new TrainingOptions { BatchSize = data.Count, Steps = 15 };
        using var dense = new DenseTorchLfp(network.Clone(), options.LearningRate, options.Momentum, options.ClipNorm);
        using var input = dense.Input(data.Features, data.Count);
        var initial = network.Layers.Select(l => l.DenseConnection.ToOutputMajor()).ToArray();
        var trainer = new LfpTrainer(network, options);
        var keys = Enumerable.Range(0, data.Count).Select(i => (long)i).ToArray();

        for (int step = 0; step < 2; step++)   // two steps: the second one uses the momentum buffer
        {
            var (reward, _) = trainer.TrainBatch(data.Features, data.Labels, keys, 1, step);
            float torchReward = dense.TrainBatch(input, data.Labels, options.Steps);
            Assert.That(torchReward, Is.EqualTo(reward).Within(Relative * Math.Max(1, Math.Abs(reward))), $"reward of step {step + 1}");
        }
        // Compare the updates, not the weights (which the updates barely change).
        for (int k = 0; k < 2; k++)
        {
            var ours = network.Layers[k].DenseConnection.ToOutputMajor();
            var torch = dense.Weights(k);
            var oursUpdate = ours.Select((w, i) => (double)w - initial[k][i]).ToArray();
            var torchUpdate = torch.Select((w, i) => w - initial[k][i]).ToArray();
            Assert.That(oursUpdate.Max(Math.Abs), Is.GreaterThan(0), $"layer {k} learned something");
            Close.AssertAll(torchUpdate, oursUpdate, $"layer {k} weight update over two steps", 1e-3);
        }
    }
}
