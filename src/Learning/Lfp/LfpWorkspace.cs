using SpikeLfp.Network.Simulation;

namespace SpikeLfp.Learning.Lfp;

/// <summary>
/// Buffers of one LFP pass, sized once for a trace and reused for every batch (no allocation per batch or
/// step). Layouts follow the trace: sample-major [sample, step, neuron]. By default only what the feedback
/// needs is kept; the diagnostic mode (<see cref="Diagnostic"/>, <see cref="KeepsDiagnostics"/>) also keeps every
/// layer's per-step reward and rho, and the reward reaching the input, for tests, attribution and backend comparisons.
/// </summary>
public sealed class LfpWorkspace
{
    private readonly int[] _sizes;
    private readonly Network.Encoding.InputKind _input;

    /// <summary>Allocates buffers matching <paramref name="trace"/>.</summary>
    /// <param name="trace">The trace whose shape the buffers follow.</param>
    /// <param name="keepInputReward">True for the diagnostic mode (<see cref="KeepsDiagnostics"/>): every layer's per-step
    /// reward and rho and the reward reaching the input are kept, not only what the feedback needs.</param>
    public LfpWorkspace(ForwardTrace trace, bool keepInputReward = false)
    {
        int cap = trace.Capacity, steps = trace.Steps, top = trace.Layers.Length - 1;
        Capacity = cap;
        Steps = steps;
        InputSize = trace.InputSize;
        _sizes = trace.Layers.Select(l => l.Size).ToArray();
        _input = trace.Input;
        KeepsDiagnostics = keepInputReward;
        bool constantFirst = trace.Input == Network.Encoding.InputKind.ConstantCurrent;
        // The output layer's reward is always kept (it is the reward function's output); a constant-current first
        // layer needs only its rho summed over steps, so its per-step rho is kept only in diagnostic mode, or when
        // its recurrent weights need the per-step rho for their feedback.
        Incoming = trace.Layers.Select((l, k) => k == top || keepInputReward ? new float[cap * steps * l.Size] : []).ToArray();
        KeepsStepReward = trace.Layers.Select((l, k) => k > 0 || !constantFirst || keepInputReward || l.IsRecurrent).ToArray();
        NormalizedReward = trace.Layers.Select((l, k) => KeepsStepReward[k] ? new float[cap * steps * l.Size] : []).ToArray();
        StepIncoming = trace.Layers.Select((l, k) => k < top && !keepInputReward ? new float[cap * l.Size] : []).ToArray();
        StepNormalizedReward = !KeepsStepReward[0] ? new float[cap * _sizes[0]] : [];
        Internal = trace.Layers.Select(l => new float[cap * l.Size]).ToArray();
        SynapticReward = trace.Layers.Select(l => l.HasSynapticCurrent ? new float[cap * l.Size] : []).ToArray();
        NormalizedRewardSum = constantFirst ? new float[cap * _sizes[0]] : [];
        SampleReward = new float[cap];
        int analogRows = trace.Input == Network.Encoding.InputKind.Spikes ? 0 : constantFirst ? cap : cap * steps;
        RewardedRowIndex = new int[analogRows * _sizes[0]];
        RewardedRowValue = new float[analogRows * _sizes[0]];
        RewardedRowCount = analogRows > 0 ? new int[_sizes[0]] : [];
        InputReward = keepInputReward ? new float[cap * (constantFirst ? 1 : steps) * trace.InputSize] : [];
    }

    /// <summary>Samples the buffers hold.</summary>
    public int Capacity { get; }
    /// <summary>Time steps.</summary>
    public int Steps { get; }
    /// <summary>Inputs per sample.</summary>
    public int InputSize { get; }
    /// <summary>Per layer, A_t: reward arriving at the layer's spikes, [sample, step, neuron] (output layer always; others in diagnostic mode).</summary>
    public float[][] Incoming { get; }
    /// <summary>Per layer, rho_t = R_t / (D_t + eps), [sample, step, neuron] (a constant-current first layer only in diagnostic mode).</summary>
    public float[][] NormalizedReward { get; }
    /// <summary>Per layer below the output, the reward arriving at the step being processed, [sample, neuron].</summary>
    public float[][] StepIncoming { get; }
    /// <summary>Constant-current first layer: rho of the step being processed, [sample, neuron].</summary>
    public float[] StepNormalizedReward { get; }
    /// <summary>Per layer, whether <see cref="NormalizedReward"/> keeps every step (otherwise only the running sum is kept).</summary>
    public bool[] KeepsStepReward { get; }
    /// <summary>Per layer, the running internal reward I of the membrane (one vector per sample); the reward that recurrent synapses hand to s_{t-1} joins it.</summary>
    public float[][] Internal { get; }
    /// <summary>Per current-based layer, the running alpha q of the synaptic current (one vector per sample); empty for other kinds.</summary>
    public float[][] SynapticReward { get; }
    /// <summary>Constant-current first layer: sum over steps of rho_t per sample (its input is constant, so one outer product suffices).</summary>
    public float[] NormalizedRewardSum { get; }
    /// <summary>Total output reward per sample.</summary>
    public float[] SampleReward { get; }
    /// <summary>Analog first layer: per neuron, the rows ((sample) or (sample, step)) whose rho is not zero, and those rho values, [neuron, row].</summary>
    internal int[] RewardedRowIndex { get; }
    /// <summary>The rho values listed in <see cref="RewardedRowIndex"/>.</summary>
    internal float[] RewardedRowValue { get; }
    /// <summary>Per neuron, how many rows <see cref="RewardedRowIndex"/> lists.</summary>
    internal int[] RewardedRowCount { get; }
    /// <summary>Diagnostic mode: intermediates and the reward reaching the input are kept.</summary>
    public bool KeepsDiagnostics { get; }

    /// <summary>A workspace in diagnostic mode for <paramref name="trace"/>: everything an LFP pass computes is kept.</summary>
    public static LfpWorkspace Diagnostic(ForwardTrace trace) => new(trace, keepInputReward: true);
    /// <summary>Reward reaching the input (diagnostic mode): [sample, input] for a constant current (summed over steps), [sample, step, input] for spikes or a sequence.</summary>
    public float[] InputReward { get; }

    /// <summary>True when the workspace matches <paramref name="trace"/>.</summary>
    public bool Fits(ForwardTrace trace) => trace.Capacity <= Capacity && trace.Steps == Steps && trace.InputSize == InputSize
        && trace.Input == _input && trace.Layers.Select(l => l.Size).SequenceEqual(_sizes)
        && trace.Layers.Select((l, k) => l.HasSynapticCurrent == SynapticReward[k].Length > 0 && (KeepsStepReward[k] || !l.IsRecurrent)).All(ok => ok);
}
