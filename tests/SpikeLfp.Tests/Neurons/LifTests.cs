using SpikeLfp.Neurons;

namespace SpikeLfp.Tests.LifNeurons;

public class LifTests
{
    private static (float u, float s) ScalarStep(float z, float previous, LifParameters p)
    {
        float reset = previous > p.Threshold ? 1f : 0f;
        float u = p.Reset == ResetMode.Subtract ? p.Beta * previous + z - p.Threshold * reset : p.Beta * (1f - reset) * previous + z;
        float s = u > p.Threshold ? 1f : 0f;
        if (!p.DelayedReset)
        {
            float d = s - reset;
            u = p.Reset == ResetMode.Subtract ? u - d * p.Threshold : u - d * u;
        }
        return (u, s);
    }

    // Sizes: a scalar tail only, one 512-bit vector, vectors plus tails, the hidden layer of the MLP.
    [TestCase(ResetMode.Subtract, true, 7)]
    [TestCase(ResetMode.Subtract, false, 16)]
    [TestCase(ResetMode.Zero, true, 1003)]
    [TestCase(ResetMode.Zero, false, 33)]
    [TestCase(ResetMode.ZeroAll, true, 1000)]
    [TestCase(ResetMode.ZeroAll, false, 47)]
    public void Step_that_lists_its_spikes_equals_a_step_then_a_list_of_its_spikes(ResetMode reset, bool delayed, int n)
    {
        var p = new LifParameters(0.85f, 0.7f, reset, delayed);
        var random = new Random(n);
        var previous = new float[n];
        var listedPrevious = new float[n];
        for (int t = 0; t < 6; t++)
        {
            var current = Enumerable.Range(0, n).Select(_ => (float)(random.NextDouble() * 1.6 - 0.4)).ToArray();
            var membrane = new float[n];
            var spikes = new float[n];
            int count = Lif.Step(current, t == 0 ? [] : previous, membrane, spikes, p);
            var listedMembrane = new float[n];
            var fired = Enumerable.Repeat(-1, n).ToArray();
            int listed = Lif.StepAndListSpikes(current, t == 0 ? [] : listedPrevious, listedMembrane, fired, p);
            Assert.That(listed, Is.EqualTo(count), $"step {t}");
            Assert.That(fired.Take(listed), Is.EqualTo(Enumerable.Range(0, n).Where(i => spikes[i] != 0f)), $"step {t}");
            Assert.That(listedMembrane, Is.EqualTo(membrane), $"step {t}");
            previous = membrane;
            listedPrevious = listedMembrane;
        }
    }

    [TestCase(ResetMode.Subtract, true)]
    [TestCase(ResetMode.Subtract, false)]
    [TestCase(ResetMode.Zero, true)]
    [TestCase(ResetMode.Zero, false)]
    public void Simd_step_matches_the_scalar_equations_bit_for_bit(ResetMode reset, bool delayed)
    {
        var p = new LifParameters(0.85f, 0.7f, reset, delayed);
        var random = new Random(3);
        const int n = 1003; // SIMD body plus a scalar tail
        var membrane = new float[n];
        var expected = new float[n];
        var spikes = new float[n];
        for (int t = 0; t < 20; t++)
        {
            var z = Enumerable.Range(0, n).Select(_ => (float)(random.NextDouble() * 1.6 - 0.4)).ToArray();
            int count = Lif.Step(z, t == 0 ? ReadOnlySpan<float>.Empty : membrane, membrane, spikes, p);
            int expectedCount = 0;
            for (int i = 0; i < n; i++)
            {
                var (u, s) = ScalarStep(z[i], expected[i], p);
                expected[i] = u;
                Assert.That(spikes[i], Is.EqualTo(s), $"spike {i} at step {t}");
                expectedCount += (int)s;
            }
            Assert.That(membrane, Is.EqualTo(expected), $"membranes at step {t}");
            Assert.That(count, Is.EqualTo(expectedCount));
        }
    }

    [TestCase(float.NaN, 1f, "beta")]
    [TestCase(-0.1f, 1f, "beta")]
    [TestCase(1.5f, 1f, "beta")]
    [TestCase(0.9f, 0f, "threshold")]
    [TestCase(0.9f, float.NaN, "threshold")]
    [TestCase(0.9f, float.PositiveInfinity, "threshold")]
    public void Invalid_parameters_are_rejected_with_a_message_naming_them(float beta, float threshold, string name)
    {
        var e = Assert.Throws<ArgumentException>(() => _ = new LifParameters(beta, threshold));
        Assert.That(e!.Message, Does.StartWith(name));
        Assert.That(e.ParamName, Is.EqualTo(name));
    }

    [Test]
    public void Spike_requires_membrane_strictly_above_threshold()
    {
        var p = new LifParameters(1f, 1f);
        var membrane = new float[2];
        var spikes = new float[2];
        Lif.Step(new[] { 1f, 1.0001f }, membrane, spikes, p);
        Assert.That(spikes, Is.EqualTo(new[] { 0f, 1f }));
    }
}
