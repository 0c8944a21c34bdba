using System.Globalization;

// In the core assembly, with no torch in it, because a TrainingRule (checkpoints, reports) names its surrogate; the
// namespace stays the surrogate baseline's.
namespace SpikeLfp.Learning.Surrogate;

/// <summary>Which derivative stands in for the Heaviside spike function's in the backward pass.</summary>
public enum SurrogateKind
{
    /// <summary>snntorch <c>atan</c>: dS/dU = (alpha/2) / (1 + (pi/2 * alpha * (U - thr))^2).</summary>
    Atan,

    /// <summary>snntorch <c>fast_sigmoid</c>: dS/dU = 1 / (slope * |U - thr| + 1)^2.</summary>
    FastSigmoid,

    /// <summary>
    /// Triangle: dS/dU = max(0, 1 - |U - thr|) (Esser et al. 2016; Bellec et al. 2018 with unit width).
    /// Deliberately not snntorch's <c>triangular</c>, whose backward is +thr below threshold and -thr at or
    /// above it (a sign-flipped constant, not a triangle).
    /// </summary>
    Triangle,

    /// <summary>The true Heaviside derivative: zero almost everywhere, so no gradient reaches any weight.</summary>
    Step,
}

/// <summary>A surrogate derivative and its shape parameters.</summary>
/// <param name="Kind">Which surrogate.</param>
/// <param name="Alpha">Width parameter of <see cref="SurrogateKind.Atan"/> (snntorch default 2).</param>
/// <param name="Slope">Slope of <see cref="SurrogateKind.FastSigmoid"/> (snntorch default 25).</param>
public sealed record SurrogateSpec(SurrogateKind Kind, double Alpha = 2.0, double Slope = 25.0)
{
    /// <summary>The snntorch default: atan with alpha 2.</summary>
    public static SurrogateSpec Default { get; } = new(SurrogateKind.Atan);

    /// <summary>
    /// Parses <c>atan</c>, <c>fast-sigmoid</c> (or <c>fast_sigmoid</c>), <c>triangle</c>, <c>step</c>,
    /// optionally followed by <c>:value</c> for alpha (atan) or slope (fast-sigmoid), e.g. <c>atan:2</c>.
    /// </summary>
    /// <exception cref="FormatException">Unknown name or unreadable parameter.</exception>
    public static SurrogateSpec Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string[] parts = text.Trim().Split(':', 2);
        string name = parts[0].Trim().ToLowerInvariant().Replace('_', '-');
        double? value = null;
        if (parts.Length == 2)
        {
            if (!double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out double parsed) || !(parsed > 0))
                throw new FormatException($"Surrogate parameter '{parts[1]}' is not a positive number.");
            value = parsed;
        }
        return name switch
        {
            "atan" or "arctan" => new SurrogateSpec(SurrogateKind.Atan, Alpha: value ?? 2.0),
            "fast-sigmoid" or "fastsigmoid" => new SurrogateSpec(SurrogateKind.FastSigmoid, Slope: value ?? 25.0),
            "triangle" or "triangular" when value is null => new SurrogateSpec(SurrogateKind.Triangle),
            "step" or "heaviside" when value is null => new SurrogateSpec(SurrogateKind.Step),
            _ => throw new FormatException($"Unknown surrogate '{text}'; expected atan[:alpha], fast-sigmoid[:slope], triangle or step."),
        };
    }

    /// <summary>The name <see cref="Parse"/> reads back (with its parameter).</summary>
    public override string ToString() => Kind switch
    {
        SurrogateKind.Atan => FormattableString.Invariant($"atan:{Alpha}"),
        SurrogateKind.FastSigmoid => FormattableString.Invariant($"fast-sigmoid:{Slope}"),
        SurrogateKind.Triangle => "triangle",
        _ => "step",
    };
}
