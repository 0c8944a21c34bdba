namespace SpikeLfp.Learning.Lfp;

/// <summary>
/// LFP's epsilon stabiliser (zennit's <c>stabilize</c>): a denominator z becomes z + eps (sign(z) + [z == 0]),
/// so it never vanishes and keeps its sign. One place for the constant used by every epsilon rule.
/// </summary>
public static class Stabilizer
{
    /// <summary>The reference's epsilon, 1e-6.</summary>
    public const float Epsilon = 1e-6f;

    /// <summary>z + eps sign(z), with sign(0) counted as +1.</summary>
    public static float Stabilize(float z) => z + (z >= 0f ? Epsilon : -Epsilon);
}
