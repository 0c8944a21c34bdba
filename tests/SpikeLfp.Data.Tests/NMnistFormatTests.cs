using SpikeLfp.Data.Events;

namespace SpikeLfp.Data.Tests;

public class NMnistFormatTests
{
    private TempFolder _folder = null!;

    [SetUp]
    public void CreateFolder() => _folder = new TempFolder();

    [TearDown]
    public void DeleteFolder() => _folder.Dispose();

    /// <summary>Three events written by hand, byte by byte, from the published layout (x, y, p|t[22..16], t[15..8], t[7..0]).</summary>
    internal static readonly byte[] HandEvents =
    [
        0x05, 0x21, 0x00, 0x00, 0x07, // x 5, y 33, OFF, t 7 us
        0x21, 0x00, 0x81, 0x02, 0x03, // x 33, y 0, ON, t 0x010203 = 66051 us
        0x00, 0x10, 0xFF, 0xFF, 0xFF, // x 0, y 16, ON, t 0x7FFFFF = 8388607 us (the largest)
    ];

    [Test]
    public void Hand_written_bytes_decode_to_the_published_fields()
    {
        var t = new int[3];
        var x = new ushort[3];
        var y = new ushort[3];
        var p = new byte[3];

        int n = NMnistFormat.Decode(HandEvents, "hand", t, x, y, p);

        Assert.That(n, Is.EqualTo(3));
        Assert.That(t, Is.EqualTo(new[] { 7, 66051, 8388607 }));
        Assert.That(x, Is.EqualTo(new ushort[] { 5, 33, 0 }));
        Assert.That(y, Is.EqualTo(new ushort[] { 33, 0, 16 }));
        Assert.That(p, Is.EqualTo(new byte[] { 0, 1, 1 }));
    }

    [Test]
    public void Encoding_gives_back_the_hand_written_bytes()
    {
        var bytes = new byte[15];
        NMnistFormat.Encode([7, 66051, 8388607], new ushort[] { 5, 33, 0 }, new ushort[] { 33, 0, 16 }, new byte[] { 0, 1, 1 }, bytes);
        Assert.That(bytes, Is.EqualTo(HandEvents));
    }

    [Test]
    public void Encoding_refuses_values_outside_the_fields()
    {
        var bytes = new byte[5];
        Assert.Throws<ArgumentException>(() => NMnistFormat.Encode([1 << 23], new ushort[] { 0 }, new ushort[] { 0 }, new byte[] { 0 }, bytes));
        Assert.Throws<ArgumentException>(() => NMnistFormat.Encode([0], new ushort[] { 256 }, new ushort[] { 0 }, new byte[] { 0 }, bytes));
    }

    private void WriteSample(string part, string label, string file, byte[] bytes)
    {
        string folder = Path.Combine(_folder.Path, part, label);
        Directory.CreateDirectory(folder);
        File.WriteAllBytes(Path.Combine(folder, file), bytes);
    }

    private static byte[] Event(int x, int y, int p, int t) => [(byte)x, (byte)y, (byte)((p << 7) | (t >> 16)), (byte)(t >> 8), (byte)t];

    [Test]
    public void Folder_layout_loads_every_event_with_labels_from_class_folders()
    {
        WriteSample("Train", "0", "00002.bin", [.. Event(1, 2, 1, 10), .. Event(3, 4, 0, 20)]);
        WriteSample("Train", "0", "00001.bin", Event(33, 33, 0, 5));
        WriteSample("Train", "7", "00003.bin", []);
        WriteSample("Test", "7", "00009.bin", Event(0, 0, 1, 300000));

        var split = NMnistFolder.Load(_folder.Path, "nmnist", NMnistFolder.NMnistSensor);

        Assert.That(split.Train.Count, Is.EqualTo(3));
        Assert.That(split.Test.Count, Is.EqualTo(1));
        Assert.That(split.Train.ClassCount, Is.EqualTo(8), "integer folder names are the labels");
        Assert.That(split.Train.Labels, Is.EqualTo(new[] { 0, 0, 7 }));
        Assert.That(split.Train.SampleName(0), Does.EndWith("00001.bin"), "files in ordinal order");
        var s = split.Train.Sample(1);
        Assert.That(s.TimesUs.ToArray(), Is.EqualTo(new[] { 10, 20 }));
        Assert.That(s.X.ToArray(), Is.EqualTo(new ushort[] { 1, 3 }));
        Assert.That(s.Y.ToArray(), Is.EqualTo(new ushort[] { 2, 4 }));
        Assert.That(s.Polarity.ToArray(), Is.EqualTo(new byte[] { 1, 0 }));
        Assert.That(split.Train.Sample(2).Count, Is.Zero);
        Assert.That(split.Test.Sample(0).TimesUs[0], Is.EqualTo(300000));
    }

    [Test]
    public void Without_a_declared_sensor_the_smallest_holding_every_event_is_used()
    {
        WriteSample("Train", "a", "1.bin", Event(9, 4, 1, 10));
        WriteSample("Train", "b", "1.bin", Event(2, 6, 0, 10));
        WriteSample("Test", "b", "1.bin", Event(0, 0, 0, 10));

        var split = NMnistFolder.Load(_folder.Path, "named");

        Assert.That(split.Train.Sensor, Is.EqualTo(EventSensor.Camera(10, 7)));
        Assert.That(split.Test.Sensor, Is.EqualTo(split.Train.Sensor));
        Assert.That(split.Train.Labels, Is.EqualTo(new[] { 0, 1 }), "names numbered in ordinal order");
    }

    [Test]
    public void Truncated_file_is_one_line_naming_it()
    {
        WriteSample("Train", "0", "1.bin", Event(1, 1, 1, 1));
        WriteSample("Train", "1", "1.bin", [.. Event(1, 1, 1, 1), 0x01, 0x02]);
        WriteSample("Test", "0", "1.bin", Event(1, 1, 1, 1));
        string bad = Path.Combine(_folder.Path, "Train", "1", "1.bin");

        var e = Assert.Throws<DatasetException>(() => NMnistFolder.Load(_folder.Path, "nmnist"));
        Assert.That(e!.Message, Is.EqualTo($"{bad}: truncated, 7 bytes is not a whole number of 5-byte events"));
    }

    [Test]
    public void Timestamps_going_backwards_are_rejected()
    {
        WriteSample("Train", "0", "1.bin", [.. Event(1, 1, 1, 50), .. Event(1, 1, 1, 40)]);
        WriteSample("Train", "1", "1.bin", Event(1, 1, 1, 1));
        WriteSample("Test", "0", "1.bin", Event(1, 1, 1, 1));
        string bad = Path.Combine(_folder.Path, "Train", "0", "1.bin");

        var e = Assert.Throws<DatasetException>(() => NMnistFolder.Load(_folder.Path, "nmnist"));
        Assert.That(e!.Message, Is.EqualTo($"{bad}: timestamps go backwards at event 1 (40 us after 50 us)"));
    }

    [Test]
    public void Pixels_outside_the_declared_sensor_are_rejected()
    {
        WriteSample("Train", "0", "1.bin", Event(34, 1, 1, 50));
        WriteSample("Train", "1", "1.bin", Event(1, 1, 1, 1));
        WriteSample("Test", "0", "1.bin", Event(1, 1, 1, 1));

        var e = Assert.Throws<DatasetException>(() => NMnistFolder.Load(_folder.Path, "nmnist", NMnistFolder.NMnistSensor));
        Assert.That(e!.Message, Does.EndWith("1.bin: event 0 has x = 34, outside the sensor's width 34"));
    }

    [Test]
    public void Missing_test_folder_and_unknown_test_class_are_rejected()
    {
        WriteSample("Train", "0", "1.bin", Event(1, 1, 1, 1));
        WriteSample("Train", "1", "1.bin", Event(1, 1, 1, 1));
        var missing = Assert.Throws<DatasetException>(() => NMnistFolder.Load(_folder.Path, "nmnist"));
        Assert.That(missing!.Message, Does.StartWith(Path.Combine(_folder.Path, "Test") + ": folder not found"));

        WriteSample("Test", "5", "1.bin", Event(1, 1, 1, 1));
        var unknown = Assert.Throws<DatasetException>(() => NMnistFolder.Load(_folder.Path, "nmnist"));
        Assert.That(unknown!.Message, Is.EqualTo(Path.Combine(_folder.Path, "Test", "5") + ": class folder not in the training part"));
    }

    [Test]
    public void Random_mutations_of_sample_bytes_either_load_or_throw_DatasetException()
    {
        // Fixed seed: the same corruptions every run, through the same decoder and checks the folder reader uses.
        var random = new Random(20261202);
        byte[] seed = [.. Event(1, 2, 1, 10), .. Event(3, 4, 0, 20), .. Event(33, 0, 1, 4000), .. Event(0, 33, 0, 300000)];
        int loaded = 0, rejected = 0;
        var t = new int[64];
        var x = new ushort[64];
        var y = new ushort[64];
        var p = new byte[64];
        for (int trial = 0; trial < 4000; trial++)
        {
            byte[] bytes = IdxFormatTests.Mutate(seed, random);
            try
            {
                int n = NMnistFormat.Decode(bytes, "fuzz", t, x, y, p);
                var builder = new EventDatasetBuilder("fuzz", "fuzz", NMnistFolder.NMnistSensor);
                builder.Add(t.AsSpan(0, n), x.AsSpan(0, n), y.AsSpan(0, n), p.AsSpan(0, n), 0, "fuzz");
                loaded++;
            }
            catch (DatasetException e)
            {
                Assert.That(e.Message, Does.StartWith("fuzz: "), $"trial {trial}");
                rejected++;
            }
            catch (Exception e)
            {
                Assert.Fail($"trial {trial} ({Convert.ToHexString(bytes)}) threw {e.GetType().Name}: {e.Message}");
            }
        }
        Assert.That(loaded + rejected, Is.EqualTo(4000));
        Assert.That(rejected, Is.GreaterThan(1000), "most corruptions must be caught");
        Assert.That(loaded, Is.GreaterThan(100), "changes that keep whole, in-range, ordered events still load");
    }
}
