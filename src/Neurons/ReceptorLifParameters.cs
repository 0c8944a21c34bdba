namespace SpikeLfp.Neurons;

/// <summary>
/// A current receptor (synapse type) of a <see cref="ReceptorLifParameters"/> neuron: an exponentially decaying
/// current g with dg/dt = -g / tau that incoming spikes step up by their weight.
/// </summary>
/// <param name="Name">Name in network files and projections ("e", "i", "ampa").</param>
/// <param name="TimeConstantMs">Decay time constant tau, in ms (&gt; 0).</param>
public readonly record struct Receptor(string Name, double TimeConstantMs);

/// <summary>
/// Parameters of the biophysical leaky integrate-and-fire neuron with exponential current receptors (the neuron of
/// the Vogels-Abbott CUBA benchmark): dv/dt = (sum_k g_k - (v - E_l)) / tau_m, dg_k/dt = -g_k / tau_k; a spike when
/// v &gt; V_t, then v = V_r and v is held for the refractory period while the currents keep decaying. Potentials in mV,
/// times in ms; a current g_k is in mV too (it is the voltage it would hold the membrane above rest).
/// Immutable and validated on construction.
/// </summary>
public sealed record ReceptorLifParameters
{
    /// <summary>Creates validated parameters.</summary>
    /// <exception cref="ArgumentException">A value is not finite or out of range; the message names it.</exception>
    public ReceptorLifParameters(double membraneTimeConstantMs, double restingPotentialMv, double resetPotentialMv,
        double thresholdMv, double refractoryPeriodMs, IReadOnlyList<Receptor> receptors)
    {
        Positive(membraneTimeConstantMs, "tau_m");
        Finite(restingPotentialMv, "resting potential");
        Finite(resetPotentialMv, "reset potential");
        Finite(thresholdMv, "threshold");
        if (!double.IsFinite(refractoryPeriodMs) || refractoryPeriodMs < 0)
            throw new ArgumentException($"refractory period must be a finite number >= 0 ms, got {refractoryPeriodMs}.", nameof(refractoryPeriodMs));
        if (resetPotentialMv >= thresholdMv)
            throw new ArgumentException($"reset potential ({resetPotentialMv} mV) must be below the threshold ({thresholdMv} mV).", nameof(resetPotentialMv));
        ArgumentNullException.ThrowIfNull(receptors);
        if (receptors.Count == 0) throw new ArgumentException("a neuron needs at least one receptor.", nameof(receptors));
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var r in receptors)
        {
            if (string.IsNullOrWhiteSpace(r.Name)) throw new ArgumentException("a receptor needs a name.", nameof(receptors));
            if (!names.Add(r.Name)) throw new ArgumentException($"receptor '{r.Name}' is named twice.", nameof(receptors));
            Positive(r.TimeConstantMs, $"tau of receptor '{r.Name}'");
        }
        MembraneTimeConstantMs = membraneTimeConstantMs;
        RestingPotentialMv = restingPotentialMv;
        ResetPotentialMv = resetPotentialMv;
        ThresholdMv = thresholdMv;
        RefractoryPeriodMs = refractoryPeriodMs;
        Receptors = receptors.ToArray();
    }

    /// <summary>Membrane time constant tau_m, ms.</summary>
    public double MembraneTimeConstantMs { get; }
    /// <summary>Resting (leak reversal) potential E_l, mV: where v settles without input.</summary>
    public double RestingPotentialMv { get; }
    /// <summary>Reset potential V_r, mV: v after a spike.</summary>
    public double ResetPotentialMv { get; }
    /// <summary>Threshold V_t, mV: a spike when v &gt; V_t.</summary>
    public double ThresholdMv { get; }
    /// <summary>Refractory period, ms: v is held at V_r this long after a spike (the currents keep decaying).</summary>
    public double RefractoryPeriodMs { get; }
    /// <summary>The current receptors, in the order of the population's current buffers.</summary>
    public IReadOnlyList<Receptor> Receptors { get; }

    /// <summary>The index of the receptor named <paramref name="name"/>, or -1.</summary>
    public int ReceptorIndex(string name)
    {
        for (int k = 0; k < Receptors.Count; k++)
            if (Receptors[k].Name == name) return k;
        return -1;
    }

    /// <summary>
    /// The neuron of the Vogels-Abbott CUBA benchmark (Brette et al. 2007; Brian2's example): tau_m 20 ms, E_l -49 mV,
    /// V_r -60 mV, V_t -50 mV, refractory 5 ms, receptors "e" (5 ms) and "i" (10 ms).
    /// </summary>
    public static ReceptorLifParameters Cuba { get; } = new(20, -49, -60, -50, 5, [new Receptor("e", 5), new Receptor("i", 10)]);

    /// <summary>The exact one-step propagator for time step <paramref name="dtMs"/>.</summary>
    public ReceptorLifPropagator Propagator(double dtMs) => ReceptorLifPropagator.Exact(this, dtMs);

    private static void Positive(double value, string name)
    {
        if (!double.IsFinite(value) || value <= 0) throw new ArgumentException($"{name} must be a finite number > 0 ms, got {value}.", name);
    }

    private static void Finite(double value, string name)
    {
        if (!double.IsFinite(value)) throw new ArgumentException($"{name} must be a finite number, got {value}.", name);
    }
}
