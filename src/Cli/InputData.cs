using SpikeLfp.Data;
using SpikeLfp.Data.Events;
using SpikeLfp.Learning.Training;

namespace SpikeLfp.Cli;

/// <summary>
/// The samples a command trains or simulates on: images, which an encoder presents (--encoder), or an event data set
/// (--dataset shd|ssc|nmnist|events:PATH), binned once by the binning flags and delivered as recorded spikes.
/// </summary>
/// <param name="Split">Train and test sets (for event data, one reference per sample into <paramref name="Recorded"/>).</param>
/// <param name="Recorded">The binned recordings of an event data set; null for images.</param>
public sealed record InputData(DatasetSplit Split, RecordedInput? Recorded)
{
    /// <summary>True when --dataset names an event data set.</summary>
    public static bool NamesEvents(Arguments a) => EventDatasets.IsEventDataset(a.String("dataset", "digits"));

    /// <summary>
    /// Loads --dataset (and --data-dir), trimmed by --limit; an event data set is binned by the binning flags
    /// (<see cref="EventOptions"/>) and takes no --encoder: it is input spikes already.
    /// </summary>
    /// <param name="a">The command's flags.</param>
    /// <param name="imageInput">True when the network's first layer reads an image (convolution or pooling): event
    /// frames are then binned channel-last, [y, x, polarity], the layout of its input.</param>
    /// <exception cref="UsageException">--encoder with event data, or binning that cannot train (counts).</exception>
    public static InputData Load(Arguments a, bool imageInput = false)
    {
        if (!NamesEvents(a)) return new InputData(CommonOptions.Data(a), null);
        string name = a.String("dataset", "digits");
        if (a.Has("encoder"))
            throw new UsageException($"--encoder: data set '{name}' is recorded spikes already; leave --encoder out.");
        var binning = EventOptions.Binning(a, name) with { ChannelLast = imageInput };
        if (binning.MaxPerBin != 1)
            throw new UsageException($"--max-per-bin {binning.MaxPerBin}: the network takes 0/1 input spikes; counts are for data inspect (use 1, the default).");
        int limit = a.Int("limit", int.MaxValue, 1);
        try
        {
            var recorded = RecordedInput.From(EventDatasets.Open(name, a.OptionalString("data-dir"), binning), limit);
            return new InputData(recorded.Data, recorded);
        }
        catch (ArgumentException e)
        {
            throw new UsageException($"--dataset {name}: {e.Message}");
        }
    }

    /// <summary>
    /// --dataset (or --data-dir) with any folder in it made absolute: a named set (digits, mnist, shd, ...) stays as it
    /// is, a folder or events:PATH gets its full path, so a relative and an absolute name of one folder are the same.
    /// </summary>
    public static string AbsoluteDataset(string name)
    {
        if (name.Length == 0 || name is "digits" or "mnist" or "fashion-mnist" || EventDatasets.KnownNames.Contains(name)) return name;
        if (name.StartsWith(EventDatasets.PathPrefix, StringComparison.Ordinal))
            return name.Length == EventDatasets.PathPrefix.Length ? name : EventDatasets.PathPrefix + Path.GetFullPath(name[EventDatasets.PathPrefix.Length..]);
        return Path.TrimEndingDirectorySeparator(Path.GetFullPath(name));
    }

    /// <summary>
    /// A fingerprint of the samples (DatasetContent.Hash of the split, and for event data every binned input spike,
    /// since its split holds only references to them): --resume compares it with the checkpoint's.
    /// </summary>
    public string ContentHash()
    {
        string split = DatasetContent.Hash(Split);
        if (Recorded is null) return split;
        var spikes = Recorded.Encoder.Recording;
        using var hash = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        hash.AppendData(System.Text.Encoding.ASCII.GetBytes(split));
        Span<int> fired = stackalloc int[1];
        for (int sample = 0; sample < spikes.Count; sample++)
            for (int step = 0; step < spikes.Steps; step++)
            {
                var channels = spikes.Fired(sample, step);
                fired[0] = channels.Length; // the count first, so steps cannot run into each other
                hash.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(fired));
                hash.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(channels));
            }
        return "sha256:" + Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>The first layer's inputs this data asks for: the binned channels, an image row with rows, or the features.</summary>
    public int InputSize(bool rows) => Recorded?.Channels ?? (rows ? Split.Train.Shape.Width : Split.Train.FeatureCount);
}
