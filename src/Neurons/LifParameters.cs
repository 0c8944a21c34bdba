namespace SpikeLfp.Neurons;

/// <summary>How the membrane is reset after a spike.</summary>
public enum ResetMode
{
    /// <summary>Subtract the threshold from the membrane (snntorch "subtract"; keeps the surplus).</summary>
    Subtract,
    /// <summary>
    /// Set the membrane carried from the previous step to zero; this step's input still counts
    /// (snntorch <c>Leaky</c>'s "zero": u' = beta (1 - r) u + z).
    /// </summary>
    Zero,
    /// <summary>
    /// Set the whole membrane of the step to zero, this step's input included
    /// (snntorch <c>Synaptic</c>, <c>RLeaky</c> and <c>RSynaptic</c>'s "zero": u' = (1 - r) (beta u + z)).
    /// </summary>
    ZeroAll,
}

/// <summary>
/// Parameters of a leaky integrate-and-fire population. Immutable and validated on construction,
/// so every kernel can trust them.
/// </summary>
public readonly record struct LifParameters
{
    /// <summary>Membrane leak per step, in [0, 1] (u_t = beta u_{t-1} + z_t ...).</summary>
    public float Beta { get; }
    /// <summary>Firing threshold, strictly positive; a spike is emitted when u_t &gt; threshold.</summary>
    public float Threshold { get; }
    /// <summary>Reset by subtraction or to zero.</summary>
    public ResetMode Reset { get; }
    /// <summary>
    /// True: the reset applied at step t is decided by the previous membrane, r_t = H(u_{t-1} - theta)
    /// (snntorch's default and the LFP reference). False: the neuron resets in the same step it spikes.
    /// </summary>
    public bool DelayedReset { get; }

    /// <summary>The reference's defaults: beta 0.9, threshold 1, subtract, delayed reset.</summary>
    public static LifParameters Default => new(0.9f, 1f);

    /// <summary>Creates validated parameters.</summary>
    /// <exception cref="ArgumentException">A parameter is NaN or out of range; the message names it.</exception>
    public LifParameters(float beta, float threshold, ResetMode reset = ResetMode.Subtract, bool delayedReset = true)
    {
        if (float.IsNaN(beta) || beta < 0f || beta > 1f)
            throw new ArgumentException($"beta must be in [0, 1], got {beta}.", nameof(beta));
        if (float.IsNaN(threshold) || float.IsInfinity(threshold) || threshold <= 0f)
            throw new ArgumentException($"threshold must be a finite number > 0, got {threshold}.", nameof(threshold));
        if (!Enum.IsDefined(reset))
            throw new ArgumentException($"reset must be subtract, zero or zero-all, got {reset}.", nameof(reset));
        Beta = beta;
        Threshold = threshold;
        Reset = reset;
        DelayedReset = delayedReset;
    }
}
