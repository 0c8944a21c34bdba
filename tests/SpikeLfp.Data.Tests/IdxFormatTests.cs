namespace SpikeLfp.Data.Tests;

public class IdxFormatTests
{
    private TempFolder _folder = null!;

    [SetUp]
    public void CreateFolder() => _folder = new TempFolder();

    [TearDown]
    public void DeleteFolder() => _folder.Dispose();

    [TestCase("images-idx3-ubyte")]
    [TestCase("images-idx3-ubyte.gz")]
    public void Images_round_trip_through_raw_and_gzip_files(string fileName)
    {
        string path = _folder.File(fileName);
        byte[] pixels = SmallIdx.Pixels(9);

        IdxFormat.WriteImages(path, pixels, 9, SmallIdx.Rows, SmallIdx.Cols);
        var (read, count, rows, cols) = IdxFormat.ReadImages(path);

        Assert.That((count, rows, cols), Is.EqualTo((9, 3, 2)));
        Assert.That(read, Is.EqualTo(pixels));
        byte[] onDisk = File.ReadAllBytes(path);
        bool gzip = onDisk[0] == 0x1f && onDisk[1] == 0x8b;
        Assert.That(gzip, Is.EqualTo(fileName.EndsWith(".gz")));
        if (!gzip) Assert.That(onDisk, Has.Length.EqualTo(16 + 9 * 6));
        Assert.That(Directory.GetFiles(_folder.Path), Has.Length.EqualTo(1), "no temporary file is left behind");
    }

    [TestCase("labels-idx1-ubyte")]
    [TestCase("labels-idx1-ubyte.gz")]
    public void Labels_round_trip_through_raw_and_gzip_files(string fileName)
    {
        string path = _folder.File(fileName);
        byte[] labels = [3, 0, 9, 9, 1, 250];

        IdxFormat.WriteLabels(path, labels);

        Assert.That(IdxFormat.ReadLabels(path), Is.EqualTo(labels));
    }

    [Test]
    public void Gzip_is_recognised_by_magic_bytes_not_by_file_name()
    {
        string gzipNamedRaw = _folder.File("labels-idx1-ubyte");
        string rawNamedGz = _folder.File("other-labels-idx1-ubyte.gz");
        File.WriteAllBytes(gzipNamedRaw, SmallIdx.Gzip(SmallIdx.LabelsBytes(IdxFormat.LabelsMagic, 3, 3)));
        File.WriteAllBytes(rawNamedGz, SmallIdx.LabelsBytes(IdxFormat.LabelsMagic, 2, 2));

        Assert.That(IdxFormat.ReadLabels(gzipNamedRaw), Has.Length.EqualTo(3));
        Assert.That(IdxFormat.ReadLabels(rawNamedGz), Has.Length.EqualTo(2));
    }

    [Test]
    public void Writing_replaces_an_existing_file_whole()
    {
        string path = _folder.File("labels-idx1-ubyte");
        IdxFormat.WriteLabels(path, [1, 2, 3, 4, 5, 6, 7, 8]);

        IdxFormat.WriteLabels(path, [9]);

        Assert.That(IdxFormat.ReadLabels(path), Is.EqualTo(new byte[] { 9 }));
        Assert.That(new FileInfo(path).Length, Is.EqualTo(9));
    }

    // Each malformed case: the bytes on disk and a fragment the one-line message must contain.
    private static IEnumerable<TestCaseData> MalformedImages()
    {
        yield return Case("wrong magic", SmallIdx.ImagesBytes(IdxFormat.LabelsMagic, 2, 3, 2, 12), "wrong magic");
        yield return Case("truncated header", SmallIdx.ImagesBytes(IdxFormat.ImagesMagic, 2, 3, 2, 12)[..10], "truncated header");
        yield return Case("empty file", [], "empty, or not a regular file");
        yield return Case("truncated pixels", SmallIdx.ImagesBytes(IdxFormat.ImagesMagic, 2, 3, 2, 11), "truncated");
        yield return Case("extra bytes", SmallIdx.ImagesBytes(IdxFormat.ImagesMagic, 2, 3, 2, 13), "1 extra");
        yield return Case("zero images", SmallIdx.ImagesBytes(IdxFormat.ImagesMagic, 0, 3, 2, 0), "0 images");
        yield return Case("negative count", SmallIdx.ImagesBytes(IdxFormat.ImagesMagic, -5, 3, 2, 0), "-5 images");
        yield return Case("zero rows", SmallIdx.ImagesBytes(IdxFormat.ImagesMagic, 2, 0, 2, 0), "0x2");
        yield return Case("absurd columns", SmallIdx.ImagesBytes(IdxFormat.ImagesMagic, 1, 1, 100_000, 12), "1x100000");
        yield return Case("huge claimed count, tiny file", SmallIdx.ImagesBytes(IdxFormat.ImagesMagic, int.MaxValue, 4096, 4096, 12), $"more than the limit of {IdxFormat.MaxPixels}");
        yield return Case("large claimed count, tiny file", SmallIdx.ImagesBytes(IdxFormat.ImagesMagic, 300_000, 28, 28, 12), "truncated");
        yield return Case("gzip of truncated pixels", SmallIdx.Gzip(SmallIdx.ImagesBytes(IdxFormat.ImagesMagic, 2, 3, 2, 11)), "gzip data ends after 11");
        yield return Case("gzip of extra bytes", SmallIdx.Gzip(SmallIdx.ImagesBytes(IdxFormat.ImagesMagic, 2, 3, 2, 13)), "holds more");
        yield return Case("gzip claiming more than deflate allows", SmallIdx.Gzip(SmallIdx.ImagesBytes(IdxFormat.ImagesMagic, 300_000, 28, 28, 0)), "gzip file can hold");
        yield return Case("gzip magic then garbage", [0x1f, 0x8b, 0x08, 0x00, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18], "not valid gzip");
        yield return Case("gzip magic only", [0x1f, 0x8b], "");
        byte[] cut = SmallIdx.Gzip(SmallIdx.ImagesBytes(IdxFormat.ImagesMagic, 40, 28, 28, 40 * 784));
        yield return Case("gzip stream cut in half", cut[..(cut.Length / 2)], "");
    }

    private static TestCaseData Case(string name, byte[] bytes, string fragment) =>
        new TestCaseData(bytes, fragment).SetName($"Malformed_images_file_throws_DatasetException_naming_the_file({name})");

    [TestCaseSource(nameof(MalformedImages))]
    public void Malformed_images_file_throws_DatasetException_naming_the_file(byte[] bytes, string fragment)
    {
        string path = _folder.File("train-images-idx3-ubyte");
        File.WriteAllBytes(path, bytes);

        var e = Assert.Throws<DatasetException>(() => IdxFormat.ReadImages(path))!;

        Assert.That(e.Message, Does.StartWith(path));
        Assert.That(e.Message, Does.Contain(fragment));
        Assert.That(e.Message, Does.Not.Contain('\n'));
    }

    [Test]
    public void Malformed_labels_files_throw_DatasetException_naming_the_file()
    {
        string path = _folder.File("train-labels-idx1-ubyte");
        (byte[] Bytes, string Fragment)[] cases =
        [
            (SmallIdx.LabelsBytes(IdxFormat.ImagesMagic, 3, 3), "wrong magic 0x00000803, expected 0x00000801"),
            (SmallIdx.LabelsBytes(IdxFormat.LabelsMagic, 3, 2), "truncated"),
            (SmallIdx.LabelsBytes(IdxFormat.LabelsMagic, 3, 4), "extra"),
            (SmallIdx.LabelsBytes(IdxFormat.LabelsMagic, 0, 0), "0 labels"),
            (SmallIdx.LabelsBytes(IdxFormat.LabelsMagic, 3, 0)[..6], "truncated header"),
            (SmallIdx.Gzip(SmallIdx.LabelsBytes(IdxFormat.LabelsMagic, 5, 4)), "truncated"),
        ];
        foreach (var (bytes, fragment) in cases)
        {
            File.WriteAllBytes(path, bytes);
            var e = Assert.Throws<DatasetException>(() => IdxFormat.ReadLabels(path))!;
            Assert.That(e.Message, Does.StartWith(path).And.Contain(fragment));
        }
    }

    [Test]
    public void Missing_file_and_folder_path_throw_DatasetException_naming_the_path()
    {
        string missing = _folder.File("nothing-here");

        Assert.That(Assert.Throws<DatasetException>(() => IdxFormat.ReadImages(missing))!.Message,
            Is.EqualTo($"{missing}: file not found"));
        Assert.That(Assert.Throws<DatasetException>(() => IdxFormat.ReadLabels(_folder.Path))!.Message,
            Does.StartWith(_folder.Path).And.Contain("is a folder"));
    }

    [Test]
    public void Random_mutations_of_valid_files_either_load_or_throw_DatasetException()
    {
        // Fixed seed: the same few thousand corruptions every run. In memory, through the same parser
        // the file readers use, so the whole run takes well under a second.
        var random = new Random(20241127);
        byte[] rawImages = SmallIdx.ImagesBytes(IdxFormat.ImagesMagic, 4, 3, 2, 24);
        byte[] rawLabels = SmallIdx.LabelsBytes(IdxFormat.LabelsMagic, 4, 4);
        byte[][] seeds = [rawImages, SmallIdx.Gzip(rawImages), rawLabels, SmallIdx.Gzip(rawLabels)];
        int loaded = 0, rejected = 0;
        for (int trial = 0; trial < 4000; trial++)
        {
            int which = trial % seeds.Length;
            byte[] bytes = Mutate(seeds[which], random);
            try
            {
                using var stream = new MemoryStream(bytes, writable: false);
                if (which < 2) IdxFormat.ReadImages(stream, "fuzz");
                else IdxFormat.ReadLabels(stream, "fuzz");
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
        Assert.That(loaded, Is.GreaterThan(100), "pixel-only changes still load");
    }

    [Test]
    public void Random_mutations_of_files_on_disk_either_load_or_throw_DatasetException()
    {
        var random = new Random(7);
        SmallIdx.WriteSet(_folder.Path, gzip: false, trainCount: 6, testCount: 3, classes: 3);
        string[] files = IdxDataset.StandardFiles.Select(_folder.File).ToArray();
        byte[][] originals = files.Select(File.ReadAllBytes).ToArray();
        for (int trial = 0; trial < 400; trial++)
        {
            int which = trial % files.Length;
            File.WriteAllBytes(files[which], Mutate(originals[which], random));
            try
            {
                IdxDataset.LoadFolder(_folder.Path, "fuzz");
            }
            catch (DatasetException e)
            {
                Assert.That(e.Message, Does.StartWith(_folder.Path), $"trial {trial}");
            }
            File.WriteAllBytes(files[which], originals[which]);
        }
    }

    internal static byte[] Mutate(byte[] original, Random random)
    {
        var bytes = (byte[])original.Clone();
        switch (random.Next(4))
        {
            case 0: // truncate
                return bytes[..random.Next(bytes.Length)];
            case 1: // flip a few random bytes anywhere
                for (int i = random.Next(1, 4); i > 0; i--) bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
                return bytes;
            case 2: // flip a byte in the first 16 (header)
                bytes[random.Next(Math.Min(16, bytes.Length))] ^= (byte)(1 << random.Next(8));
                return bytes;
            default: // append junk
                return [.. bytes, .. Enumerable.Range(0, random.Next(1, 5)).Select(_ => (byte)random.Next(256))];
        }
    }
}
