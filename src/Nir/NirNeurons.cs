using SpikeLfp.Network.Model;
using SpikeLfp.Neurons;

namespace SpikeLfp.Nir;

/// <summary>
/// NIR's neuron nodes as SpikeLfp neuron kinds: the decays under the chosen discretisation and the factor that
/// turns the node's input current into SpikeLfp's per-step input z_t (docs/nir.md, "Discretisation").
/// </summary>
internal static class NirNeurons
{
    /// <summary>Node types that hold a neuron population (Threshold only when it follows synapses).</summary>
    public static bool IsNeuron(string type) => type is "LIF" or "CubaLIF" or "LI" or "IF" or "I" or "Threshold";

    /// <summary>The neuron kind of <paramref name="node"/> and the factor its input current is multiplied by.</summary>
    public static (NeuronModel Neuron, double Scale) Map(NirNode node, int size, NirImportOptions options, string source)
    {
        double dt = options.Dt;
        switch (node.Type)
        {
            case "LIF":
            case "LI":
            {
                double tau = Uniform(node, "tau", size, null, source);
                var (beta, scale) = Membrane(node, "tau", tau, Uniform(node, "r", size, null, source), dt, options.Rule, source);
                RequireZero(node, "v_leak", size, source);
                if (node.Type == "LI") return (new LiNeuron(new LifParameters((float)beta, 1f)), scale);
                return (new LifNeuron(Lif(node, beta, size, options, source)), scale);
            }
            case "CubaLIF":
            {
                double tauMem = Uniform(node, "tau_mem", size, null, source);
                var (beta, memScale) = Membrane(node, "tau_mem", tauMem, Uniform(node, "r", size, null, source), dt, options.Rule, source);
                double tauSyn = Uniform(node, "tau_syn", size, null, source);
                var (alpha, synScale) = Membrane(node, "tau_syn", tauSyn, Uniform(node, "w_in", size, 1.0, source), dt, options.Rule, source);
                RequireZero(node, "v_leak", size, source);
                return (new CubaLifNeuron(Lif(node, beta, size, options, source), (float)alpha), memScale * synScale);
            }
            case "IF":
                // dv/dt = r I: no leak, so beta = 1 under either rule and the step integrates r I dt
                // (Sinabs steps v += r I: import its files with --dt 1 and a reset by subtraction).
                return (new LifNeuron(Lif(node, 1.0, size, options, source)), Uniform(node, "r", size, null, source) * dt);
            case "I":
                // The integrator, dv/dt = r I: exactly a leaky integrator without leak, under either rule.
                return (new LiNeuron(new LifParameters(1f, 1f)), Uniform(node, "r", size, null, source) * dt);
            case "Threshold":
            {
                // s = H(I - theta), no state: a LIF that forgets its membrane every step (beta 0, and a reset that
                // never reaches the next step's input), so u_t = z_t and s_t = H(z_t - theta).
                double theta = Uniform(node, "threshold", size, null, source);
                if (theta <= 0)
                    throw new InvalidModelException($"{source}: node '{node.Name}' (Threshold) has threshold = {theta}; SpikeLfp needs a threshold > 0");
                return (new LifNeuron(new LifParameters(0f, (float)theta, ResetMode.Zero)), 1);
            }
            default:
                throw new InvalidModelException($"{source}: node '{node.Name}' has type '{node.Type}' where a neuron (LIF, CubaLIF, LI, IF, I or Threshold) was expected");
        }
    }

    private static (double Decay, double Scale) Membrane(NirNode node, string tauKey, double tau, double gain, double dt, NirDiscretisation rule, string source)
    {
        if (tau <= 0)
            throw new InvalidModelException($"{source}: node '{node.Name}' ({node.Type}) has {tauKey} = {tau}; a time constant must be > 0");
        if (rule == NirDiscretisation.Euler)
        {
            // Time constants stored from float32 arithmetic miss dt by a rounding error (0.00099999976 for 1e-3).
            if (dt > tau * (1 + 1e-6))
                throw new InvalidModelException($"{source}: node '{node.Name}' ({node.Type}) has {tauKey} = {tau} s, shorter than the step {dt} s: forward Euler would give a negative decay (use a smaller step or the exact rule)");
            return (Math.Max(0, 1 - dt / tau), gain * dt / tau);
        }
        double decay = Math.Exp(-dt / tau);
        return (decay, gain * (1 - decay));
    }

    private static LifParameters Lif(NirNode node, double beta, int size, NirImportOptions options, string source)
    {
        RequireZero(node, "v_reset", size, source);
        double threshold = Uniform(node, "v_threshold", size, null, source);
        if (threshold <= 0)
            throw new InvalidModelException($"{source}: node '{node.Name}' ({node.Type}) has v_threshold = {threshold}; SpikeLfp needs a threshold > 0");
        return new LifParameters((float)beta, (float)threshold, options.Reset, options.DelayedReset);
    }

    private static void RequireZero(NirNode node, string key, int size, string source)
    {
        double value = Uniform(node, key, size, 0.0, source);
        if (value != 0)
            throw new InvalidModelException($"{source}: node '{node.Name}' ({node.Type}) has {key} = {value}; SpikeLfp's neurons rest and reset at 0");
    }

    /// <summary>One value for the whole population (SpikeLfp layers share their neuron parameters).</summary>
    public static double Uniform(NirNode node, string key, int size, double? fallback, string source, string elements = "neurons")
    {
        var array = node.Find(key);
        if (array is null)
            return fallback ?? throw new InvalidModelException($"{source}: node '{node.Name}' ({node.Type}) has no '{key}'");
        if (array.Length != 1 && array.Length != size)
            throw new InvalidModelException($"{source}: node '{node.Name}' ({node.Type}) has {array.Length} values of '{key}' for {size} {elements}");
        double first = array.Values[0];
        foreach (double v in array.Values)
            if (!double.IsFinite(v))
                throw new InvalidModelException($"{source}: node '{node.Name}' ({node.Type}) has {key} = {v}");
        foreach (double v in array.Values)
            if (Math.Abs(v - first) > 1e-6 * Math.Abs(first))
                throw new InvalidModelException($"{source}: node '{node.Name}' ({node.Type}) has '{key}' varying across {elements} ({first} and {v}); SpikeLfp {(elements == "neurons" ? "layers share one value" : "folds only a uniform value into the weights")}");
        return first;
    }
}
