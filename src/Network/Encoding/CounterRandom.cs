namespace SpikeLfp.Network.Encoding;

/// <summary>
/// Counter-based random numbers: a pure function of (seed, a, b, c), so results do not depend on the
/// order in which threads draw them. SplitMix64 finaliser over a mixed key.
/// </summary>
public static class CounterRandom
{
    /// <summary>64 random bits for the key.</summary>
    public static ulong Bits(ulong seed, ulong a, ulong b, ulong c)
    {
        ulong z = Mix(seed ^ 0x9E3779B97F4A7C15UL);
        z = Mix(z ^ a);
        z = Mix(z ^ (b * 0xD1B54A32D192ED03UL));
        return Mix(z ^ (c * 0x8CB92BA72F3D8DD7UL));
    }

    /// <summary>Uniform float in [0, 1) for the key.</summary>
    public static float Uniform(ulong seed, ulong a, ulong b, ulong c) => (Bits(seed, a, b, c) >> 40) * (1f / (1 << 24));

    /// <summary>Standard normal sample for the key (Box-Muller).</summary>
    public static float Normal(ulong seed, ulong a, ulong b, ulong c)
    {
        ulong bits = Bits(seed, a, b, c);
        double u1 = ((bits >> 11) + 1) * (1.0 / 9007199254740993.0); // (0, 1]
        double u2 = (Mix(bits) >> 11) * (1.0 / 9007199254740992.0);
        return (float)(Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2));
    }

    private static ulong Mix(ulong z)
    {
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
