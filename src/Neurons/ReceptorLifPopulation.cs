namespace SpikeLfp.Neurons;

/// <summary>
/// A population of <see cref="ReceptorLif"/> neurons: holds v (as w = v - E_l), the refractory counters and the receptor currents
/// between steps, and nothing else (the equations live in <see cref="ReceptorLif"/>). Starts with v at rest, no
/// current, nobody refractory.
/// </summary>
public sealed class ReceptorLifPopulation
{
    private readonly float[] _membrane;
    private readonly int[] _refractory;
    private readonly float[] _currents;

    /// <summary>Creates <paramref name="size"/> neurons of <paramref name="parameters"/>, stepped by <paramref name="dtMs"/>.</summary>
    public ReceptorLifPopulation(int size, ReceptorLifParameters parameters, double dtMs)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(size);
        ArgumentNullException.ThrowIfNull(parameters);
        Size = size;
        Parameters = parameters;
        Propagator = parameters.Propagator(dtMs);
        _membrane = new float[size];
        _refractory = new int[size];
        _currents = new float[size * parameters.Receptors.Count];
    }

    /// <summary>Number of neurons.</summary>
    public int Size { get; }
    /// <summary>Neuron parameters.</summary>
    public ReceptorLifParameters Parameters { get; }
    /// <summary>The one-step propagator in use.</summary>
    public ReceptorLifPropagator Propagator { get; }
    /// <summary>Depolarization w = v - E_l of every neuron, mV (writable: set the initial state here).</summary>
    public Span<float> Depolarization => _membrane;
    /// <summary>Membrane potential v of neuron <paramref name="i"/>, mV.</summary>
    public double MembranePotential(int i) => _membrane[i] + Parameters.RestingPotentialMv;
    /// <summary>Sets the membrane potential of neuron <paramref name="i"/> to <paramref name="millivolts"/>.</summary>
    public void SetMembranePotential(int i, double millivolts) => _membrane[i] = (float)(millivolts - Parameters.RestingPotentialMv);
    /// <summary>Steps each neuron still holds v after a spike.</summary>
    public ReadOnlySpan<int> Refractory => _refractory;
    /// <summary>The current g of receptor <paramref name="receptor"/>, one per neuron (spikes are added here).</summary>
    public Span<float> Current(int receptor) => _currents.AsSpan(receptor * Size, Size);

    /// <summary>
    /// Advances neurons [<paramref name="start"/>, start + <paramref name="count"/>) by one step; writes the indices of
    /// those that fire (relative to <paramref name="start"/>, ascending) to <paramref name="spiked"/> and returns how many.
    /// Disjoint ranges may be stepped in parallel.
    /// </summary>
    public int Step(int start, int count, Span<int> spiked)
        => ReceptorLif.Step(_membrane.AsSpan(start, count), _refractory.AsSpan(start, count), _currents.AsSpan(start), Size, Propagator, spiked);

    /// <summary>Advances every neuron by one step; see <see cref="Step(int, int, Span{int})"/>.</summary>
    public int Step(Span<int> spiked) => Step(0, Size, spiked);
}
