using PureHDF;
using SpikeLfp.Data.Events;

namespace SpikeLfp.Data.Tests;

public class HeidelbergSpikesFormatTests
{
    private TempFolder _folder = null!;

    [SetUp]
    public void CreateFolder() => _folder = new TempFolder();

    [TearDown]
    public void DeleteFolder() => _folder.Dispose();

    /// <summary>Spike times (s), units and labels of three samples; sample 1 is empty, as a silent recording may be.</summary>
    private static readonly double[][] Times = [[0.0, 0.0125, 0.5, 0.999], [], [0.25, 0.25, 1.5]];
    private static readonly ushort[][] Units = [[0, 699, 3, 3], [], [10, 11, 0]];
    private static readonly ushort[] Labels = [19, 0, 7];

    internal static void WriteShd<TTime>(string path, TTime[][] times, object units, object labels, bool withExtra = true)
    {
        var file = new H5File
        {
            ["spikes"] = new H5Group { ["times"] = times, ["units"] = units },
            ["labels"] = labels,
        };
        if (withExtra) file["extra"] = new H5Group { ["speaker"] = new ushort[] { 1, 2, 3 } };
        file.Write(path);
    }

    private static Half[][] AsHalf(double[][] t) => t.Select(a => a.Select(v => (Half)v).ToArray()).ToArray();

    [Test]
    public void Float16_file_in_the_published_layout_reads_every_event_back()
    {
        string path = _folder.File("shd_train.h5");
        WriteShd(path, AsHalf(Times), Units, Labels);

        var set = HeidelbergSpikesFormat.Read(path, "shd", classCount: 20);

        Assert.That(set.Count, Is.EqualTo(3));
        Assert.That(set.Sensor, Is.EqualTo(EventSensor.Channels(700)));
        Assert.That(set.ClassCount, Is.EqualTo(20));
        Assert.That(set.Labels, Is.EqualTo(new[] { 19, 0, 7 }));
        Assert.That(set.TotalEvents, Is.EqualTo(7));
        for (int i = 0; i < 3; i++)
        {
            var s = set.Sample(i);
            // float16 holds these times exactly or to its 11-bit precision; microseconds are rounded from it.
            int[] expected = Times[i].Select(t => (int)Math.Round((double)(Half)t * 1e6)).ToArray();
            Assert.That(s.TimesUs.ToArray(), Is.EqualTo(expected), $"sample {i}");
            Assert.That(s.X.ToArray(), Is.EqualTo(Units[i]), $"sample {i}");
            Assert.That(s.Y.IsEmpty && s.Polarity.IsEmpty, Is.True);
        }
        Assert.That(set.Sample(0).TimesUs.ToArray(), Is.EqualTo(new[] { 0, 12497, 500000, 999023 }), "float16: 0.0125 s is 1638 * 2^-17 s, 0.999 s is 2046 * 2^-11 s");
    }

    [Test]
    public void Float32_and_float64_times_are_accepted_too()
    {
        string p32 = _folder.File("f32.h5"), p64 = _folder.File("f64.h5");
        WriteShd(p32, Times.Select(a => a.Select(v => (float)v).ToArray()).ToArray(), Units, Labels);
        WriteShd(p64, Times, Units, Labels, withExtra: false);

        var s32 = HeidelbergSpikesFormat.Read(p32, "shd");
        var s64 = HeidelbergSpikesFormat.Read(p64, "shd");

        Assert.That(s64.Sample(0).TimesUs.ToArray(), Is.EqualTo(new[] { 0, 12500, 500000, 999000 }));
        Assert.That(s32.Sample(2).TimesUs.ToArray(), Is.EqualTo(new[] { 250000, 250000, 1500000 }));
        Assert.That(s64.ClassCount, Is.EqualTo(20), "without a class count: largest label + 1");
    }

    [Test]
    public void Missing_group_is_one_line_naming_the_file()
    {
        string path = _folder.File("bad.h5");
        new H5File { ["labels"] = Labels }.Write(path);

        var e = Assert.Throws<DatasetException>(() => HeidelbergSpikesFormat.Read(path, "shd"));
        Assert.That(e!.Message, Does.StartWith(path + ": has no group 'spikes'"));
    }

    [Test]
    public void Label_count_mismatch_is_rejected()
    {
        string path = _folder.File("bad.h5");
        WriteShd(path, AsHalf(Times), Units, new ushort[] { 1, 2 });

        var e = Assert.Throws<DatasetException>(() => HeidelbergSpikesFormat.Read(path, "shd"));
        Assert.That(e!.Message, Is.EqualTo($"{path}: labels has 2 entries but spikes/times has 3 samples"));
    }

    [Test]
    public void Unit_out_of_range_is_rejected()
    {
        string path = _folder.File("bad.h5");
        WriteShd(path, AsHalf(Times), new ushort[][] { [0, 700, 3, 3], [], [1, 2, 3] }, Labels);

        var e = Assert.Throws<DatasetException>(() => HeidelbergSpikesFormat.Read(path, "shd"));
        Assert.That(e!.Message, Is.EqualTo($"{path}: sample 0: spike 1 has unit 700, outside 0..699"));
    }

    [Test]
    public void Times_going_backwards_are_rejected()
    {
        string path = _folder.File("bad.h5");
        WriteShd(path, AsHalf([[0.5, 0.25], [], [0.1, 0.2, 0.3]]), new ushort[][] { [1, 2], [], [1, 2, 3] }, Labels);

        var e = Assert.Throws<DatasetException>(() => HeidelbergSpikesFormat.Read(path, "shd"));
        Assert.That(e!.Message, Does.StartWith($"{path}: sample 0: timestamps go backwards at event 1"));
    }

    [Test]
    public void Wrong_dtypes_are_rejected()
    {
        string intTimes = _folder.File("int-times.h5"), flatUnits = _folder.File("flat-units.h5");
        WriteShd(intTimes, new int[][] { [1, 2, 3, 4], [], [1, 2, 3] }, Units, Labels);
        WriteShd(flatUnits, AsHalf(Times), new ushort[] { 1, 2, 3 }, Labels);

        var e1 = Assert.Throws<DatasetException>(() => HeidelbergSpikesFormat.Read(intTimes, "shd"));
        var e2 = Assert.Throws<DatasetException>(() => HeidelbergSpikesFormat.Read(flatUnits, "shd"));
        Assert.That(e1!.Message, Does.StartWith($"{intTimes}: spikes/times holds FixedPoint of 4 bytes, expected float16, float32 or float64"));
        Assert.That(e2!.Message, Does.StartWith($"{flatUnits}: spikes/units is FixedPoint, expected variable-length arrays"));
    }

    [Test]
    public void Mismatched_lengths_of_times_and_units_are_rejected()
    {
        string path = _folder.File("bad.h5");
        WriteShd(path, AsHalf(Times), new ushort[][] { [0, 1, 3], [], [1, 2, 3] }, Labels);

        var e = Assert.Throws<DatasetException>(() => HeidelbergSpikesFormat.Read(path, "shd"));
        Assert.That(e!.Message, Is.EqualTo($"{path}: sample 0 has 4 spike times but 3 units"));
    }

    [Test]
    public void Truncated_and_garbage_files_are_one_line_errors()
    {
        string good = _folder.File("good.h5");
        WriteShd(good, AsHalf(Times), Units, Labels);
        byte[] bytes = File.ReadAllBytes(good);
        string truncated = _folder.File("truncated.h5"), garbage = _folder.File("garbage.h5");
        File.WriteAllBytes(truncated, bytes[..(bytes.Length / 2)]);
        File.WriteAllBytes(garbage, Enumerable.Range(0, 4000).Select(i => (byte)(i * 37)).ToArray());

        foreach (string path in new[] { truncated, garbage })
        {
            var e = Assert.Throws<DatasetException>(() => HeidelbergSpikesFormat.Read(path, "shd"));
            Assert.That(e!.Message, Does.StartWith(path + ": "));
            Assert.That(e.Message, Does.Not.Contain("\n"));
        }
    }

    [Test]
    public void Random_byte_corruptions_load_or_throw_DatasetException()
    {
        string good = _folder.File("good.h5");
        WriteShd(good, AsHalf(Times), Units, Labels);
        byte[] original = File.ReadAllBytes(good);
        var random = new Random(13);
        string path = _folder.File("fuzz.h5");
        int rejected = 0;
        for (int trial = 0; trial < 300; trial++)
        {
            byte[] bytes = (byte[])original.Clone();
            for (int k = random.Next(1, 4); k > 0; k--) bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
            File.WriteAllBytes(path, bytes);
            try
            {
                HeidelbergSpikesFormat.Read(path, "shd");
            }
            catch (DatasetException)
            {
                rejected++;
            }
        }
        Assert.That(rejected, Is.GreaterThan(0));
    }
}
