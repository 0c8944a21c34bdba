using SpikeLfp.Network.Populations;

namespace SpikeLfp.Gpu.Tests;

/// <summary>The device kernels of the population network (on ILGPU's CPU accelerator) against the CPU simulation.</summary>
public class GpuNetworkSimulationTests
{
    [Test]
    public void Cuba_network_on_the_device_fires_the_cpu_spikes_and_keeps_the_cpu_state()
    {
        var spec = PopulationNetworkSpec.Cuba(600);
        var cpu = PopulationNetwork.Build(spec, seed: 4);
        var cpuRecord = new SpikeRecord();
        new NetworkSimulation(cpu).Run(600, cpuRecord);

        var device = PopulationNetwork.Build(spec, seed: 4);
        var deviceRecord = new SpikeRecord();
        using (var simulation = new GpuNetworkSimulation(device, GpuFixture.Device.Accelerator))
        {
            simulation.Run(600, deviceRecord);
            simulation.CopyStateBack();
        }

        Assert.That(cpuRecord.Count, Is.GreaterThan(150), "the network is active");
        Assert.That(deviceRecord.Steps.ToArray(), Is.EqualTo(cpuRecord.Steps.ToArray()));
        Assert.That(deviceRecord.Neurons.ToArray(), Is.EqualTo(cpuRecord.Neurons.ToArray()));
        for (int p = 0; p < 2; p++)
        {
            Assert.That(device.Populations[p].Depolarization.ToArray(), Is.EqualTo(cpu.Populations[p].Depolarization.ToArray()).Within(1e-5f), $"population {p}");
            for (int k = 0; k < 2; k++)
                Assert.That(device.Populations[p].Current(k).ToArray(), Is.EqualTo(cpu.Populations[p].Current(k).ToArray()).Within(1e-5f), $"population {p}, receptor {k}");
        }
    }
}
