using SpikeLfp.Gpu.Agreement;
using SpikeLfp.Network;
using SpikeLfp.Network.Encoding;
using SpikeLfp.Network.Model;
using SpikeLfp.Network.Simulation;
using SpikeLfp.Neurons;

namespace SpikeLfp.Gpu.Tests;

/// <summary>
/// The device memory of a GPU model is counted before it is allocated (<see cref="DeviceMemory.Bytes"/>, equal to what
/// is then allocated) and a shape the device cannot hold is refused with the size and the limit.
/// </summary>
[Category("Gpu")]
public class GpuMemoryTests
{
    private static IEnumerable<TestCaseData> Scenarios => Scenario.All.Concat(Scenario.Temporal).Select(s => new TestCaseData(s).SetArgDisplayNames(s.Name));

    [TestCaseSource(nameof(Scenarios))]
    public void Counted_device_bytes_equal_the_bytes_allocated(Scenario scenario)
    {
        var backend = GpuFixture.Backend;
        // A model of another shape first, so the scenario's is allocated anew at exactly its batch.
        var other = SpikingNetwork.Create([3, 2], LifParameters.Default, 0);
        backend.Forward(other, new float[3], [1L], new ConstantCurrentEncoder(), new ForwardTrace(other, 1, 2, InputKind.ConstantCurrent));

        var network = scenario.Network();
        var encoder = scenario.CreateEncoder(1);
        var trace = new ForwardTrace(network, scenario.Batch, scenario.Steps, encoder.Kind);
        backend.Forward(network, scenario.Features(), scenario.Keys(), encoder, trace);
        Assert.That(backend.DeviceBytes, Is.EqualTo(DeviceMemory.Bytes(network, scenario.Batch, scenario.Steps, encoder.Kind)));
    }

    [Test]
    public void A_shape_larger_than_the_device_memory_is_refused_with_the_size_and_the_limit()
    {
        var network = SpikingNetwork.Create([64, 1000, 10], LifParameters.Default, 0);
        long bytes = DeviceMemory.Bytes(network, 256, 1000, InputKind.ConstantCurrent);
        long device = 1L << 30;
        Assert.That(bytes, Is.GreaterThan(device), "about 4 GiB: membrane, spikes, incoming and normalized reward of 256 x 1000 x 1000");
        var refused = Assert.Throws<SizeLimitException>(() => DeviceMemory.Check(device, "a 1 GiB device", network, 256, 1000, InputKind.ConstantCurrent))!;
        Assert.That(refused.Message, Does.Contain(SizeLimitException.Describe(bytes)).And.Contain("limit of 921.6 MiB").And.Contain("a 1 GiB device"));
        Assert.DoesNotThrow(() => DeviceMemory.Check(device, "a 1 GiB device", network, 16, 100, InputKind.ConstantCurrent));
    }
}
