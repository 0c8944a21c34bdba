using SpikeLfp.Neurons;
using SpikeLfp.Tests.Support;

namespace SpikeLfp.Tests.Reference;

/// <summary>snntorch's Leaky, all four reset variants (fixture snntorch_leaky_forward.json): every spike, membranes to 1e-5.</summary>
[Category("Reference")]
public class LifForwardReferenceTests
{
    [TestCase("subtract_delay_true", ResetMode.Subtract, true)]
    [TestCase("subtract_delay_false", ResetMode.Subtract, false)]
    [TestCase("zero_delay_true", ResetMode.Zero, true)]
    [TestCase("zero_delay_false", ResetMode.Zero, false)]
    public void Lif_step_reproduces_snntorch_leaky(string variant, ResetMode reset, bool delayed)
    {
        var f = Fixture.Load("snntorch_leaky_forward");
        int steps = f.Int("sizes.T"), batch = f.Int("sizes.batch"), n = f.Int("sizes.neurons");
        var p = new LifParameters((float)(double)f["params.beta"], (float)(double)f["params.threshold"], reset, delayed);
        var current = f.Floats("input_current");
        var expectedSpikes = f.Array($"variants.{variant}.spikes");
        var expectedMembrane = f.Array($"variants.{variant}.membrane");
        var population = new LifPopulation(n, batch, p);
        var spikes = new float[batch * n];
        var membranes = new List<float>();
        for (int t = 0; t < steps; t++)
        {
            population.Step(current.AsSpan(t * batch * n, batch * n), spikes);
            for (int i = 0; i < batch * n; i++)
                Assert.That(spikes[i], Is.EqualTo((float)expectedSpikes[t * batch * n + i]), $"spike at step {t}, index {i}");
            membranes.AddRange(population.Membrane.ToArray());
        }
        Close.AssertAll(membranes, expectedMembrane, $"{variant} membrane");
    }
}
