namespace SpikeLfp.Data.Events;

/// <summary>Summary numbers of one part of an event data set, for <c>spikelfp data inspect</c> and reports.</summary>
/// <param name="Samples">Number of samples.</param>
/// <param name="PerClass">Samples of each class, indexed by label.</param>
/// <param name="Events">Events per sample: smallest, mean, median, largest.</param>
/// <param name="DurationMs">Time of the last event per sample in milliseconds: smallest, mean, median, largest.</param>
/// <param name="Histogram">Events per sample in <see cref="HistogramBins"/> equal bins from the smallest to the largest count.</param>
/// <param name="ActiveFraction">Mean fraction of inputs active per step after binning (the input rate), or null when not binned.</param>
public sealed record EventStatistics(int Samples, int[] PerClass, Spread Events, Spread DurationMs, int[] Histogram, double? ActiveFraction)
{
    /// <summary>Bins of <see cref="Histogram"/>.</summary>
    public const int HistogramBins = 10;

    /// <summary>Statistics of <paramref name="set"/>; with a <paramref name="binner"/>, also the binned input rate (every sample is binned once).</summary>
    public static EventStatistics Of(EventDataset set, EventBinner? binner = null)
    {
        ArgumentNullException.ThrowIfNull(set);
        var counts = new double[set.Count];
        var durations = new double[set.Count];
        for (int i = 0; i < set.Count; i++)
        {
            var s = set.Sample(i);
            counts[i] = s.Count;
            durations[i] = s.LastTimeUs / 1000.0;
        }
        var events = Spread.Of(counts);
        var histogram = new int[HistogramBins];
        double width = (events.Max - events.Min) / HistogramBins;
        foreach (double c in counts)
            histogram[width == 0 ? 0 : Math.Min(HistogramBins - 1, (int)((c - events.Min) / width))]++;

        double? active = null;
        if (binner is not null)
        {
            var frames = new EventFrames();
            long entries = 0;
            for (int i = 0; i < set.Count; i++)
            {
                binner.Bin(set, i, frames);
                entries += frames.Count;
            }
            active = (double)entries / ((double)set.Count * binner.Steps * binner.InputSize);
        }
        return new EventStatistics(set.Count, set.CountPerClass(), events, Spread.Of(durations), histogram, active);
    }
}

/// <summary>Smallest, mean, median and largest of a list of numbers.</summary>
public readonly record struct Spread(double Min, double Mean, double Median, double Max)
{
    /// <summary>The spread of <paramref name="values"/> (all zero when empty).</summary>
    public static Spread Of(double[] values)
    {
        if (values.Length == 0) return default;
        var sorted = (double[])values.Clone();
        Array.Sort(sorted);
        int n = sorted.Length;
        double median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
        return new Spread(sorted[0], sorted.Average(), median, sorted[^1]);
    }
}
