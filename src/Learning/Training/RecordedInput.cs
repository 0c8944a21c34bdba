using SpikeLfp.Data;
using SpikeLfp.Data.Events;
using SpikeLfp.Network.Encoding;

namespace SpikeLfp.Learning.Training;

/// <summary>
/// An event data set ready for the trainers and the simulator: every sample binned once into
/// <see cref="RecordedSpikes"/>, and train and test sets whose single feature per sample is its index in that
/// recording (<see cref="RecordedSpikeEncoder"/>), so batching, shuffling, evaluation and checkpoints work as for
/// images while the spikes go straight into the first layer.
/// </summary>
/// <param name="Data">Train and test sets of references (one feature per sample).</param>
/// <param name="Encoder">Delivers each referenced sample's recorded spikes.</param>
public sealed record RecordedInput(DatasetSplit Data, RecordedSpikeEncoder Encoder)
{
    /// <summary>Steps of every binned sample: the simulation's steps.</summary>
    public int Steps => Encoder.Recording.Steps;

    /// <summary>Input channels after binning: the first layer's inputs.</summary>
    public int Channels => Encoder.Recording.Channels;

    /// <summary>
    /// Bins the train and test parts of <paramref name="source"/> (at most <paramref name="limit"/> samples of each,
    /// spread evenly over it). A bin with events is one input spike: the network takes 0/1 spikes.
    /// </summary>
    /// <exception cref="ArgumentException">More samples than a float reference can address exactly (2^24).</exception>
    public static RecordedInput From(EventSource source, int limit = int.MaxValue)
    {
        ArgumentNullException.ThrowIfNull(source);
        var train = limit < source.Data.Train.Count ? source.Data.Train.Spread(limit) : source.Data.Train;
        var test = limit < source.Data.Test.Count ? source.Data.Test.Spread(limit) : source.Data.Test;
        if ((long)train.Count + test.Count > MaxSamples)
            throw new ArgumentException($"{train.Count + test.Count} samples are more than a recording can reference ({MaxSamples}).");
        var binner = source.Binner;
        var builder = new RecordedSpikes.Builder(binner.InputSize, binner.Steps);
        var frames = new EventFrames();
        foreach (var part in new[] { train, test })
            for (int i = 0; i < part.Count; i++)
            {
                binner.Bin(part, i, frames);
                for (int t = 0; t < binner.Steps; t++) builder.AddStep(frames.ChannelsAt(t));
            }
        var encoder = new RecordedSpikeEncoder(builder.Build());
        return new RecordedInput(new DatasetSplit(References(train, 0), References(test, train.Count)), encoder);
    }

    // Sample indices as floats are exact up to 2^24.
    private const int MaxSamples = 1 << 24;

    private static Dataset References(EventDataset part, int first)
    {
        var references = new float[part.Count];
        for (int i = 0; i < references.Length; i++) references[i] = first + i;
        return new Dataset(part.Name, references, (int[])part.Labels.Clone(), 1, Math.Max(2, part.ClassCount), new SampleShape(1, 1, 1));
    }
}
