using System.Globalization;
using SpikeLfp.Data.Events;

namespace SpikeLfp.Cli;

/// <summary>
/// The binning flags of every command that reads an event data set (data inspect, and train/compare/simulate
/// with --dataset shd|ssc|nmnist|events:PATH): parsed and validated once here into <see cref="EventBinningOptions"/>.
/// </summary>
public static class EventOptions
{
    /// <summary>--polarity: split or merge.</summary>
    private static readonly Flag PolarityFlag = Flag.OneOf("polarity", ["split", "merge"], "event data: split (ON and OFF as separate inputs, default) or merge");

    /// <summary>The binning flags other than --steps (which train-like commands already take, for every data set).</summary>
    public static readonly Flag[] BinningOnlyFlags =
    [
        new("dt", "MS", "event data: bin width in milliseconds (default 10)"),
        new("pool", "K", "event data: pool K neighbouring channels (K x K pixels) into one input (default 1)"),
        PolarityFlag,
        new("crop", "A:B", "event data: keep events in [A, B) milliseconds (\"A:\" for no end); time zero moves to A"),
        new("max-per-bin", "N", "event data: cap an input's events per step: 1 binary spikes (default), N counts up to N, 0 no cap"),
    ];

    /// <summary>Every binning flag, --steps included.</summary>
    public static readonly Flag[] Flags =
    [
        BinningOnlyFlags[0],
        new("steps", "T", "number of steps (SHD/SSC default 100; others: the longest sample / dt). Giving --dt or --steps replaces both defaults: --dt alone takes T from the longest sample, --steps alone stretches each sample over T steps, both cut a T*dt window"),
        .. BinningOnlyFlags[1..],
    ];

    /// <summary>
    /// The binning for <paramref name="dataset"/>: <see cref="EventDatasets.DefaultBinning"/> with the flags given
    /// in <paramref name="a"/> applied. Bad values are a one-line <see cref="UsageException"/> naming the flag.
    /// </summary>
    public static EventBinningOptions Binning(Arguments a, string dataset)
    {
        ArgumentNullException.ThrowIfNull(a);
        var options = EventDatasets.DefaultBinning(dataset);
        if (a.Has("dt") || a.Has("steps"))
            options = options with { DtUs = a.Has("dt") ? Microseconds(a.Float("dt", 0, positive: true), "--dt") : null, Steps = a.Has("steps") ? a.Int("steps", 1, 1, 1_000_000) : null };
        options = options with
        {
            Pool = a.Int("pool", options.Pool, 1, EventSensor.MaxSide),
            Polarity = PolarityFlag.Chosen(a, "split") == "merge" ? PolarityMode.Merge : PolarityMode.Split,
            MaxPerBin = a.Int("max-per-bin", options.MaxPerBin, 0, 1_000_000),
        };
        if (a.OptionalString("crop") is { } crop) options = WithCrop(options, crop);
        try
        {
            options.Validate();
        }
        catch (ArgumentException e)
        {
            throw new UsageException($"binning: {e.Message}.");
        }
        return options;
    }

    private static EventBinningOptions WithCrop(EventBinningOptions options, string crop)
    {
        int colon = crop.IndexOf(':');
        string startText = colon < 0 ? "" : crop[..colon], endText = colon < 0 ? "" : crop[(colon + 1)..];
        if (colon < 0 || !TryMs(startText, out double start) || (endText.Length > 0 && !TryMs(endText, out _)))
            throw new UsageException($"--crop must be A:B or A: in milliseconds (for example 0:1000), got '{crop}'.");
        int? end = endText.Length > 0 && TryMs(endText, out double e) ? Microseconds(e, "--crop") : null;
        if (end is int b && b <= Microseconds(start, "--crop"))
            throw new UsageException($"--crop {crop} is an empty window: the end must come after the start.");
        return options with { CropStartUs = start == 0 ? 0 : Microseconds(start, "--crop"), CropEndUs = end };
    }

    private static bool TryMs(string text, out double ms) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out ms) && double.IsFinite(ms) && ms >= 0;

    private static int Microseconds(double ms, string flag)
    {
        double us = Math.Round(ms * 1000);
        if (us < 1 || us > int.MaxValue)
            throw new UsageException($"{flag}: {ms.ToString(CultureInfo.InvariantCulture)} ms is outside 0.001 .. {int.MaxValue / 1000} ms.");
        return (int)us;
    }
}
