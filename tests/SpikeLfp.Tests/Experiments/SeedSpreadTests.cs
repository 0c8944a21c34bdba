using SpikeLfp.Learning.Experiments;

namespace SpikeLfp.Tests.Experiments;

/// <summary>The over-seed statistics every multi-seed report prints.</summary>
public class SeedSpreadTests
{
    [Test]
    public void Mean_sample_sd_and_range_of_known_values()
    {
        var spread = new SeedSpread([0.385, 0.580, 0.577]);
        Assert.That(spread.Mean, Is.EqualTo(0.514).Within(1e-12));
        // Sample sd (n - 1): deviations -0.129, 0.066, 0.063; squares sum to 0.024966.
        Assert.That(spread.StandardDeviation, Is.EqualTo(Math.Sqrt(0.024966 / 2)).Within(1e-6));
        Assert.That(spread.Min, Is.EqualTo(0.385));
        Assert.That(spread.Max, Is.EqualTo(0.580));
    }

    [Test]
    public void One_seed_has_no_spread_and_none_is_refused()
    {
        var one = new SeedSpread([0.4]);
        Assert.That(one.StandardDeviation, Is.EqualTo(0.0));
        Assert.That(one.Mean, Is.EqualTo(0.4));
        Assert.Throws<ArgumentException>(() => _ = new SeedSpread([]));
    }
}
