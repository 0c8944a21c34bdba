using Newtonsoft.Json.Linq;
using SpikeLfp.Network.Model;
using SpikeLfp.Neurons;
using SpikeLfp.Nir;

namespace SpikeLfp.Tests.Nir;

public class NirImporterTests
{
    private const double PaperDt = 1e-4;

    private static SpikingNetwork Import(string file, NirImportOptions options)
    {
        string path = NirFixtures.Path(file);
        return NirImporter.ToNetwork(NirReader.Read(path), options, path);
    }

    // Steps a one-neuron network through a trace's input; returns the membrane and spikes per step.
    private static (float[] Voltage, float[] Spikes) Simulate(SpikingNetwork network, float[] input)
    {
        var layer = network.Layers.Single();
        float w = layer.DenseConnection.Weights[0], b = layer.DenseConnection.Bias[0];
        var membrane = new float[1];
        var spike = new float[1];
        var z = new float[1];
        var voltage = new float[input.Length];
        var spikes = new float[input.Length];
        for (int t = 0; t < input.Length; t++)
        {
            z[0] = w * input[t] + b;
            var previous = t == 0 ? NeuronState.Rest : new NeuronState(membrane, default);
            layer.Neuron.Step(z, previous, new NeuronState(membrane, default), spike);
            voltage[t] = membrane[0];
            spikes[t] = spike[0];
        }
        return (voltage, spikes);
    }

    [Test]
    public void Norse_lif_imported_with_euler_reproduces_norses_published_trace()
    {
        // Norse: forward Euler, reset to v_reset = 0 in the step the neuron spikes.
        var network = Import("lif_norse.nir", new NirImportOptions(PaperDt, NirDiscretisation.Euler, ResetMode.ZeroAll, DelayedReset: false));
        var neuron = network.Layers[0].Neuron;
        Assert.That(neuron, Is.TypeOf<LifNeuron>());
        Assert.That(neuron.Membrane.Beta, Is.EqualTo(0.96f).Within(1e-6f));
        Assert.That(neuron.Membrane.Threshold, Is.EqualTo(0.1f).Within(1e-7f));
        Assert.That(network.Layers[0].DenseConnection.Weights[0], Is.EqualTo(0.04f).Within(1e-7f), "r dt / tau folded into the weight");

        var (input, voltage, spikes) = NirFixtures.Trace("lif_norse.csv");
        var (v, s) = Simulate(network, input);
        Assert.That(s, Is.EqualTo(spikes), "spike times");
        Assert.That(spikes.Sum(), Is.GreaterThan(3));
        for (int t = 0; t < v.Length; t++)
            Assert.That(v[t], Is.EqualTo(voltage[t]).Within(1e-6f), $"voltage at step {t}");
    }

    [Test]
    public void Norse_lif_imported_with_the_exact_rule_follows_the_papers_exact_solution()
    {
        var network = Import("lif_norse.nir", new NirImportOptions(PaperDt, NirDiscretisation.Exact, ResetMode.ZeroAll, DelayedReset: false));
        Assert.That(network.Layers[0].Neuron.Membrane.Beta, Is.EqualTo((float)Math.Exp(-0.04)).Within(1e-7f));
        var (input, voltage, spikes) = NirFixtures.Trace("lif_exact.csv");
        var (v, s) = Simulate(network, input);
        Assert.That(s, Is.EqualTo(spikes), "spike times (steps 460, 510, 710, 760)");
        int first = Array.IndexOf(spikes, 1f);
        for (int t = 0; t < first; t++)
            Assert.That(v[t], Is.EqualTo(voltage[t]).Within(1e-6f), $"voltage at step {t}");
        // The exact solution resets at the crossing inside the step and keeps the rest of that step's input
        // (0.0062 at step 460); a discrete step resets to 0, so afterwards the traces differ by that residual.
        float worst = v.Zip(voltage, (a, b) => Math.Abs(a - b)).Max();
        Assert.That(worst, Is.LessThan(0.0063f));
    }

    [TestCase(NirDiscretisation.Euler)]
    [TestCase(NirDiscretisation.Exact)]
    public void Rockpool_lif_read_as_nir_defines_it_spikes_later_than_rockpools_own_trace(NirDiscretisation rule)
    {
        // Rockpool's simulation adds its weight 0.04 per input spike without the file's r = 24.02; NIR's meaning of
        // r gives a smaller jump (0.0384 Euler, 0.0377 exact), so the later spikes need one more input (README table).
        var network = Import("lif_rockpool.nir", new NirImportOptions(PaperDt, rule, ResetMode.ZeroAll, DelayedReset: false));
        var (input, _, published) = NirFixtures.Trace("lif_rockpool.csv");
        var (_, s) = Simulate(network, input);
        Assert.That(Enumerable.Range(0, s.Length).Where(t => s[t] != 0), Is.EqualTo(new[] { 460, 520, 720, 780 }));
        Assert.That(Enumerable.Range(0, published.Length).Where(t => published[t] != 0), Is.EqualTo(new[] { 450, 500, 710, 760 }));
    }

    [TestCase("braille_noDelay_bias_zero.nir", "parameters_noDelay_bias_ref_zero.json", ResetMode.ZeroAll, 38, true)]
    [TestCase("braille_noDelay_noBias_subtract.nir", "parameters_noDelay_noBias_ref_subtract.json", ResetMode.Subtract, 40, false)]
    public void Snntorch_braille_reader_gives_back_the_authors_alpha_beta_and_weights(string file, string parameters, ResetMode reset, int hidden, bool bias)
    {
        var options = new NirImportOptions(PaperDt, NirDiscretisation.Euler, reset, DelayedReset: false);
        var network = Import(file, options);
        var author = JObject.Parse(File.ReadAllText(NirFixtures.Path(parameters)));

        Assert.That(network.Spec, Is.EqualTo($"12-r{hidden}-7").Or.Contains($"r{hidden}"));
        Assert.That(network.Layers, Has.Count.EqualTo(2));
        var (first, second) = (network.Layers[0], network.Layers[1]);
        Assert.That((first.Inputs, first.Size, first.IsRecurrent), Is.EqualTo((12, hidden, true)));
        Assert.That((second.Inputs, second.Size, second.IsRecurrent), Is.EqualTo((hidden, 7, false)));
        var h = (CubaLifNeuron)first.Neuron;
        var o = (CubaLifNeuron)second.Neuron;
        Assert.That(h.Alpha, Is.EqualTo((float)author["alpha_r"]!).Within(1e-6f));
        Assert.That(h.Membrane.Beta, Is.EqualTo((float)author["beta_r"]!).Within(1e-6f));
        Assert.That(o.Alpha, Is.EqualTo((float)author["alpha_out"]!).Within(1e-6f));
        Assert.That(o.Membrane.Beta, Is.EqualTo((float)author["beta_out"]!).Within(1e-6f));
        Assert.That(h.Membrane.Threshold, Is.EqualTo(1f));
        Assert.That(h.Membrane.Reset, Is.EqualTo(reset));

        // snnTorch's r and w_in make the Euler input scale 1: weights arrive exactly as stored.
        var graph = NirReader.Read(NirFixtures.Path(file));
        var stored = graph["fc1"].Parameters["weight"].Values.Select(v => (float)v).ToArray();
        Assert.That(first.DenseConnection.ToOutputMajor(), Is.EqualTo(stored).Within(1e-6f));
        var recurrent = graph["lif1.w_rec"].Parameters["weight"].Values.Select(v => (float)v).ToArray();
        Assert.That(first.Recurrent!.ToOutputMajor(), Is.EqualTo(recurrent).Within(1e-6f));
        Assert.That(first.DenseConnection.Bias.Any(b => b != 0), Is.EqualTo(bias));
    }

    [Test]
    public void Rockpool_lif_loads_despite_its_three_dimensional_output_shape()
    {
        var network = Import("lif_rockpool.nir", new NirImportOptions(PaperDt));
        Assert.That((network.InputSize, network.OutputSize), Is.EqualTo((1, 1)));
        // Euler: 0.04 * 24.0197 * 1e-4 / 2.5e-3.
        Assert.That(network.Layers[0].DenseConnection.Weights[0], Is.EqualTo(0.04f * 24.0197f * 0.04f).Within(1e-5f));
    }

    [Test]
    public void Sinabs_if_neurons_integrate_r_times_the_step_without_leak()
    {
        // The CNN's last two layers (Affine 128->256, IF, Affine 256->10, IF) as a dense graph of their own.
        var cnn = NirReader.Read(NirFixtures.Path("cnn_sinabs.nir"));
        var nodes = new[] { cnn["9"], cnn["10"], cnn["11"], cnn["12"] }.ToList();
        nodes.Add(new NirNode("input", "Input", new Dictionary<string, NirArray> { ["shape"] = NirArray.Int64([1], [128]) }));
        nodes.Add(new NirNode("output", "Output", new Dictionary<string, NirArray> { ["shape"] = NirArray.Int64([1], [10]) }));
        var graph = new NirGraph("0.2.0", nodes, [new("input", "9"), new("9", "10"), new("10", "11"), new("11", "12"), new("12", "output")]);
        var network = NirImporter.ToNetwork(graph, new NirImportOptions(1, Reset: ResetMode.Subtract), "cnn tail");
        Assert.That(network.Spec, Is.EqualTo("128-256-10"));
        Assert.That(network.Layers.Select(l => l.Neuron.Membrane.Beta), Is.All.EqualTo(1f));
        var stored = cnn["11"].Parameters["weight"].Values.Select(v => (float)v).ToArray();
        Assert.That(network.Layers[1].DenseConnection.ToOutputMajor(), Is.EqualTo(stored), "r = 1 at dt = 1: weights unchanged");
    }

    [Test]
    public void A_step_longer_than_a_time_constant_is_refused_under_euler_naming_the_node()
    {
        string path = NirFixtures.Path("braille_noDelay_bias_zero.nir");
        var e = Assert.Throws<InvalidModelException>(() => NirImporter.ToNetwork(NirReader.Read(path), new NirImportOptions(5e-4), path))!;
        Assert.That(e.Message, Does.Contain("'lif1.lif' (CubaLIF)").And.Contain("tau_syn"));
        Assert.That(NirImporter.ToNetwork(NirReader.Read(path), new NirImportOptions(5e-4, NirDiscretisation.Exact), path).Layers, Has.Count.EqualTo(2));
    }

    [TestCase(0.0)]
    [TestCase(double.NaN)]
    [TestCase(-1e-4)]
    public void A_step_that_is_not_a_positive_number_is_refused(double dt)
    {
        string path = NirFixtures.Path("lif_norse.nir");
        Assert.Throws<InvalidModelException>(() => NirImporter.ToNetwork(NirReader.Read(path), new NirImportOptions(dt), path));
    }
}
