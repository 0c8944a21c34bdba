namespace SpikeLfp.Data.Events;

/// <summary>What to do with the ON and OFF events of a two-polarity sensor.</summary>
public enum PolarityMode
{
    /// <summary>ON and OFF events go to separate input channels (twice the inputs; the default).</summary>
    Split,

    /// <summary>ON and OFF events go to the same input channel.</summary>
    Merge,
}

/// <summary>
/// How recorded events become <c>T</c> input steps. Every choice and its default:
/// <list type="bullet">
/// <item><see cref="DtUs"/> and <see cref="Steps"/>: with both, the window is <c>Steps * DtUs</c> from the crop start
/// and later events are dropped (SHD's usual 100 steps of 10 ms); with only <see cref="DtUs"/>, <c>T</c> is the
/// longest (cropped) sample of the data set divided by <c>DtUs</c>, rounded up; with only <see cref="Steps"/>, each
/// sample is stretched over exactly <c>T</c> steps (its own bin width, as tonic's <c>n_time_bins</c>). Neither:
/// 10 ms bins, <c>T</c> from the longest sample.</item>
/// <item><see cref="Pool"/> (default 1): <c>k</c> neighbouring channels (or <c>k x k</c> pixels) share one input, so
/// SHD's 700 channels become <c>ceil(700 / k)</c>.</item>
/// <item><see cref="Polarity"/> (default <see cref="PolarityMode.Split"/>): ON and OFF as separate inputs or merged.</item>
/// <item><see cref="CropStartUs"/> / <see cref="CropEndUs"/> (default all): events outside <c>[start, end)</c> are
/// dropped and time counts from <c>start</c>.</item>
/// <item><see cref="MaxPerBin"/> (default 1): the value of an input in a step is its event count capped at this;
/// 1 gives binary spikes, 0 uncapped counts.</item>
/// </list>
/// </summary>
public sealed record EventBinningOptions
{
    /// <summary>The bin width used when neither <see cref="DtUs"/> nor <see cref="Steps"/> is given: 10 ms.</summary>
    public const int DefaultDtUs = 10_000;

    /// <summary>Width of one step in microseconds, or null (see the type's remarks).</summary>
    public int? DtUs { get; init; }

    /// <summary>Number of steps <c>T</c>, or null (see the type's remarks).</summary>
    public int? Steps { get; init; }

    /// <summary>Neighbouring channels (or pixels per side) pooled into one input; at least 1.</summary>
    public int Pool { get; init; } = 1;

    /// <summary>ON and OFF events as separate inputs or merged.</summary>
    public PolarityMode Polarity { get; init; } = PolarityMode.Split;

    /// <summary>Start of the kept time window in microseconds; time zero of the steps.</summary>
    public int CropStartUs { get; init; }

    /// <summary>End (exclusive) of the kept time window in microseconds, or null for no end.</summary>
    public int? CropEndUs { get; init; }

    /// <summary>Cap on an input's value in one step: 1 binary spikes, n counts up to n, 0 uncapped counts.</summary>
    public int MaxPerBin { get; init; } = 1;

    /// <summary>
    /// Inputs ordered [y, x, p] (the channel-last image a convolutional network reads) instead of the default
    /// [p, y, x] (channel-first, as event cameras, Tonic and NIR order frames).
    /// </summary>
    public bool ChannelLast { get; init; }

    /// <summary>SHD and SSC as usually binned: 100 steps of 10 ms, binary.</summary>
    public static EventBinningOptions Heidelberg { get; } = new() { DtUs = 10_000, Steps = 100 };

    /// <summary>Throws when a value is out of range.</summary>
    /// <exception cref="ArgumentException">A value is out of range or the crop window is empty.</exception>
    public void Validate()
    {
        if (DtUs is < 1) throw new ArgumentException($"the bin width must be at least 1 us, got {DtUs}");
        if (Steps is < 1) throw new ArgumentException($"the step count must be at least 1, got {Steps}");
        if (Pool < 1) throw new ArgumentException($"pooling must be at least 1, got {Pool}");
        if (CropStartUs < 0) throw new ArgumentException($"the crop start must not be negative, got {CropStartUs} us");
        if (CropEndUs is int end && end <= CropStartUs) throw new ArgumentException($"the crop window [{CropStartUs}, {end}) us is empty");
        if (MaxPerBin < 0) throw new ArgumentException($"the cap per bin must be 0 (none) or positive, got {MaxPerBin}");
        if ((long?)DtUs * Steps > int.MaxValue) throw new ArgumentException($"{Steps} steps of {DtUs} us span more than {int.MaxValue} us");
    }
}
