using SpikeLfp.Network.Synapses;

namespace SpikeLfp.Tests.Simulation;

/// <summary>Cache-line-aligned arrays: the contract of an ordinary array, and alignment most of the time.</summary>
public class CacheLineArraysTests
{
    [TestCase(0)]
    [TestCase(255)]
    [TestCase(256)]
    [TestCase(19_201)]
    [TestCase(784_000)]
    [TestCase(9_000_000)]
    public void Arrays_have_the_length_asked_for_and_start_zeroed(int length)
    {
        var array = CacheLineArrays.Floats(length);
        Assert.That(array, Has.Length.EqualTo(length));
        Assert.That(array.All(v => v == 0f), Is.True);
    }

    [Test]
    public void Most_large_arrays_start_a_cache_line_even_among_other_allocations()
    {
        // Where the allocator puts an array is not ours to fix, only to steer: an array of ordinary float[]s starts a
        // line one time in eight. The test process allocates and frees plenty around this, so ask for a clear majority.
        var random = new Random(5);
        var kept = new List<object>();
        int aligned = 0, total = 16;
        for (int i = 0; i < total; i++)
        {
            kept.Add(GC.AllocateArray<byte>(random.Next(1, 4000), pinned: random.Next(2) == 0));
            var array = CacheLineArrays.Floats(19_200 + 16 * random.Next(100));
            kept.Add(array);
            if (CacheLineArrays.StartsLine(array)) aligned++;
        }
        Assert.That(aligned, Is.GreaterThanOrEqualTo(total / 2), $"{aligned} of {total} arrays start a cache line");
    }
}
