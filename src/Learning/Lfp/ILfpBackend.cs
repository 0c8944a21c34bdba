using SpikeLfp.Learning.Rewards;
using SpikeLfp.Network.Model;
using SpikeLfp.Network.Simulation;

namespace SpikeLfp.Learning.Lfp;

/// <summary>Runs LFP's backward pass over a simulated batch on some backend.</summary>
public interface ILfpBackend
{
    /// <summary>
    /// Places <paramref name="reward"/> on the outputs of the batch in <paramref name="trace"/>, propagates it
    /// back through every layer and time step, and overwrites <paramref name="feedback"/> with the feedback
    /// of every parameter. Returns the summed reward of the batch.
    /// </summary>
    float Backward(SpikingNetwork network, ForwardTrace trace, ReadOnlySpan<int> labels, ISpikeReward reward, LfpWorkspace workspace, Feedback feedback);
}
