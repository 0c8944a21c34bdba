namespace SpikeLfp.Learning.Experiments;

/// <summary>
/// One measurement repeated over seeds (for example the final test accuracy of a rule): its mean, sample
/// standard deviation and range. Small-data results move from seed to seed, so one seed is never the claim.
/// </summary>
public sealed record SeedSpread
{
    /// <summary>Wraps the values, one per seed, in seed order.</summary>
    public SeedSpread(IReadOnlyList<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count == 0) throw new ArgumentException("a spread needs at least one value.", nameof(values));
        Values = values;
    }

    /// <summary>The values, one per seed.</summary>
    public IReadOnlyList<double> Values { get; }
    /// <summary>Arithmetic mean.</summary>
    public double Mean => Values.Average();
    /// <summary>Sample standard deviation (n - 1 in the denominator); 0 for one value.</summary>
    public double StandardDeviation
    {
        get
        {
            if (Values.Count < 2) return 0;
            double mean = Mean;
            return Math.Sqrt(Values.Sum(v => (v - mean) * (v - mean)) / (Values.Count - 1));
        }
    }
    /// <summary>Smallest value.</summary>
    public double Min => Values.Min();
    /// <summary>Largest value.</summary>
    public double Max => Values.Max();
}
