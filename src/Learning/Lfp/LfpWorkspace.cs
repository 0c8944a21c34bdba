using SpikeLfp.Network.Simulation;

namespace SpikeLfp.Learning.Lfp;

/// <summary>
/// Buffers of one LFP pass, sized once for a trace and reused for every batch (no allocation per batch or
/// step). Layouts follow the trace: sample-major [sample, step, neuron].
/// </summary>
public sealed class LfpWorkspace
{
    /// <summary>Allocates buffers matching <paramref name="trace"/>.</summary>
    public LfpWorkspace(ForwardTrace trace, bool keepInputReward = false)
    {
        int cap = trace.Capacity, steps = trace.Steps;
        Capacity = cap;
        Steps = steps;
        Incoming = trace.Layers.Select(l => new float[cap * steps * l.Size]).ToArray();
        NormalizedReward = trace.Layers.Select(l => new float[cap * steps * l.Size]).ToArray();
        Internal = trace.Layers.Select(l => new float[cap * l.Size]).ToArray();
        NormalizedRewardSum = new float[cap * trace.Layers[0].Size];
        SampleReward = new float[cap];
        TransposedFeedback = trace.SpikingInput ? [] : new float[trace.InputSize * trace.Layers[0].Size];
        KeepInputReward = keepInputReward;
        InputReward = keepInputReward ? new float[cap * (trace.SpikingInput ? steps : 1) * trace.InputSize] : [];
    }

    /// <summary>Samples the buffers hold.</summary>
    public int Capacity { get; }
    /// <summary>Time steps.</summary>
    public int Steps { get; }
    /// <summary>Per layer, A_t: reward arriving at the layer's spikes.</summary>
    public float[][] Incoming { get; }
    /// <summary>Per layer, rho_t = R_t / (D_t + eps).</summary>
    public float[][] NormalizedReward { get; }
    /// <summary>Per layer, the running internal reward I (one vector per sample).</summary>
    public float[][] Internal { get; }
    /// <summary>First layer, sum over steps of rho_t per sample (its input is constant, so one outer product suffices).</summary>
    public float[] NormalizedRewardSum { get; }
    /// <summary>First layer with analog input: its weight feedback in output-major order, before the transpose.</summary>
    public float[] TransposedFeedback { get; }
    /// <summary>Total output reward per sample.</summary>
    public float[] SampleReward { get; }
    /// <summary>Whether the reward reaching the network input is kept (tests and attribution; costs time).</summary>
    public bool KeepInputReward { get; }
    /// <summary>Reward reaching the input: [sample, input] for a constant current (summed over steps), [sample, step, input] for spikes.</summary>
    public float[] InputReward { get; }

    /// <summary>True when the workspace matches <paramref name="trace"/>.</summary>
    public bool Fits(ForwardTrace trace) => trace.Capacity <= Capacity && trace.Steps == Steps
        && Incoming.Length == trace.Layers.Length && Incoming.Zip(trace.Layers).All(p => p.First.Length == Capacity * Steps * p.Second.Size)
        && (!KeepInputReward || InputReward.Length == Capacity * (trace.SpikingInput ? Steps : 1) * trace.InputSize);
}
