using System.Buffers.Binary;
using System.Text;
using SpikeLfp.Data.Events;

namespace SpikeLfp.Data.Tests;

public class EventTableFolderTests
{
    private TempFolder _folder = null!;

    [SetUp]
    public void CreateFolder() => _folder = new TempFolder();

    [TearDown]
    public void DeleteFolder() => _folder.Dispose();

    private void Write(string relative, string text)
    {
        string path = Path.Combine(_folder.Path, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }

    private void WriteBytes(string relative, byte[] bytes)
    {
        string path = Path.Combine(_folder.Path, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, bytes);
    }

    /// <summary>An .npy file built by hand: magic, version 1.0, little-endian header length, padded header, data.</summary>
    internal static byte[] Npy(string descr, string shape, byte[] data)
    {
        string header = $"{{'descr': {descr}, 'fortran_order': False, 'shape': {shape}, }}";
        int total = 10 + header.Length + 1;
        header = header.PadRight(header.Length + (64 - total % 64) % 64) + "\n";
        var bytes = new List<byte> { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0 };
        bytes.AddRange(BitConverter.GetBytes((ushort)header.Length));
        bytes.AddRange(Encoding.ASCII.GetBytes(header));
        bytes.AddRange(data);
        return [.. bytes];
    }

    private static byte[] Int64s(params long[] values)
    {
        var bytes = new byte[values.Length * 8];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(i * 8), values[i]);
        return bytes;
    }

    [Test]
    public void Csv_camera_samples_and_labels_read_back_every_event()
    {
        Write("sensor.txt", "128x128x2\n");
        Write("train/labels.csv", "file,label\na.csv,3\nsub/b.csv,0\n");
        Write("train/a.csv", "t,x,y,p\n10,127,0,1\n10,5,127,0\n2000,1,2,1\n");
        Write("train/sub/b.csv", "t,x,y,p\n");
        Write("test/labels.csv", "c.csv,1\n");
        Write("test/c.csv", "t,x,y,p\n7,0,0,0\n");

        var split = EventTableFolder.Load(_folder.Path, "gesture");

        Assert.That(split.Train.Sensor, Is.EqualTo(EventSensor.Camera(128, 128)));
        Assert.That(split.Train.Labels, Is.EqualTo(new[] { 3, 0 }));
        Assert.That(split.Train.ClassCount, Is.EqualTo(4));
        var a = split.Train.Sample(0);
        Assert.That(a.TimesUs.ToArray(), Is.EqualTo(new[] { 10, 10, 2000 }));
        Assert.That(a.X.ToArray(), Is.EqualTo(new ushort[] { 127, 5, 1 }));
        Assert.That(a.Y.ToArray(), Is.EqualTo(new ushort[] { 0, 127, 2 }));
        Assert.That(a.Polarity.ToArray(), Is.EqualTo(new byte[] { 1, 0, 1 }));
        Assert.That(split.Train.Sample(1).Count, Is.Zero);
        Assert.That(split.Test.Sample(0).Label, Is.EqualTo(1));
    }

    [Test]
    public void Npy_structured_and_two_column_channel_samples_read_back()
    {
        // Structured: fields t (<i8) and channel (<u2), 10 bytes per row.
        var structured = new List<byte>();
        foreach (var (t, ch) in new[] { (5L, (ushort)699), (6L, (ushort)0) })
        {
            structured.AddRange(Int64s(t));
            structured.AddRange(BitConverter.GetBytes(ch));
        }
        WriteBytes("train/s.npy", Npy("[('t', '<i8'), ('channel', '<u2')]", "(2,)", [.. structured]));
        WriteBytes("train/p.npy", Npy("'<i8'", "(3, 2)", Int64s(1, 3, 2, 3, 900, 1)));
        Write("train/labels.csv", "s.npy,0\np.npy,1\n");
        Write("test/labels.csv", "p.npy,1\n");
        WriteBytes("test/p.npy", Npy("'<f8'", "(1, 2)", [.. BitConverter.GetBytes(4.0), .. BitConverter.GetBytes(2.0)]));

        var split = EventTableFolder.Load(_folder.Path, "custom");

        Assert.That(split.Train.Sensor, Is.EqualTo(EventSensor.Channels(700)), "fitted to the largest channel");
        Assert.That(split.Train.Sample(0).TimesUs.ToArray(), Is.EqualTo(new[] { 5, 6 }));
        Assert.That(split.Train.Sample(0).X.ToArray(), Is.EqualTo(new ushort[] { 699, 0 }));
        Assert.That(split.Train.Sample(1).TimesUs.ToArray(), Is.EqualTo(new[] { 1, 2, 900 }));
        Assert.That(split.Train.Sample(1).X.ToArray(), Is.EqualTo(new ushort[] { 3, 3, 1 }));
        Assert.That(split.Test.Sample(0).TimesUs.ToArray(), Is.EqualTo(new[] { 4 }));
    }

    [TestCase("'<i8'", "(4, 2)", 48, "header claims 4 rows of 16 bytes but the file holds 48 data bytes", false)]
    [TestCase("'>i8'", "(1, 2)", 16, "type '>i8' is not supported", false)]
    [TestCase("'<i8'", "(1, 3)", 24, "3 columns, expected a known column layout", false)]
    [TestCase("'<f8'", "(1, 2)", 16, "row 0 of column 't' is 0.5, expected a whole number", true)]
    public void Bad_npy_files_are_one_line_errors(string descr, string shape, int dataBytes, string expected, bool fractional)
    {
        byte[] data = new byte[dataBytes];
        if (fractional) BitConverter.GetBytes(0.5).CopyTo(data, 0);
        WriteBytes("train/x.npy", Npy(descr, shape, data));
        Write("train/labels.csv", "x.npy,0\n");
        Write("test/labels.csv", "x.npy,0\n");
        WriteBytes("test/x.npy", Npy("'<i8'", "(1, 2)", new byte[16]));

        var e = Assert.Throws<DatasetException>(() => EventTableFolder.Load(_folder.Path, "bad"));
        Assert.That(e!.Message, Does.StartWith(Path.Combine(_folder.Path, "train", "x.npy") + ": "));
        Assert.That(e.Message, Does.Contain(expected));
    }

    [Test]
    public void Label_file_that_disagrees_with_the_folder_is_rejected()
    {
        Write("train/labels.csv", "a.csv,0\n");
        Write("train/a.csv", "t,channel\n1,1\n");
        Write("train/b.csv", "t,channel\n1,1\n");
        Write("test/labels.csv", "a.csv,0\n");
        Write("test/a.csv", "t,channel\n1,1\n");
        string labels = Path.Combine(_folder.Path, "train", "labels.csv");

        var e = Assert.Throws<DatasetException>(() => EventTableFolder.Load(_folder.Path, "bad"));
        Assert.That(e!.Message, Is.EqualTo($"{labels}: lists 1 samples but {Path.Combine(_folder.Path, "train")} holds 2 .csv/.npy sample files"));
    }

    [TestCase("t,x,y,p\n5,1,1,1\n4,1,1,1\n", "timestamps go backwards at event 1 (4 us after 5 us)")]
    [TestCase("t,x,y,p\n5,1,1,2\n", "event 0 has p = 2, outside 0..1")]
    [TestCase("t,x,y,p\n5,1,1\n", "line 2 has 3 values, expected 4")]
    [TestCase("t,x,y,p\n5,1,x,1\n", "line 2 column 'y' is 'x', expected a whole number")]
    [TestCase("time,x,y,p\n5,1,1,1\n", "columns time,x,y,p, expected t,x,y,p or t,channel")]
    [TestCase("t,x,y,p\n5,200,1,1\n", "event 0 has x = 200, outside the sensor's width 128")]
    public void Bad_csv_samples_are_one_line_errors_naming_the_file(string csv, string expected)
    {
        Write("sensor.txt", "128x128x2");
        Write("train/labels.csv", "a.csv,0\n");
        Write("train/a.csv", csv);
        Write("test/labels.csv", "a.csv,0\n");
        Write("test/a.csv", "t,x,y,p\n");

        var e = Assert.Throws<DatasetException>(() => EventTableFolder.Load(_folder.Path, "bad"));
        Assert.That(e!.Message, Is.EqualTo($"{Path.Combine(_folder.Path, "train", "a.csv")}: {expected}"));
    }

    [TestCase("a.csv\n", "line 1 is 'a.csv', expected FILE,LABEL with a label from 0")]
    [TestCase("a.csv,-1\n", "line 1 is 'a.csv,-1', expected FILE,LABEL with a label from 0")]
    [TestCase("../a.csv,1\n", "line 1 names '../a.csv', expected a file inside")]
    public void Bad_label_lines_are_rejected(string labels, string expected)
    {
        Write("train/labels.csv", labels);
        Write("train/a.csv", "t,channel\n");
        Write("test/labels.csv", "a.csv,0\n");
        Write("test/a.csv", "t,channel\n");

        var e = Assert.Throws<DatasetException>(() => EventTableFolder.Load(_folder.Path, "bad"));
        Assert.That(e!.Message, Does.StartWith(Path.Combine(_folder.Path, "train", "labels.csv") + ": " + expected));
    }

    [Test]
    public void Catalog_routes_events_paths_by_layout_and_names_missing_official_files()
    {
        Write("train/labels.csv", "a.csv,1\n");
        Write("train/a.csv", "t,channel\n1,4\n");
        Write("test/labels.csv", "a.csv,0\n");
        Write("test/a.csv", "t,channel\n1,4\n");

        var source = EventDatasets.Open("events:" + _folder.Path, null);
        Assert.That(source.Binner.InputSize, Is.EqualTo(5));
        Assert.That(source.Binner.Steps, Is.EqualTo(1), "10 ms default bins over a 2 us sample");

        var shd = Assert.Throws<DatasetException>(() => EventDatasets.Load("shd", _folder.Path));
        Assert.That(shd!.Message, Is.EqualTo($"{Path.Combine(_folder.Path, "shd", "shd_train.h5")}: file not found (see 'spikelfp data fetch shd')"));
        var unknown = Assert.Throws<DatasetException>(() => EventDatasets.Load("dvs", _folder.Path));
        Assert.That(unknown!.Message, Does.StartWith("unknown event dataset 'dvs'"));
        Assert.That(EventDatasets.IsEventDataset("events:x") && EventDatasets.IsEventDataset("shd") && !EventDatasets.IsEventDataset("digits"), Is.True);
    }

    [Test]
    public void Shd_files_in_the_data_folder_open_with_the_usual_binning()
    {
        string folder = Path.Combine(_folder.Path, "shd");
        Directory.CreateDirectory(folder);
        Half[][] times = [[(Half)0.001, (Half)0.5], [(Half)0.999]];
        HeidelbergSpikesFormatTests.WriteShd(Path.Combine(folder, "shd_train.h5"), times, new ushort[][] { [0, 699], [5] }, new ushort[] { 0, 19 });
        HeidelbergSpikesFormatTests.WriteShd(Path.Combine(folder, "shd_test.h5"), times, new ushort[][] { [1, 2], [3] }, new ushort[] { 4, 5 }, withExtra: false);

        var source = EventDatasets.Open("shd", _folder.Path);

        Assert.That((source.Binner.InputSize, source.Binner.Steps, source.Binner.DtUs), Is.EqualTo((700, 100, 10_000)));
        Assert.That(source.Data.Train.ClassCount, Is.EqualTo(20));
        var frames = new EventFrames();
        source.Binner.Bin(source.Data.Train, 0, frames);
        Assert.That(frames.ChannelsAt(0).ToArray(), Is.EqualTo(new[] { 0 }));
        Assert.That(frames.ChannelsAt(50).ToArray(), Is.EqualTo(new[] { 699 }));
        Assert.That(frames.Count, Is.EqualTo(2));
    }

    [Test]
    public void Ssc_files_put_straight_into_the_data_folder_open_with_their_validation_part()
    {
        Half[][] times = [[(Half)0.25], [(Half)0.5, (Half)0.75]];
        var units = new ushort[][] { [3], [4, 5] };
        foreach (string part in new[] { "train", "valid", "test" })
            HeidelbergSpikesFormatTests.WriteShd(Path.Combine(_folder.Path, $"ssc_{part}.h5"), times, units, new ushort[] { 34, 0 }, withExtra: false);

        var data = EventDatasets.Load("ssc", _folder.Path);

        Assert.That(data.Validation, Is.Not.Null);
        Assert.That(data.Validation!.Count, Is.EqualTo(2));
        Assert.That(data.Train.ClassCount, Is.EqualTo(35));
        Assert.That(data.Test.Sample(1).TimesUs.ToArray(), Is.EqualTo(new[] { 500000, 750000 }));
    }
}
