using SpikeLfp.Network.Encoding;
using SpikeLfp.Network.Model;
using SpikeLfp.Network.Simulation;

namespace SpikeLfp.Network.Backends;

/// <summary>
/// Where the simulation runs. Model code (networks, trainers, the CLI) talks only to this interface, so a
/// device backend slots in beside the CPU one without touching them.
/// </summary>
public interface IComputeBackend
{
    /// <summary>Short name: "cpu", "gpu".</summary>
    string Name { get; }

    /// <summary>
    /// Simulates a batch for <c>trace.Steps</c> steps from membranes at rest, filling <paramref name="trace"/>.
    /// <paramref name="features"/> is [batch, inputs] scaled to [-1, 1]; <paramref name="sampleKeys"/> identify
    /// the samples for seeded encoders; the batch size is <c>sampleKeys.Length</c>.
    /// </summary>
    void Forward(SpikingNetwork network, ReadOnlySpan<float> features, ReadOnlySpan<long> sampleKeys, IInputEncoder encoder, ForwardTrace trace);
}
