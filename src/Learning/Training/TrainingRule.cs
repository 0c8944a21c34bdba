using SpikeLfp.Learning.Surrogate;

namespace SpikeLfp.Learning.Training;

/// <summary>
/// A learning rule: LFP (<see cref="Lfp"/>), or surrogate-gradient BPTT with the spike derivative
/// <paramref name="Surrogate"/>. Files name it by <see cref="Name"/> ("lfp", "surrogate": the <c>rule</c> key of
/// metrics.json and comparison.json) or by <see cref="Key"/> ("lfp", "atan:2": the <c>rule</c> of a checkpoint).
/// </summary>
/// <param name="Surrogate">Null for LFP; the spike derivative of the surrogate-gradient rule.</param>
public sealed record TrainingRule(SurrogateSpec? Surrogate)
{
    /// <summary>The name of the LFP rule in files and on the command line.</summary>
    public const string LfpName = "lfp";

    // The name of the surrogate-gradient rule in files.
    private const string SurrogateRuleName = "surrogate";

    /// <summary>LFP (Heaviside spikes, no surrogate).</summary>
    public static TrainingRule Lfp { get; } = new((SurrogateSpec?)null);

    /// <summary>True for LFP.</summary>
    public bool IsLfp => Surrogate is null;

    /// <summary>"lfp" or "surrogate" (the <c>rule</c> key of metrics.json and comparison.json).</summary>
    public string Name => IsLfp ? LfpName : SurrogateRuleName;

    /// <summary>The surrogate's name without parameters ("atan", "fast-sigmoid", "triangle", "step"), or null for LFP.</summary>
    public string? SurrogateName => Surrogate?.ToString().Split(':')[0];

    /// <summary>Label in tables and legends: "lfp", "surrogate atan", ...</summary>
    public string Label => IsLfp ? LfpName : $"{SurrogateRuleName} {SurrogateName}";

    /// <summary>The rule with its parameters, as a checkpoint names it: "lfp", or the surrogate spec ("atan:2", ...); <see cref="Parse"/> reads it back.</summary>
    public string Key => Surrogate?.ToString() ?? LfpName;

    /// <summary>The rule <see cref="Key"/> names: "lfp", or a surrogate spec (<see cref="SurrogateSpec.Parse"/>).</summary>
    /// <exception cref="FormatException">Neither "lfp" nor a surrogate spec.</exception>
    public static TrainingRule Parse(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (key == LfpName) return Lfp;
        try { return new TrainingRule(SurrogateSpec.Parse(key)); }
        catch (FormatException e) { throw new FormatException($"unknown rule '{key}': expected lfp or a surrogate ({e.Message})", e); }
    }

    /// <summary>The <see cref="Label"/>.</summary>
    public override string ToString() => Label;
}
