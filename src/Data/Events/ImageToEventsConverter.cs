using System.Globalization;

namespace SpikeLfp.Data.Events;

/// <summary>
/// Turns an image data set into an event data set in the N-MNIST layout (<c>Train/LABEL/NNNNN.bin</c>,
/// <c>Test/LABEL/NNNNN.bin</c> and <c>sensor.txt</c>) with <see cref="EventCameraEmulator"/>, so
/// <see cref="NMnistFolder"/> (and <c>--dataset events:PATH</c>) reads it back. The folder is written under a
/// temporary name next to the target and renamed into place, so an interrupted run leaves no half data set.
/// Images are converted in parallel; each depends only on its pixels and the seed, so the files are the same
/// whatever the thread count.
/// </summary>
public static class ImageToEventsConverter
{
    /// <summary>Totals of one conversion.</summary>
    public sealed record Summary(int TrainSamples, int TestSamples, long Events, EventSensor Sensor);

    /// <summary>
    /// Converts <paramref name="split"/> into <paramref name="outFolder"/>, which must not exist yet. When
    /// <paramref name="cancellation"/> fires, the partial folder is deleted and <see cref="OperationCanceledException"/> thrown.
    /// </summary>
    /// <exception cref="DatasetException">The target exists, or the images are not grey-scale.</exception>
    public static Summary Convert(DatasetSplit split, string outFolder, EventCameraOptions options, int seed, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(split);
        ArgumentNullException.ThrowIfNull(outFolder);
        ArgumentNullException.ThrowIfNull(options);
        var shape = split.Train.Shape;
        if (shape.Channels != 1 || split.Test.Shape != shape)
            throw new DatasetException($"{split.Train.Name}: the event camera needs grey-scale images of one shape, got {shape} and {split.Test.Shape}");
        string target = Path.GetFullPath(outFolder);
        if (Directory.Exists(target) || File.Exists(target))
            throw new DatasetException($"{outFolder}: already exists; give a new folder to --out (nothing was written)");
        var camera = new EventCameraEmulator(shape.Height, shape.Width, options, seed);

        string parent = Path.GetDirectoryName(target) ?? ".";
        string staging = Path.Combine(parent, $".{Path.GetFileName(target)}.{Guid.NewGuid():N}.partial");
        try
        {
            Directory.CreateDirectory(staging);
            long events = WritePart(split.Train, Path.Combine(staging, NMnistFolder.TrainFolder), camera, cancellation);
            events += WritePart(split.Test, Path.Combine(staging, NMnistFolder.TestFolder), camera, cancellation);
            SensorFile.Write(staging, camera.Sensor);
            Directory.Move(staging, target);
            return new Summary(split.Train.Count, split.Test.Count, events, camera.Sensor);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException
                                   || (e is AggregateException a && a.InnerException is IOException or UnauthorizedAccessException))
        {
            Exception cause = e is AggregateException ? e.InnerException! : e;
            throw new DatasetException($"{outFolder}: cannot write the event data set ({IdxFormat.OneLine(cause.Message)})", e);
        }
        finally
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        }
    }

    private static long WritePart(Dataset part, string folder, EventCameraEmulator camera, CancellationToken cancellation)
    {
        for (int label = 0; label < part.ClassCount; label++)
            Directory.CreateDirectory(Path.Combine(folder, label.ToString(CultureInfo.InvariantCulture)));
        long events = 0;
        var parallel = new ParallelOptions { CancellationToken = cancellation };
        Parallel.For(0, part.Count, parallel, () => (Buffer: new EventBuffer(), Bytes: new byte[1 << 16], Events: 0L), (i, _, state) =>
        {
            camera.Record(part.Sample(i), state.Buffer);
            int length = state.Buffer.Count * NMnistFormat.BytesPerEvent;
            if (state.Bytes.Length < length) state.Bytes = new byte[Math.Max(length, 2 * state.Bytes.Length)];
            NMnistFormat.Encode(state.Buffer.TimesUs, state.Buffer.X, state.Buffer.Y, state.Buffer.Polarity, state.Bytes);
            string file = Path.Combine(folder, part.Labels[i].ToString(CultureInfo.InvariantCulture), i.ToString("D5", CultureInfo.InvariantCulture) + ".bin");
            using (var stream = new FileStream(file, FileMode.CreateNew, FileAccess.Write, FileShare.None, 4096))
                stream.Write(state.Bytes, 0, length);
            state.Events += state.Buffer.Count;
            return state;
        }, state => Interlocked.Add(ref events, state.Events));
        return events;
    }
}
