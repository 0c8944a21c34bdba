using SpikeLfp.Neurons;

namespace SpikeLfp.Nir;

/// <summary>How NIR's continuous-time neurons become SpikeLfp's discrete steps (docs/nir.md has the formulas).</summary>
public enum NirDiscretisation
{
    /// <summary>
    /// Forward Euler, as snnTorch and Norse import NIR: beta = 1 - dt/tau, input scale r dt/tau
    /// (CubaLIF: alpha = 1 - dt/tau_syn, current scale w_in dt/tau_syn).
    /// </summary>
    Euler,
    /// <summary>
    /// Exact decay with the input held over the step: beta = exp(-dt/tau), input scale r (1 - beta)
    /// (CubaLIF: alpha = exp(-dt/tau_syn), current scale w_in (1 - alpha)).
    /// </summary>
    Exact,
}

/// <summary>
/// Choices a NIR file does not record: the time step, the discretisation rule and how the reset is timed.
/// </summary>
/// <param name="Dt">Time step in seconds (NIR time constants are in seconds); finite and &gt; 0.</param>
/// <param name="Rule">Discretisation rule.</param>
/// <param name="Reset">
/// Reset applied at a spike. NIR's neurons set the membrane to <c>v_reset</c> (which must be 0 here), which is
/// <see cref="ResetMode.ZeroAll"/>; files written for a reset by subtraction (snnTorch's "subtract" models, whose
/// NIR form cannot say so) need <see cref="ResetMode.Subtract"/>.
/// </param>
/// <param name="DelayedReset">
/// True: the reset at step t follows the spike of step t-1 (snnTorch). False: the neuron resets in the step it
/// spikes (Norse).
/// </param>
public sealed record NirImportOptions(double Dt, NirDiscretisation Rule = NirDiscretisation.Euler,
    ResetMode Reset = ResetMode.ZeroAll, bool DelayedReset = true);
