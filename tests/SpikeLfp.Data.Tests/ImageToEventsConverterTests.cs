using System.Diagnostics;
using SpikeLfp.Data.Events;

namespace SpikeLfp.Data.Tests;

public class ImageToEventsConverterTests
{
    private TempFolder _folder = null!;

    [SetUp]
    public void CreateFolder() => _folder = new TempFolder();

    [TearDown]
    public void DeleteFolder() => _folder.Dispose();

    [Test]
    public void Digits_convert_in_seconds_and_read_back_through_the_N_MNIST_reader()
    {
        var digits = DigitsDataset.Load();
        string target = _folder.File("digits-events");
        var clock = Stopwatch.StartNew();

        var summary = ImageToEventsConverter.Convert(digits, target, new EventCameraOptions(), seed: 1);

        Assert.That(clock.Elapsed.TotalSeconds, Is.LessThan(20), "digits must take seconds");
        Assert.That(summary.Sensor, Is.EqualTo(EventSensor.Camera(10, 10)), "8x8 digits plus a 2-pixel saccade margin");
        var split = EventDatasets.Load("events:" + target, null);
        Assert.That(split.Train.Count, Is.EqualTo(digits.Train.Count));
        Assert.That(split.Test.Count, Is.EqualTo(digits.Test.Count));
        Assert.That(split.Train.Sensor, Is.EqualTo(summary.Sensor), "sensor.txt is read back");
        Assert.That(split.Train.ClassCount, Is.EqualTo(10));
        Assert.That(split.Train.CountPerClass(), Is.EqualTo(digits.Train.CountPerClass()));
        Assert.That(split.Train.TotalEvents + split.Test.TotalEvents, Is.EqualTo(summary.Events));
        Assert.That(Directory.GetDirectories(_folder.Path), Has.Length.EqualTo(1), "no staging folder is left");

        double mean = (double)summary.Events / (summary.TrainSamples + summary.TestSamples);
        Assert.That(mean, Is.InRange(50, 5000), "a digit gives a recording of some tens to thousands of events");
        var s = split.Train.Sample(0);
        Assert.That(s.LastTimeUs, Is.LessThan(300_000), "three saccades of 100 ms, times clamped below the end");
        Assert.That(s.Polarity.ToArray().Distinct().Count(), Is.EqualTo(2), "both ON and OFF events");
    }

    [Test]
    public void Every_event_of_a_converted_sample_is_the_emulator_output_byte_for_byte()
    {
        var digits = DigitsDataset.Load();
        var small = new DatasetSplit(digits.Train.Take(12), digits.Test.Take(4));
        string target = _folder.File("small");
        ImageToEventsConverter.Convert(small, target, new EventCameraOptions(), seed: 5);
        var split = NMnistFolder.Load(target, "small");

        var camera = new EventCameraEmulator(8, 8, new EventCameraOptions(), seed: 5);
        var buffer = new EventBuffer();
        for (int i = 0; i < split.Train.Count; i++)
        {
            // Files are named by the source index and read in ordinal order within each class folder.
            string name = split.Train.SampleName(i);
            int source = int.Parse(Path.GetFileNameWithoutExtension(name));
            camera.Record(small.Train.Sample(source), buffer);
            var s = split.Train.Sample(i);
            Assert.That(s.Label, Is.EqualTo(small.Train.Labels[source]));
            Assert.That(s.TimesUs.ToArray(), Is.EqualTo(buffer.TimesUs.ToArray()), name);
            Assert.That(s.X.ToArray(), Is.EqualTo(buffer.X.ToArray()), name);
            Assert.That(s.Y.ToArray(), Is.EqualTo(buffer.Y.ToArray()), name);
            Assert.That(s.Polarity.ToArray(), Is.EqualTo(buffer.Polarity.ToArray()), name);
        }
    }

    [Test]
    public void Same_seed_same_files_other_seed_other_thresholds()
    {
        var digits = DigitsDataset.Load();
        var small = new DatasetSplit(digits.Train.Take(20), digits.Test.Take(5));
        string a = _folder.File("a"), b = _folder.File("b"), c = _folder.File("c");
        ImageToEventsConverter.Convert(small, a, new EventCameraOptions(), seed: 3);
        ImageToEventsConverter.Convert(small, b, new EventCameraOptions(), seed: 3);
        ImageToEventsConverter.Convert(small, c, new EventCameraOptions(), seed: 4);

        static byte[] All(string root) => Directory.GetFiles(root, "*.bin", SearchOption.AllDirectories)
            .OrderBy(f => Path.GetRelativePath(root, f), StringComparer.Ordinal).SelectMany(File.ReadAllBytes).ToArray();
        Assert.That(All(a), Is.EqualTo(All(b)));
        Assert.That(All(a), Is.Not.EqualTo(All(c)));
    }

    [Test]
    public void A_moving_edge_fires_ON_where_light_arrives_and_OFF_where_it_leaves()
    {
        // A white 4x4 image (all 1) on black: the first saccade moves it up and right, so pixels newly covered
        // brighten (ON) and pixels left behind darken (OFF); a still image would fire nothing.
        var white = Enumerable.Repeat(1f, 16).ToArray();
        var camera = new EventCameraEmulator(4, 4, new EventCameraOptions { ThresholdSpread = 0 }, seed: 0);
        var buffer = new EventBuffer();
        camera.Record(white, buffer);

        Assert.That(buffer.Count, Is.GreaterThan(0));
        for (int k = 1; k < buffer.Count; k++) Assert.That(buffer.TimesUs[k], Is.GreaterThanOrEqualTo(buffer.TimesUs[k - 1]));
        // The image starts at (0, margin 2): sensor row 1 is dark and is the first row the image moves into.
        int firstOnRow1 = Enumerable.Range(0, buffer.Count).First(k => buffer.Y[k] == 1);
        Assert.That(buffer.Polarity[firstOnRow1], Is.EqualTo(1));
        int firstOnRow5 = Enumerable.Range(0, buffer.Count).First(k => buffer.Y[k] == 5 && buffer.X[k] == 0);
        Assert.That(buffer.Polarity[firstOnRow5], Is.EqualTo(0), "the bottom-left corner is uncovered first");
    }

    [Test]
    public void Existing_target_is_refused_and_left_alone()
    {
        string target = _folder.File("taken");
        Directory.CreateDirectory(target);
        File.WriteAllText(Path.Combine(target, "keep.txt"), "x");

        var e = Assert.Throws<DatasetException>(() => ImageToEventsConverter.Convert(DigitsDataset.Load(), target, new EventCameraOptions(), 1));
        Assert.That(e!.Message, Does.StartWith(target + ": already exists"));
        Assert.That(Directory.GetFileSystemEntries(target), Has.Length.EqualTo(1));
    }

    [Test]
    public void Cancelled_conversion_leaves_neither_the_target_nor_a_partial_folder()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        string target = _folder.File("stopped");

        Assert.Throws<OperationCanceledException>(() => ImageToEventsConverter.Convert(DigitsDataset.Load(), target, new EventCameraOptions(), 1, cancelled.Token));
        Assert.That(Directory.GetFileSystemEntries(_folder.Path), Is.Empty);
    }
}
