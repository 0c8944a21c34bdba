namespace SpikeLfp.Neurons;

/// <summary>
/// A kind of neuron: its parameters, its state layout and its pure step. Every kind has a LIF-style membrane
/// (<see cref="Membrane"/>: leak, threshold, reset); kinds differ in what drives it. Immutable: state lives with
/// the caller, so two simulations never share it.
/// </summary>
public abstract record NeuronModel(LifParameters Membrane)
{
    /// <summary>Name in model files, specs and on the command line: "lif", "cuba".</summary>
    public abstract string Kind { get; }

    /// <summary>True when the neuron keeps a synaptic current between steps (it needs a state buffer for it).</summary>
    public virtual bool HasSynapticCurrent => false;

    /// <summary>False for a non-spiking readout (<see cref="LiNeuron"/>): its output is its membrane, never a spike.</summary>
    public virtual bool Spikes => true;

    /// <summary>
    /// Advances a population by one step. <paramref name="input"/> is the weighted input z_t of the step;
    /// <paramref name="previous"/> holds the state after step t-1 (empty spans: at rest); the state after step t
    /// is written to <paramref name="next"/> (which may alias <paramref name="previous"/>), spikes (0 or 1) to
    /// <paramref name="spikes"/>. Returns the number of spikes.
    /// </summary>
    public abstract int Step(ReadOnlySpan<float> input, NeuronState previous, NeuronState next, Span<float> spikes);

    /// <summary>
    /// <see cref="Step"/> that lists the neurons that fired, in increasing order, in <paramref name="fired"/> (room for one
    /// per neuron) in the same pass, where the kind and the hardware allow it: then returns true and the spike count in
    /// <paramref name="count"/>. Returns false, having done nothing, otherwise; the caller then steps and lists apart.
    /// </summary>
    public virtual bool TryStepAndListSpikes(ReadOnlySpan<float> input, NeuronState previous, NeuronState next, Span<int> fired, out int count)
    {
        count = 0;
        return false;
    }

    /// <summary>The reference's LIF: beta 0.9, threshold 1, subtract, delayed reset.</summary>
    public static NeuronModel Default => new LifNeuron(LifParameters.Default);
}

/// <summary>
/// One population's state at one step, for one sample: views into the caller's buffers. <see cref="Synaptic"/>
/// is empty for kinds without a synaptic current.
/// </summary>
public readonly ref struct NeuronState(Span<float> membrane, Span<float> synaptic)
{
    /// <summary>Membrane potentials u.</summary>
    public Span<float> Membrane { get; } = membrane;
    /// <summary>Synaptic currents i (current-based kinds only).</summary>
    public Span<float> Synaptic { get; } = synaptic;
    /// <summary>True for the resting state before the first step (no buffers).</summary>
    public bool IsRest => Membrane.IsEmpty;
    /// <summary>The resting state: every value 0.</summary>
    public static NeuronState Rest => default;
}

/// <summary>Leaky integrate-and-fire: the input drives the membrane directly (snntorch <c>Leaky</c>, NIR <c>LIF</c>).</summary>
public sealed record LifNeuron(LifParameters Membrane) : NeuronModel(Membrane)
{
    /// <inheritdoc/>
    public override string Kind => "lif";

    /// <inheritdoc/>
    public override int Step(ReadOnlySpan<float> input, NeuronState previous, NeuronState next, Span<float> spikes)
        => Lif.Step(input, previous.Membrane, next.Membrane, spikes, Membrane);

    /// <inheritdoc/>
    public override bool TryStepAndListSpikes(ReadOnlySpan<float> input, NeuronState previous, NeuronState next, Span<int> fired, out int count)
    {
        count = Lif.ListsSpikesInOnePass ? Lif.StepAndListSpikes(input, previous.Membrane, next.Membrane, fired, Membrane) : 0;
        return Lif.ListsSpikesInOnePass;
    }
}

/// <summary>
/// Current-based LIF: the input is filtered by a leaky synaptic current first, i_t = alpha i_{t-1} + z_t, and the
/// current drives a LIF membrane (snntorch <c>Synaptic</c>, Norse's LIF, NIR <c>CubaLIF</c>). With alpha = 0 it is
/// exactly <see cref="LifNeuron"/>. Resets never touch the synaptic current (as in snntorch 0.9.4).
/// </summary>
public sealed record CubaLifNeuron : NeuronModel
{
    /// <summary>Creates validated parameters.</summary>
    /// <exception cref="ArgumentException">alpha is NaN or outside [0, 1].</exception>
    public CubaLifNeuron(LifParameters membrane, float alpha) : base(membrane)
    {
        if (float.IsNaN(alpha) || alpha < 0f || alpha > 1f)
            throw new ArgumentException($"alpha must be in [0, 1], got {alpha}.", nameof(alpha));
        Alpha = alpha;
    }

    /// <summary>Synaptic-current decay per step, in [0, 1].</summary>
    public float Alpha { get; }

    /// <inheritdoc/>
    public override string Kind => "cuba";

    /// <inheritdoc/>
    public override bool HasSynapticCurrent => true;

    /// <inheritdoc/>
    public override int Step(ReadOnlySpan<float> input, NeuronState previous, NeuronState next, Span<float> spikes)
    {
        LeakyIntegrator.Integrate(input, previous.Synaptic, next.Synaptic, Alpha);
        return Lif.Step(next.Synaptic, previous.Membrane, next.Membrane, spikes, Membrane);
    }
}

/// <summary>
/// Leaky integrator, the non-spiking readout (NIR <c>LI</c>, a leaky layer without threshold): u_t = beta u_{t-1} + z_t,
/// no threshold, no reset, no spikes. Only an output layer can be one; the network's prediction is the argmax of the
/// membrane averaged over the steps, and LFP's reward is the softmax reward on that average (docs/lfp-temporal.md).
/// The membrane's threshold and reset are ignored.
/// </summary>
public sealed record LiNeuron(LifParameters Membrane) : NeuronModel(Membrane)
{
    /// <inheritdoc/>
    public override string Kind => "li";

    /// <inheritdoc/>
    public override bool Spikes => false;

    /// <inheritdoc/>
    public override int Step(ReadOnlySpan<float> input, NeuronState previous, NeuronState next, Span<float> spikes)
    {
        LeakyIntegrator.Integrate(input, previous.Membrane, next.Membrane, Membrane.Beta);
        spikes.Clear();
        return 0;
    }
}
