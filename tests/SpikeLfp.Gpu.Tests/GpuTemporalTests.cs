using SpikeLfp.Gpu.Agreement;
using SpikeLfp.Network.Encoding;
using SpikeLfp.Network.Model;
using SpikeLfp.Network.Simulation;
using SpikeLfp.Network.Synapses;
using SpikeLfp.Neurons;

namespace SpikeLfp.Gpu.Tests;

/// <summary>
/// CubaLIF neurons, the zero-all reset and recurrent layers (docs/lfp-temporal.md) on the GPU backend, on ILGPU's CPU
/// accelerator, against the CPU backend, analog sequences (rows) included; and what the backend still refuses.
/// </summary>
[Category("Gpu")]
public class GpuTemporalTests
{
    private static IEnumerable<TestCaseData> Scenarios => Scenario.Temporal.Select(s => new TestCaseData(s).SetArgDisplayNames(s.Name));

    [TestCaseSource(nameof(Scenarios))]
    public void Forward_and_lfp_backward_agree_with_the_cpu_backend(Scenario scenario)
        => Assert.That(BackendAgreement.ForwardAndBackward(GpuFixture.Backend, scenario), Is.Empty);

    [TestCase("sgd")]
    [TestCase("adam")]
    public void Device_training_steps_match_the_host_trainer_with_recurrent_cuba_layers(string optimizer)
    {
        Assert.That(BackendAgreement.TrainingSteps(GpuFixture.Backend, Scenario.Temporal[3], optimizer), Is.Empty);
        Assert.That(BackendAgreement.TrainingSteps(GpuFixture.Backend, Scenario.Temporal[4], optimizer), Is.Empty);
    }

    [Test]
    public void Device_training_steps_match_the_host_trainer_on_rows_into_a_recurrent_layer()
        => Assert.That(BackendAgreement.TrainingSteps(GpuFixture.Backend, Scenario.Temporal.Single(s => s.Name == "recurrent-cuba-rows-zero-all"), "sgd"), Is.Empty);

    [Test]
    public void Host_trainer_on_the_gpu_backend_matches_the_cpu_trainer()
    {
        Assert.That(BackendAgreement.HostTrainerSteps(GpuFixture.Backend, Scenario.All[4]), Is.Empty);
        Assert.That(BackendAgreement.HostTrainerSteps(GpuFixture.Backend, Scenario.Temporal[4]), Is.Empty);
    }

    /// <summary>What <c>train --device gpu --readout li</c> runs: the host trainer over the GPU backend, the readout's reward on the host.</summary>
    [Test]
    public void Host_trainer_steps_on_the_gpu_backend_match_the_cpu_with_an_li_readout()
        => Assert.That(BackendAgreement.HostTrainerSteps(GpuFixture.Backend, Scenario.Temporal.Single(s => s.Name == "li-readout-recurrent-cuba-rate")), Is.Empty);

    [Test]
    public void Convolutional_layers_are_refused_with_the_layer_named()
    {
        var conv = new Conv2dSynapses(4, 4, 1, 2, kernel: 3);
        var network = new SpikingNetwork([new SpikingLayer(conv, LifParameters.Default), new SpikingLayer(conv.Outputs, 3, LifParameters.Default)]);
        var trace = new ForwardTrace(network, 1, 3, spikingInput: false);
        var error = Assert.Throws<NotSupportedException>(() => GpuFixture.Backend.Forward(network, new float[16], [0], new ConstantCurrentEncoder(), trace));
        Assert.That(error!.Message, Does.Contain("layer 1 (hidden1)").And.Contain("conv2d synapses"));
    }

    [Test]
    public void Neuron_kinds_without_a_device_kernel_are_refused_with_the_layer_named()
    {
        var network = new SpikingNetwork([new SpikingLayer(new DenseSynapses(3, 4), LifNeuron()), new SpikingLayer(new DenseSynapses(4, 2), new AdaptiveNeuron())]);
        var trace = new ForwardTrace(network, 1, 3, spikingInput: false);
        var error = Assert.Throws<NotSupportedException>(() => GpuFixture.Backend.Forward(network, new float[3], [0], new ConstantCurrentEncoder(), trace));
        Assert.That(error!.Message, Does.Contain("layer 2 (output)").And.Contain("'adaptive' neurons"));
    }

    private static NeuronModel LifNeuron() => new LifNeuron(LifParameters.Default);

    // A neuron kind the device has no kernel for.
    private sealed record AdaptiveNeuron() : NeuronModel(LifParameters.Default)
    {
        public override string Kind => "adaptive";
        public override int Step(ReadOnlySpan<float> input, NeuronState previous, NeuronState next, Span<float> spikes)
            => Lif.Step(input, previous.Membrane, next.Membrane, spikes, Membrane);
    }
}
