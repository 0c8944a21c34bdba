namespace SpikeLfp.Data.Tests;

public class IdxDatasetTests
{
    private TempFolder _folder = null!;

    [SetUp]
    public void CreateFolder() => _folder = new TempFolder();

    [TearDown]
    public void DeleteFolder() => _folder.Dispose();

    [TestCase(false)]
    [TestCase(true)]
    public void Folder_of_four_files_loads_with_scaled_pixels_and_class_count(bool gzip)
    {
        SmallIdx.WriteSet(_folder.Path, gzip);

        var split = IdxDataset.LoadFolder(_folder.Path, "tiny");

        Assert.That(split.Train.Count, Is.EqualTo(12));
        Assert.That(split.Test.Count, Is.EqualTo(5));
        Assert.That(split.Train.ClassCount, Is.EqualTo(4));
        Assert.That(split.Test.ClassCount, Is.EqualTo(4));
        Assert.That(split.Train.Shape, Is.EqualTo(new SampleShape(1, 3, 2)));
        Assert.That(split.Train.Name, Is.EqualTo("tiny"));
        Assert.That(split.Train.Labels.Take(6), Is.EqualTo(new[] { 0, 1, 2, 3, 0, 1 }));
        // Image 1 pixel 2 is (1*7 + 2*31) % 256 = 69 -> (69/255 - 0.5)/0.5.
        Assert.That(split.Train.Sample(1)[2], Is.EqualTo((69f / 255f - 0.5f) / 0.5f).Within(1e-7f));
        Assert.That(split.Train.Sample(0)[0], Is.EqualTo(-1f));
    }

    [Test]
    public void Pixel_255_scales_to_plus_1_and_0_to_minus_1()
    {
        Assert.That(IdxDataset.ScalePixel(255), Is.EqualTo(1f));
        Assert.That(IdxDataset.ScalePixel(0), Is.EqualTo(-1f));
        Assert.That(IdxDataset.ScalePixel(51), Is.EqualTo(-0.6f).Within(1e-6f));
    }

    [Test]
    public void Class_count_is_at_least_two_even_when_every_label_is_zero()
    {
        SmallIdx.WriteSet(_folder.Path, classes: 1);

        Assert.That(IdxDataset.LoadFolder(_folder.Path, "tiny").Train.ClassCount, Is.EqualTo(2));
    }

    [Test]
    public void Uncompressed_file_is_preferred_when_both_forms_exist()
    {
        SmallIdx.WriteSet(_folder.Path, gzip: false);
        File.WriteAllBytes(_folder.File(IdxDataset.TrainImagesFile + ".gz"), [1, 2, 3]); // broken, ignored

        Assert.That(IdxDataset.LoadFolder(_folder.Path, "tiny").Train.Count, Is.EqualTo(12));
    }

    [Test]
    public void Missing_folder_says_which_folder_and_how_to_fetch()
    {
        string missing = _folder.File("fashion-mnist");

        var e = Assert.Throws<DatasetException>(() => IdxDataset.LoadFolder(missing, "fashion-mnist"))!;

        Assert.That(e.Message, Is.EqualTo($"{missing}: data set folder not found; run `spikelfp data fetch fashion-mnist` to download it"));
    }

    [Test]
    public void Empty_folder_lists_the_expected_files()
    {
        var e = Assert.Throws<DatasetException>(() => IdxDataset.LoadFolder(_folder.Path, "mnist"))!;

        Assert.That(e.Message, Does.StartWith(_folder.Path).And.Contain("holds none of the IDX files")
            .And.Contain("t10k-labels-idx1-ubyte").And.Contain("spikelfp data fetch mnist"));
    }

    [Test]
    public void Missing_file_is_named_and_custom_sets_get_no_fetch_hint()
    {
        SmallIdx.WriteSet(_folder.Path);
        File.Delete(_folder.File(IdxDataset.TestLabelsFile));

        var e = Assert.Throws<DatasetException>(() => IdxDataset.LoadFolder(_folder.Path, "mine"))!;

        Assert.That(e.Message, Is.EqualTo($"{_folder.File(IdxDataset.TestLabelsFile)}: file missing (nor t10k-labels-idx1-ubyte.gz)"));
    }

    [Test]
    public void Image_and_label_counts_that_differ_are_rejected()
    {
        SmallIdx.WriteSet(_folder.Path);
        IdxFormat.WriteLabels(_folder.File(IdxDataset.TrainLabelsFile), SmallIdx.Labels(11, 4));

        var e = Assert.Throws<DatasetException>(() => IdxDataset.LoadFolder(_folder.Path, "tiny"))!;

        Assert.That(e.Message, Does.StartWith(_folder.File(IdxDataset.TrainLabelsFile))
            .And.Contain("holds 11 labels but").And.Contain("holds 12 images"));
    }

    [Test]
    public void Label_above_9_is_rejected()
    {
        SmallIdx.WriteSet(_folder.Path);
        var labels = SmallIdx.Labels(12, 4);
        labels[7] = 10;
        IdxFormat.WriteLabels(_folder.File(IdxDataset.TrainLabelsFile), labels);

        var e = Assert.Throws<DatasetException>(() => IdxDataset.LoadFolder(_folder.Path, "tiny"))!;

        Assert.That(e.Message, Is.EqualTo($"{_folder.File(IdxDataset.TrainLabelsFile)}: label 10 at index 7 is above 9"));
    }

    [Test]
    public void Test_label_outside_the_training_classes_is_rejected()
    {
        SmallIdx.WriteSet(_folder.Path);
        IdxFormat.WriteLabels(_folder.File(IdxDataset.TestLabelsFile), [0, 1, 2, 3, 4]);

        var e = Assert.Throws<DatasetException>(() => IdxDataset.LoadFolder(_folder.Path, "tiny"))!;

        Assert.That(e.Message, Is.EqualTo($"{_folder.File(IdxDataset.TestLabelsFile)}: label 4 at index 4 is above 3"));
    }

    [Test]
    public void Train_and_test_images_of_different_sizes_are_rejected()
    {
        SmallIdx.WriteSet(_folder.Path);
        IdxFormat.WriteImages(_folder.File(IdxDataset.TestImagesFile), new byte[5 * 6], 5, 2, 3);

        var e = Assert.Throws<DatasetException>(() => IdxDataset.LoadFolder(_folder.Path, "tiny"))!;

        Assert.That(e.Message, Does.StartWith(_folder.File(IdxDataset.TestImagesFile)).And.Contain("2x3").And.Contain("3x2"));
    }

    [Test]
    public void File_claiming_gzip_that_is_not_gzip_is_rejected_with_its_name()
    {
        SmallIdx.WriteSet(_folder.Path, gzip: true);
        string path = _folder.File(IdxDataset.TrainLabelsFile + ".gz");
        byte[] bytes = File.ReadAllBytes(path);
        bytes[3] = 0xff; // reserved gzip flag bits set: not valid gzip
        File.WriteAllBytes(path, bytes);

        var e = Assert.Throws<DatasetException>(() => IdxDataset.LoadFolder(_folder.Path, "tiny"))!;

        Assert.That(e.Message, Does.StartWith(path).And.Contain("not valid gzip"));
    }
}

public class DatasetCatalogTests
{
    [Test]
    public void Digits_resolve_to_the_embedded_set_whatever_the_data_directory()
    {
        var split = DatasetCatalog.Resolve("digits", "/nonexistent");

        Assert.That(split.Train.Count + split.Test.Count, Is.EqualTo(1797));
    }

    [Test]
    public void Fetched_names_resolve_inside_the_data_directory()
    {
        using var folder = new TempFolder();
        Directory.CreateDirectory(folder.File("mnist"));
        SmallIdx.WriteSet(folder.File("mnist"));

        var split = DatasetCatalog.Resolve("mnist", folder.Path);

        Assert.That(split.Train.Name, Is.EqualTo("mnist"));
        Assert.That(split.Train.Count, Is.EqualTo(12));
        var e = Assert.Throws<DatasetException>(() => DatasetCatalog.Resolve("fashion-mnist", folder.Path))!;
        Assert.That(e.Message, Does.StartWith(folder.File("fashion-mnist")).And.Contain("spikelfp data fetch fashion-mnist"));
    }

    [Test]
    public void A_folder_path_loads_as_an_IDX_set_named_after_the_folder()
    {
        using var folder = new TempFolder();
        string mine = folder.File("my-set");
        Directory.CreateDirectory(mine);
        SmallIdx.WriteSet(mine, gzip: true);

        var split = DatasetCatalog.Resolve(mine + Path.DirectorySeparatorChar, null);

        Assert.That(split.Train.Name, Is.EqualTo("my-set"));
        Assert.That(split.Test.Count, Is.EqualTo(5));
    }

    [Test]
    public void Unknown_name_that_is_not_a_folder_lists_the_choices()
    {
        var e = Assert.Throws<DatasetException>(() => DatasetCatalog.Resolve("cifar10", null))!;

        Assert.That(e.Message, Is.EqualTo("unknown dataset 'cifar10': expected digits, fashion-mnist, mnist or a folder of IDX files"));
    }

    [Test]
    public void Default_data_directory_follows_XDG_CACHE_HOME()
    {
        string? saved = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        try
        {
            Environment.SetEnvironmentVariable("XDG_CACHE_HOME", "/some/cache");
            Assert.That(DatasetCatalog.DefaultDataDirectory, Is.EqualTo("/some/cache/spikelfp"));
            Environment.SetEnvironmentVariable("XDG_CACHE_HOME", null);
            string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            Assert.That(DatasetCatalog.DefaultDataDirectory, Is.EqualTo(Path.Combine(home, ".cache", "spikelfp")));
        }
        finally
        {
            Environment.SetEnvironmentVariable("XDG_CACHE_HOME", saved);
        }
    }
}
