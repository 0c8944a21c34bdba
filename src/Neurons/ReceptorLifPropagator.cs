namespace SpikeLfp.Neurons;

/// <summary>
/// The exact solution of a <see cref="ReceptorLifParameters"/> neuron's linear system over one time step dt (what
/// Brian2 calls method='exact'): g_k' = g_k e^{-dt/tau_k} and
/// v' = E_l + (v - E_l) e^{-dt/tau_m} + sum_k P_k g_k, with P_k = tau_k / (tau_k - tau_m) (e^{-dt/tau_k} - e^{-dt/tau_m}),
/// whose limit for tau_k = tau_m is (dt / tau_m) e^{-dt/tau_m}. Coefficients are computed once in double precision;
/// the kernel runs in float on the depolarization w = v - E_l, which decays to exactly 0 (a float v near -49 mV would
/// stall about 0.4 uV from rest, where (v - E_l)(1 - e^{-dt/tau_m}) drops below half a float step).
/// </summary>
public sealed class ReceptorLifPropagator
{
    private ReceptorLifPropagator(float membraneDecay, float resetAboveRest, float thresholdAboveRest,
        int refractorySteps, float[] currentDecay, float[] currentToMembrane)
    {
        MembraneDecay = membraneDecay;
        ResetAboveRest = resetAboveRest;
        ThresholdAboveRest = thresholdAboveRest;
        RefractorySteps = refractorySteps;
        CurrentDecay = currentDecay;
        CurrentToMembrane = currentToMembrane;
    }

    /// <summary>e^{-dt/tau_m}.</summary>
    public float MembraneDecay { get; }
    /// <summary>V_r - E_l, mV.</summary>
    public float ResetAboveRest { get; }
    /// <summary>V_t - E_l, mV.</summary>
    public float ThresholdAboveRest { get; }
    /// <summary>
    /// Steps after a spike's step during which v is held: a neuron that fires at step s integrates again at step
    /// s + floor(refractory / dt), as in Brian2 (refractory while t - lastspike &lt; refractory). At least 0.
    /// </summary>
    public int RefractorySteps { get; }
    /// <summary>e^{-dt/tau_k} per receptor.</summary>
    public float[] CurrentDecay { get; }
    /// <summary>P_k per receptor: how much of g_k at the start of a step reaches v by its end.</summary>
    public float[] CurrentToMembrane { get; }
    /// <summary>Number of receptors.</summary>
    public int Receptors => CurrentDecay.Length;

    /// <summary>The propagator of <paramref name="p"/> over <paramref name="dtMs"/>.</summary>
    /// <exception cref="ArgumentException">dt is not a finite number &gt; 0.</exception>
    public static ReceptorLifPropagator Exact(ReceptorLifParameters p, double dtMs)
    {
        ArgumentNullException.ThrowIfNull(p);
        if (!double.IsFinite(dtMs) || dtMs <= 0) throw new ArgumentException($"dt must be a finite number > 0 ms, got {dtMs}.", nameof(dtMs));
        double tauM = p.MembraneTimeConstantMs, membraneDecay = Math.Exp(-dtMs / tauM);
        var decay = new float[p.Receptors.Count];
        var toMembrane = new float[p.Receptors.Count];
        for (int k = 0; k < decay.Length; k++)
        {
            double tauK = p.Receptors[k].TimeConstantMs;
            decay[k] = (float)Math.Exp(-dtMs / tauK);
            toMembrane[k] = (float)CurrentToMembraneCoefficient(dtMs, tauM, tauK);
        }
        // Brian2's timestep(): floor with a small tolerance, so 5 ms / 0.1 ms counts as 50 steps, not 49.999.
        int refractory = (int)Math.Floor(p.RefractoryPeriodMs / dtMs + 1e-3);
        return new ReceptorLifPropagator((float)membraneDecay, (float)(p.ResetPotentialMv - p.RestingPotentialMv),
            (float)(p.ThresholdMv - p.RestingPotentialMv), Math.Max(refractory - 1, 0), decay, toMembrane);
    }

    /// <summary>
    /// P = tau_k / (tau_k - tau_m) (e^{-dt/tau_k} - e^{-dt/tau_m}), written as e^{-dt/tau_m} (dt / tau_m) (e^x - 1) / x with
    /// x = dt (tau_k - tau_m) / (tau_m tau_k): no cancellation when tau_k is close to tau_m, and the limit (e^x - 1)/x -> 1
    /// at tau_k = tau_m (the resonant case, where the textbook form divides by zero).
    /// </summary>
    public static double CurrentToMembraneCoefficient(double dtMs, double tauM, double tauK)
    {
        double x = dtMs * (tauK - tauM) / (tauM * tauK);
        // Taylor series near 0 where Exp(x) - 1 would lose digits; exact enough (|x| < 1e-4: error below 1e-16 relative).
        double relative = Math.Abs(x) < 1e-4 ? 1 + x / 2 + x * x / 6 : (Math.Exp(x) - 1) / x;
        return Math.Exp(-dtMs / tauM) * (dtMs / tauM) * relative;
    }
}
