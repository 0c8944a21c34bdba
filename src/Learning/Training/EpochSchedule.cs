namespace SpikeLfp.Learning.Training;

/// <summary>
/// The data order of every training rule: epoch e visits the training set in a permutation derived from
/// (seed, e) alone. LFP and the surrogate baseline therefore see the same batches in the same order, and a
/// resumed run continues exactly where an uninterrupted one would be.
/// </summary>
public static class EpochSchedule
{
    // Separates the shuffle's random stream from the encoders' streams drawn from the same seed.
    private const ulong ShuffleSalt = 0x5EED;

    /// <summary>The permutation of 0..count-1 for epoch <paramref name="epoch"/> (1-based) and <paramref name="seed"/>.</summary>
    public static int[] Order(int count, int seed, int epoch)
    {
        var order = Enumerable.Range(0, count).ToArray();
        // Random(int) is the seeded, stable legacy generator; HashCode would differ between processes.
        new Random(unchecked((int)Network.Encoding.CounterRandom.Bits((ulong)seed, (ulong)epoch, ShuffleSalt, 0))).Shuffle(order);
        return order;
    }

    /// <summary>Encoder key of a training sample: distinct per (epoch, index), so rate coding draws fresh spikes each epoch.</summary>
    public static long TrainingKey(int epoch, int index) => ((long)epoch << 32) | (uint)index;
}
