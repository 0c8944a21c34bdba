using SpikeLfp.Neurons;

namespace SpikeLfp.Tests.Populations;

/// <summary>The LIF neuron with exponential current receptors against the closed-form solution of its equations.</summary>
public class ReceptorLifTests
{
    private const double Dt = 0.1;

    // tau_m 20 ms, E_l -49, V_r -60, V_t as given, refractory 5 ms, receptors of 5 and 10 ms.
    private static ReceptorLifParameters Neuron(double threshold = 1000, double rest = -49, double tauE = 5)
        => new(20, rest, -60, threshold, 5, [new Receptor("e", tauE), new Receptor("i", 10)]);

    [Test]
    public void Membrane_charges_exponentially_to_the_resting_potential()
    {
        var population = new ReceptorLifPopulation(1, Neuron(), Dt);
        population.SetMembranePotential(0, -70);
        var spiked = new int[1];
        for (int step = 1; step <= 20_000; step++)
        {
            Assert.That(population.Step(spiked), Is.EqualTo(0));
            if (step % 1000 != 0) continue;
            double expected = -49 + (-70 + 49) * Math.Exp(-step * Dt / 20);
            Assert.That(population.MembranePotential(0), Is.EqualTo(expected).Within(1e-4), $"step {step}");
        }
        Assert.That(population.MembranePotential(0), Is.EqualTo(-49.0).Within(1e-9), "steady state after 2 s: exactly at rest");
    }

    [TestCase(5.0)]
    [TestCase(20.0)] // tau_e = tau_m: the resonant case, where tau_k / (tau_k - tau_m) divides by zero
    [TestCase(19.999)]
    public void Currents_decay_exactly_and_drive_the_membrane_as_the_closed_form(double tauE)
    {
        var population = new ReceptorLifPopulation(1, Neuron(tauE: tauE), Dt);
        population.SetMembranePotential(0, -49);
        population.Current(0)[0] = 4;   // g_e(0) = 4 mV
        population.Current(1)[0] = -2;  // g_i(0) = -2 mV
        var spiked = new int[1];
        for (int step = 1; step <= 1000; step++)
        {
            population.Step(spiked);
            double t = step * Dt;
            double ge = 4 * Math.Exp(-t / tauE), gi = -2 * Math.Exp(-t / 10);
            Assert.That(population.Current(0)[0], Is.EqualTo(ge).Within(1e-5 * 4), $"g_e at step {step}");
            Assert.That(population.Current(1)[0], Is.EqualTo(gi).Within(1e-5 * 2), $"g_i at step {step}");
            double v = -49 + 4 * Response(t, tauE) - 2 * Response(t, 10);
            Assert.That(population.MembranePotential(0), Is.EqualTo(v).Within(1e-4), $"v at step {step}");
        }
    }

    // v(t) - E_l for g(0) = 1 mV, v(0) = E_l: tau_k / (tau_k - tau_m) (e^{-t/tau_k} - e^{-t/tau_m}), or (t / tau_m) e^{-t/tau_m}.
    private static double Response(double t, double tauK)
        => tauK == 20 ? t / 20 * Math.Exp(-t / 20) : tauK / (tauK - 20) * (Math.Exp(-t / tauK) - Math.Exp(-t / 20));

    [Test]
    public void Propagator_coefficient_is_continuous_through_tau_k_equal_tau_m()
    {
        double atResonance = ReceptorLifPropagator.CurrentToMembraneCoefficient(Dt, 20, 20);
        Assert.That(atResonance, Is.EqualTo(Dt / 20 * Math.Exp(-Dt / 20)).Within(1e-15));
        foreach (double delta in new[] { 1e-9, 1e-6, 1e-3 })
            Assert.That(ReceptorLifPropagator.CurrentToMembraneCoefficient(Dt, 20, 20 + delta), Is.EqualTo(atResonance).Within(atResonance * delta * 1e-2 + 1e-15), $"delta {delta}");
    }

    [Test]
    public void Refractory_neuron_holds_the_reset_potential_while_its_currents_decay_then_charges_to_threshold()
    {
        // E_l = -40 is above V_t = -50: the neuron fires regularly. After a spike, v stays at V_r for the 49 steps after
        // the spike's step (refractory 5 ms = 50 steps, as Brian2 counts it), then charges from V_r: it crosses V_t after
        // m steps, the first with E_l + (V_r - E_l) e^{-m dt / tau_m} > V_t, i.e. m > tau_m ln 2 / dt = 138.6.
        var population = new ReceptorLifPopulation(1, Neuron(threshold: -50, rest: -40), Dt);
        population.SetMembranePotential(0, -50.001);
        var spiked = new int[1];
        Assert.That(population.Step(spiked), Is.EqualTo(1), "a neuron just below threshold with E_l above it fires at once");
        Assert.That(population.MembranePotential(0), Is.EqualTo(-60.0));
        population.Current(0)[0] = 100; // a huge input during the refractory period must not move v
        var spikeSteps = new List<int> { 0 };
        for (int step = 1; step < 1000; step++)
        {
            float before = population.Current(0)[0];
            if (population.Step(spiked) == 1) spikeSteps.Add(step);
            Assert.That(population.Current(0)[0], Is.EqualTo(before * (float)Math.Exp(-Dt / 5)).Within(1e-4f * Math.Abs(before)), "g_e decays while refractory");
            if (step < 50) Assert.That(population.MembranePotential(0), Is.EqualTo(-60.0), $"v held at step {step}");
            if (step == 50) Assert.That(population.MembranePotential(0), Is.GreaterThan(-60.0), "integrates again 50 steps after the spike");
            if (step == 50) population.Current(0)[0] = 0; // from here on, free charging
        }
        int m = (int)Math.Ceiling(20 * Math.Log(2) / Dt);
        Assert.That(spikeSteps[1] - spikeSteps[0], Is.GreaterThan(49));
        for (int k = 2; k < spikeSteps.Count; k++)
            Assert.That(spikeSteps[k] - spikeSteps[k - 1], Is.EqualTo(49 + m), "inter-spike interval: refractory hold plus the charging time");
        Assert.That(spikeSteps.Count, Is.GreaterThan(3));
    }

    [Test]
    public void Vector_body_and_scalar_tail_give_identical_neurons()
    {
        // 45 neurons: most go through the SIMD body, the last few through the scalar tail; each must equal a population of one.
        var p = ReceptorLifParameters.Cuba;
        var many = new ReceptorLifPopulation(45, p, Dt);
        var single = Enumerable.Range(0, 45).Select(_ => new ReceptorLifPopulation(1, p, Dt)).ToArray();
        var random = new Random(3);
        for (int i = 0; i < 45; i++)
        {
            float v = (float)(-11 + 12 * random.NextDouble()), ge = (float)(5 * random.NextDouble()), gi = (float)(-3 * random.NextDouble());
            (many.Depolarization[i], many.Current(0)[i], many.Current(1)[i]) = (v, ge, gi);
            (single[i].Depolarization[0], single[i].Current(0)[0], single[i].Current(1)[0]) = (v, ge, gi);
        }
        var spikedMany = new int[45];
        var spikedOne = new int[1];
        int total = 0;
        for (int step = 0; step < 300; step++)
        {
            int count = many.Step(spikedMany);
            total += count;
            var expected = new List<int>();
            for (int i = 0; i < 45; i++)
                if (single[i].Step(spikedOne) == 1) expected.Add(i);
            Assert.That(spikedMany.Take(count), Is.EqualTo(expected), $"spikes at step {step}");
            for (int i = 0; i < 45; i++) Assert.That(many.Depolarization[i], Is.EqualTo(single[i].Depolarization[0]), $"neuron {i}, step {step}");
        }
        Assert.That(total, Is.GreaterThan(10), "the test exercises spikes and refractory periods");
    }

    [Test]
    public void Invalid_parameters_are_refused_with_the_name_of_the_value()
    {
        Assert.That(() => new ReceptorLifParameters(0, -49, -60, -50, 5, [new Receptor("e", 5)]), Throws.ArgumentException.With.Message.Contains("tau_m"));
        Assert.That(() => new ReceptorLifParameters(20, -49, -50, -60, 5, [new Receptor("e", 5)]), Throws.ArgumentException.With.Message.Contains("below the threshold"));
        Assert.That(() => new ReceptorLifParameters(20, -49, -60, -50, -1, [new Receptor("e", 5)]), Throws.ArgumentException.With.Message.Contains("refractory"));
        Assert.That(() => new ReceptorLifParameters(20, -49, -60, -50, 5, [new Receptor("e", 5), new Receptor("e", 3)]), Throws.ArgumentException.With.Message.Contains("twice"));
        Assert.That(() => new ReceptorLifParameters(20, -49, -60, -50, 5, []), Throws.ArgumentException.With.Message.Contains("receptor"));
    }
}
