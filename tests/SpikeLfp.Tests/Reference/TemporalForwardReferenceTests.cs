using SpikeLfp.Network.Encoding;
using SpikeLfp.Network.Model;
using SpikeLfp.Network.Simulation;
using SpikeLfp.Network.Synapses;
using SpikeLfp.Neurons;
using SpikeLfp.Tests.Support;

namespace SpikeLfp.Tests.Reference;

/// <summary>
/// snntorch's current-based and recurrent neurons (fixtures snntorch_synaptic_forward, snntorch_rleaky_forward,
/// snntorch_rsynaptic_forward), run through the whole simulator: every spike exact, membranes and synaptic
/// currents to 1e-5. The fixtures' input currents enter through identity weights as an analog sequence.
/// </summary>
[Category("Reference")]
public class TemporalForwardReferenceTests
{
    [TestCase("subtract_delay_true", ResetMode.Subtract, true)]
    [TestCase("subtract_delay_false", ResetMode.Subtract, false)]
    [TestCase("zero_delay_true", ResetMode.ZeroAll, true)]
    [TestCase("zero_delay_false", ResetMode.ZeroAll, false)]
    public void CubaLif_reproduces_snntorch_synaptic(string variant, ResetMode reset, bool delayed)
        => Reproduce("snntorch_synaptic_forward", variant, reset, delayed, cuba: true, recurrent: false);

    [TestCase("subtract_delay_true", ResetMode.Subtract, true)]
    [TestCase("subtract_delay_false", ResetMode.Subtract, false)]
    [TestCase("zero_delay_true", ResetMode.ZeroAll, true)]
    [TestCase("zero_delay_false", ResetMode.ZeroAll, false)]
    public void Recurrent_lif_reproduces_snntorch_rleaky(string variant, ResetMode reset, bool delayed)
        => Reproduce("snntorch_rleaky_forward", variant, reset, delayed, cuba: false, recurrent: true);

    [TestCase("subtract_delay_true", ResetMode.Subtract)]
    [TestCase("zero_delay_true", ResetMode.ZeroAll)]
    public void Recurrent_cuba_lif_reproduces_snntorch_rsynaptic(string variant, ResetMode reset)
        => Reproduce("snntorch_rsynaptic_forward", variant, reset, delayed: true, cuba: true, recurrent: true);

    [Test]
    public void CubaLif_step_kernel_reproduces_snntorch_synaptic()
    {
        var f = Fixture.Load("snntorch_synaptic_forward");
        int steps = f.Int("sizes.T"), batch = f.Int("sizes.batch"), n = f.Int("sizes.neurons");
        var neuron = new CubaLifNeuron(new LifParameters((float)(double)f["params.beta"], (float)(double)f["params.threshold"]), (float)(double)f["params.alpha"]);
        var current = f.Floats("input_current");
        var membrane = new float[batch * n];
        var synaptic = new float[batch * n];
        var spikes = new float[batch * n];
        var membranes = new List<float>();
        var currents = new List<float>();
        for (int t = 0; t < steps; t++)
        {
            var state = new NeuronState(membrane, synaptic);
            neuron.Step(current.AsSpan(t * batch * n, batch * n), t == 0 ? NeuronState.Rest : state, state, spikes);
            membranes.AddRange(membrane);
            currents.AddRange(synaptic);
        }
        Close.AssertAll(membranes, f.Array("variants.subtract_delay_true.membrane"), "membrane");
        Close.AssertAll(currents, f.Array("variants.subtract_delay_true.synaptic_current"), "synaptic current");
    }

    private static void Reproduce(string fixture, string variant, ResetMode reset, bool delayed, bool cuba, bool recurrent)
    {
        var f = Fixture.Load(fixture);
        int steps = f.Int("sizes.T"), batch = f.Int("sizes.batch"), n = f.Int("sizes.neurons");
        var membraneParameters = new LifParameters((float)(double)f["params.beta"], (float)(double)f["params.threshold"], reset, delayed);
        NeuronModel neuron = cuba ? new CubaLifNeuron(membraneParameters, (float)(double)f["params.alpha"]) : new LifNeuron(membraneParameters);

        var input = new DenseSynapses(n, n);
        for (int i = 0; i < n; i++) input.Weights[i * n + i] = 1f;
        DenseSynapses? v = null;
        if (recurrent)
        {
            v = new DenseSynapses(n, n);
            v.FromOutputMajor(f.Floats("params.V"));
            f.Floats("params.bV").CopyTo(v.Bias, 0);
        }
        var network = new SpikingNetwork([new SpikingLayer(input, neuron, v)]);

        // Features per sample: its currents of every step, one "row" per step.
        var currents = Close.TimeMajorToSampleMajor(f.Array("input_current"), steps, batch, n).Select(x => (float)x).ToArray();
        var simulator = new Simulator(network, steps, new RowsEncoder(steps, n));
        var trace = simulator.Forward(currents, Enumerable.Range(0, batch).Select(b => (long)b).ToArray());

        var expectedSpikes = Close.TimeMajorToSampleMajor(f.Array($"variants.{variant}.spikes"), steps, batch, n);
        var lt = trace.Layers[0];
        for (int b = 0; b < batch; b++)
            for (int t = 0; t < steps; t++)
            {
                var dense = new float[n];
                foreach (int i in lt.Spikes.Fired(b, t)) dense[i] = 1f;
                for (int i = 0; i < n; i++)
                    Assert.That(dense[i], Is.EqualTo((float)expectedSpikes[(b * steps + t) * n + i]), $"{variant}: spike of sample {b}, step {t}, neuron {i}");
            }
        Close.AssertAll(lt.Membrane, Close.TimeMajorToSampleMajor(f.Array($"variants.{variant}.membrane"), steps, batch, n), $"{variant} membrane");
        if (cuba)
            Close.AssertAll(lt.Synaptic, Close.TimeMajorToSampleMajor(f.Array($"variants.{variant}.synaptic_current"), steps, batch, n), $"{variant} synaptic current");
    }
}
