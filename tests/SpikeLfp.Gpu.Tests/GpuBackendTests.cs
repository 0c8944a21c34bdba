using SpikeLfp.Gpu.Agreement;

namespace SpikeLfp.Gpu.Tests;

/// <summary>Every kernel of the GPU backend, on ILGPU's CPU accelerator, against the CPU backend.</summary>
[Category("Gpu")]
public class GpuBackendTests
{
    private static IEnumerable<TestCaseData> Scenarios => Scenario.All.Select(s => new TestCaseData(s).SetArgDisplayNames(s.Name));

    [TestCaseSource(nameof(Scenarios))]
    public void Forward_and_lfp_backward_agree_with_the_cpu_backend(Scenario scenario)
        => Assert.That(BackendAgreement.ForwardAndBackward(GpuFixture.Backend, scenario), Is.Empty);

    [Test]
    public void Backward_uses_a_trace_refilled_elsewhere_even_with_the_same_spike_totals()
    {
        Assert.That(BackendAgreement.RefilledTrace(GpuFixture.Backend, Scenario.All[0]), Is.Empty);
        Assert.That(BackendAgreement.RefilledTrace(GpuFixture.Backend, Scenario.All.First(s => s.Encoder != "current")), Is.Empty);
    }

    [TestCase("sgd")]
    [TestCase("adam")]
    public void Device_training_steps_match_the_host_trainer(string optimizer)
    {
        Assert.That(BackendAgreement.TrainingSteps(GpuFixture.Backend, Scenario.All[0], optimizer), Is.Empty);
        Assert.That(BackendAgreement.TrainingSteps(GpuFixture.Backend, Scenario.All[4], optimizer), Is.Empty);
    }

    [Test]
    public void Backend_reports_its_name_and_the_tiled_product_on_a_cpu_accelerator()
    {
        Assert.That(GpuFixture.Backend.Name, Is.EqualTo("gpu"));
        Assert.That(GpuFixture.Backend.UsesCuBlas, Is.False);
    }

    [Test]
    public void Probing_for_cuda_never_throws()
        => Assert.DoesNotThrow(() => GpuDevice.CudaAvailable()); // false on CI machines: no driver, no device

    [Test]
    public void Mismatched_trace_and_labels_are_rejected()
    {
        var s = Scenario.All[0];
        var network = s.Network();
        var trace = new Network.Simulation.ForwardTrace(network, 2, s.Steps, spikingInput: false);
        var encoder = new Network.Encoding.ConstantCurrentEncoder();
        Assert.Throws<ArgumentException>(() => GpuFixture.Backend.Forward(network, s.Features(), s.Keys(), encoder, trace)); // batch 3 > capacity 2
        GpuFixture.Backend.Forward(network, s.Features(), s.Keys().AsSpan(0, 2), encoder, trace);
        var workspace = new Learning.Lfp.LfpWorkspace(trace);
        var feedback = new Learning.Lfp.Feedback(network);
        Assert.Throws<ArgumentOutOfRangeException>(() => GpuFixture.Backend.Backward(network, trace, [0, 99], new Learning.Rewards.RateCodedSpikeReward(), workspace, feedback));
    }
}
