using System.IO.Compression;
using SpikeLfp.Data;
using SpikeLfp.Learning.Training;
using SpikeLfp.Network.Model;
using SpikeLfp.Neurons;

namespace SpikeLfp.Tests.Reliability;

/// <summary>
/// Every kind of bad input the issue lists, at the command level (exit 2, one line naming the flag or file, no
/// stack trace, no output folder) and at the library level (the loader's own exception type).
/// </summary>
public class BadInputTests : TempFolderTests
{
    private string Out => Temp["out"];

    private void AssertRejected(CliResult result, params string[] fragments) => result.AssertRefusedWithout(Out, fragments);

    private CliResult Train(params string[] args) => Cli.Run(["train", .. Cli.QuickWithout(args), .. (args.Contains("--epochs") ? [] : new[] { "--epochs", "1" }), "--out", Out, .. args]);

    // ---------------------------------------------------------------- flags

    [TestCase("--bogus", "1", "unknown flag --bogus")]
    [TestCase("--model", "64-0-10", "--model", "'0' is not a layer size")]
    [TestCase("--model", "abc", "--model", "'abc'")]
    [TestCase("--model", "64", "--model", "expected sizes like")]
    [TestCase("--model", "64-16-5", "--model", "5 outputs", "10 classes")]
    [TestCase("--model", "32-16-10", "--model", "32 inputs", "64 features")]
    [TestCase("--steps", "0", "--steps", "between 1 and")]
    [TestCase("--steps", "-3", "--steps", "between 1 and")]
    [TestCase("--steps", "ten", "--steps", "integer")]
    [TestCase("--epochs", "0", "--epochs", "positive")]
    [TestCase("--batch", "0", "--batch", "between 1 and")]
    [TestCase("--batch", "-1", "--batch", "between 1 and")]
    [TestCase("--lr", "NaN", "--lr", "finite")]
    [TestCase("--lr", "Infinity", "--lr", "finite")]
    [TestCase("--lr", "-Infinity", "--lr", "finite")]
    [TestCase("--lr", "1e39", "--lr", "finite")]
    [TestCase("--lr", "0", "--lr", "> 0")]
    [TestCase("--lr", "-0.1", "--lr", "> 0")]
    [TestCase("--momentum", "1", "momentum")]
    [TestCase("--momentum", "NaN", "--momentum", "finite")]
    [TestCase("--clip", "-1", "clip")]
    [TestCase("--beta", "1.5", "--beta")]
    [TestCase("--beta", "-0.1", "--beta")]
    [TestCase("--beta", "NaN", "--beta")]
    [TestCase("--threshold", "0", "--threshold")]
    [TestCase("--threshold", "-1", "--threshold")]
    [TestCase("--threshold", "Infinity", "--threshold")]
    [TestCase("--reset", "sideways", "--reset")]
    [TestCase("--optimizer", "rmsprop", "--optimizer")]
    [TestCase("--encoder", "morse", "--encoder")]
    [TestCase("--rule", "backprop", "--rule")]
    [TestCase("--limit", "0", "--limit")]
    [TestCase("--threads", "0", "--threads")]
    [TestCase("--seed", "-1", "--seed")]
    [TestCase("--checkpoint-every", "0", "--checkpoint-every")]
    [TestCase("--checkpoint-every", "x", "--checkpoint-every")]
    [TestCase("--dataset", "no-such-set", "no-such-set")]
    public void Bad_flag_is_one_line_exit_2_and_no_output(string flag, string value, params string[] fragments)
        => AssertRejected(Train(flag, value), fragments);

    [Test]
    public void Flag_without_its_value_is_rejected() => AssertRejected(Cli.Run("train", "--out", Out, "--lr"), "--lr needs a value");

    [Test]
    public void Stray_argument_is_rejected() => AssertRejected(Cli.Run("train", "--out", Out, "fast"), "unexpected argument 'fast'");

    [Test]
    public void Repeated_flag_is_rejected() => AssertRejected(Train("--seed", "1", "--seed", "2"), "--seed is given twice");

    [Test]
    public void Unknown_command_is_rejected() => AssertRejected(Cli.Run("trian", "--out", Out), "unknown command 'trian'");

    [Test]
    public void Simulate_rejects_unknown_flags_and_missing_model()
    {
        AssertRejected(Cli.Run("simulate", "--out", Out, "--frames", "3"), "unknown flag --frames");
        AssertRejected(Cli.Run("simulate", "--out", Out), "--model");
        AssertRejected(Cli.Run("simulate", "--out", Out, "--model", Temp["missing.json"]), "missing.json", "does not exist");
    }

    [TestCase("""{"input": 64, "layers": [{"size": 20, "neuron": "li"}, {"size": 10}]}""", "only the output layer can be a readout")]
    [TestCase("""{"input": 64, "layers": [{"size": 20}, {"size": 10, "neuron": "li", "recurrent": true}]}""", "cannot be recurrent")]
    [TestCase("""{"input": 64, "layers": [{"size": 20, "neuron": "cuba"}, {"size": 10}]}""", "needs 'alpha'")]
    public void Architecture_with_an_impossible_neuron_layout_is_exit_2(string architecture, string fragment)
    {
        string file = Temp["arch.json"];
        File.WriteAllText(file, architecture);
        AssertRejected(Cli.Run("train", "--model", file, "--epochs", "1", "--out", Out), fragment);
    }

    [TestCase("--readout", "li", "--model", "8x8x1-c4k3-10")]
    [TestCase("--alpha", "0.5", "--neuron", "lif")]
    [TestCase("--encoder", "rows", "--model", "7-20-10")]
    public void Temporal_flags_that_do_not_fit_are_exit_2(string flag, string value, string otherFlag, string otherValue)
        => AssertRejected(Cli.Run("train", flag, value, otherFlag, otherValue, "--epochs", "1", "--out", Out));

    [Test]
    public void Library_rejects_the_same_values_with_specific_exceptions()
    {
        Assert.Throws<InvalidModelException>(() => NetworkSpec.Parse("64-0-10", LifParameters.Default));
        Assert.Throws<InvalidModelException>(() => NetworkSpec.Parse("abc", LifParameters.Default));
        Assert.That(Assert.Throws<ArgumentException>(() => new TrainingOptions { Steps = 0 }.Validate())!.Message, Does.Contain("steps"));
        Assert.That(Assert.Throws<ArgumentException>(() => new TrainingOptions { Epochs = -1 }.Validate())!.Message, Does.Contain("epochs"));
        Assert.That(Assert.Throws<ArgumentException>(() => new TrainingOptions { BatchSize = 0 }.Validate())!.Message, Does.Contain("batch"));
        Assert.That(Assert.Throws<ArgumentException>(() => new TrainingOptions { LearningRate = float.NaN }.Validate())!.Message, Does.Contain("learning rate"));
        Assert.That(Assert.Throws<ArgumentException>(() => new TrainingOptions { LearningRate = float.PositiveInfinity }.Validate())!.Message, Does.Contain("learning rate"));
        Assert.That(Assert.Throws<ArgumentException>(() => new LifParameters(1.5f, 1f))!.ParamName, Is.EqualTo("beta"));
        Assert.That(Assert.Throws<ArgumentException>(() => new LifParameters(0.9f, 0f))!.ParamName, Is.EqualTo("threshold"));
    }

    // ---------------------------------------------------------------- output path

    [Test]
    public void Output_under_proc_cannot_be_written()
    {
        var result = Cli.Run(["train", .. Cli.Quick, "--epochs", "1", "--out", "/proc/spikelfp-test/out"]);
        Assert.That(result.ExitCode, Is.EqualTo(2), result.ToString());
        Assert.That(result.ErrorLine, Does.Contain("--out").And.Contain("/proc/spikelfp-test/out"));
        Assert.That(result.ErrorLine, Does.Not.Contain("\n"));
    }

    [Test]
    public void Output_under_a_file_cannot_be_written()
    {
        string file = Temp["plain-file"];
        File.WriteAllText(file, "x");
        var result = Cli.Run(["train", .. Cli.Quick, "--epochs", "1", "--out", Path.Combine(file, "run")]);
        Assert.That(result.ExitCode, Is.EqualTo(2), result.ToString());
        Assert.That(result.ErrorLine, Does.Contain("--out").And.Contain("plain-file"));
        Assert.That(File.ReadAllText(file), Is.EqualTo("x"));
    }

    [Test]
    public void Output_that_is_a_file_is_refused()
    {
        string file = Temp["plain-file"];
        File.WriteAllText(file, "x");
        var result = Cli.Run(["train", .. Cli.Quick, "--epochs", "1", "--out", file]);
        Assert.That(result.ExitCode, Is.EqualTo(2), result.ToString());
        Assert.That(result.ErrorLine, Does.Contain("--out").And.Contain("is a file"));
    }

    // ---------------------------------------------------------------- data sets (IDX folders via --dataset PATH)

    private const int Rows = 2, Cols = 4; // 8 features per sample

    private string ValidIdxFolder()
    {
        string folder = Temp["idx"];
        Directory.CreateDirectory(folder);
        var random = new Random(3);
        foreach (var (images, labels, count) in new[] { (IdxDataset.TrainImagesFile, IdxDataset.TrainLabelsFile, 30), (IdxDataset.TestImagesFile, IdxDataset.TestLabelsFile, 10) })
        {
            var pixels = new byte[count * Rows * Cols];
            random.NextBytes(pixels);
            IdxFormat.WriteImages(Path.Combine(folder, images), pixels, count, Rows, Cols);
            IdxFormat.WriteLabels(Path.Combine(folder, labels), Enumerable.Range(0, count).Select(i => (byte)(i % 3)).ToArray());
        }
        return folder;
    }

    private CliResult TrainOn(string folder) => Cli.Run("train", "--dataset", folder, "--model", "8-5-3", "--epochs", "1", "--steps", "4", "--out", Out);

    private static byte[] Header(int magic, params int[] sizes)
    {
        var bytes = new byte[4 + 4 * sizes.Length];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(bytes, magic);
        for (int i = 0; i < sizes.Length; i++) System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + 4 * i), sizes[i]);
        return bytes;
    }

    [Test]
    public void A_valid_idx_folder_trains()
    {
        var result = TrainOn(ValidIdxFolder());
        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
        Assert.That(File.Exists(Path.Combine(Out, "model.json")));
    }

    // Each case corrupts one file of a valid folder; the fragment must appear in the message.
    private static IEnumerable<TestCaseData> CorruptIdx()
    {
        yield return new TestCaseData(IdxDataset.TrainImagesFile, (Func<byte[], byte[]>)(b => [.. Header(IdxFormat.LabelsMagic, 30, Rows, Cols), .. b[16..]]), "wrong magic").SetName("Idx_wrong_magic");
        yield return new TestCaseData(IdxDataset.TrainImagesFile, (Func<byte[], byte[]>)(b => b[..(b.Length - 5)]), "truncated").SetName("Idx_truncated_pixels");
        yield return new TestCaseData(IdxDataset.TrainLabelsFile, (Func<byte[], byte[]>)(b => b[..6]), "truncated").SetName("Idx_truncated_header");
        yield return new TestCaseData(IdxDataset.TrainImagesFile, (Func<byte[], byte[]>)(b => [.. Header(IdxFormat.ImagesMagic, int.MaxValue, 4096, 4096), .. b[16..]]), IdxDataset.TrainImagesFile).SetName("Idx_header_claims_more_than_the_file");
        yield return new TestCaseData(IdxDataset.TestImagesFile, (Func<byte[], byte[]>)(b => [.. Header(IdxFormat.ImagesMagic, 5, Rows, Cols), .. b[16..(16 + 5 * Rows * Cols)]]), "labels").SetName("Idx_image_and_label_counts_differ");
        yield return new TestCaseData(IdxDataset.TrainLabelsFile, (Func<byte[], byte[]>)(b => [.. b[..8], .. Enumerable.Repeat((byte)200, b.Length - 8)]), "label 200").SetName("Idx_label_out_of_range");
        yield return new TestCaseData(IdxDataset.TrainImagesFile + ".gz", (Func<byte[], byte[]>)(b => [0x1f, 0x8b, 8, 0, 1, 2, 3, 4, 5, 6, 7]), "gz").SetName("Idx_gz_file_that_is_not_gzip");
        yield return new TestCaseData(IdxDataset.TrainImagesFile, (Func<byte[], byte[]>)(b => []), "empty, or not a regular file").SetName("Idx_empty_file");
    }

    [TestCaseSource(nameof(CorruptIdx))]
    public void Corrupt_idx_file_is_exit_2_at_cli_and_DatasetException_in_library(string file, Func<byte[], byte[]> corrupt, string fragment)
    {
        string folder = ValidIdxFolder();
        string raw = Path.Combine(folder, file.Replace(".gz", ""));
        byte[] bytes = File.ReadAllBytes(raw);
        if (file.EndsWith(".gz")) File.Delete(raw);
        File.WriteAllBytes(Path.Combine(folder, file), corrupt(bytes));

        AssertRejected(TrainOn(folder), fragment);
        var e = Assert.Throws<DatasetException>(() => DatasetCatalog.Resolve(folder, null));
        Assert.That(e!.Message, Does.Contain(fragment));
    }

    [Test]
    public void A_fifo_as_label_file_is_refused_without_waiting_for_a_writer()
    {
        string folder = ValidIdxFolder();
        string labels = Path.Combine(folder, IdxDataset.TrainLabelsFile);
        File.Delete(labels);
        MakeFifo(labels);
        var run = Task.Run(() => TrainOn(folder));
        Assert.That(run.Wait(TimeSpan.FromSeconds(60)), Is.True, "train returned instead of waiting for a writer of the FIFO");
        AssertRejected(run.Result, IdxDataset.TrainLabelsFile, "not a regular file");
    }

    [Test]
    public void Idx_images_claiming_more_pixels_than_the_limit_are_refused_before_decompression()
    {
        // 200 images of 4096x4096 (3.4 G pixels) in a gzip file of a few kilobytes: refused from the header alone.
        string folder = ValidIdxFolder();
        string images = Path.Combine(folder, IdxDataset.TrainImagesFile);
        File.Delete(images);
        using (var file = File.Create(images + ".gz"))
        using (var gzip = new GZipStream(file, CompressionLevel.SmallestSize))
        {
            gzip.Write(Header(IdxFormat.ImagesMagic, 200, 4096, 4096));
            gzip.Write(new byte[1 << 20]);
        }
        long before = GC.GetTotalAllocatedBytes();
        AssertRejected(TrainOn(folder), IdxDataset.TrainImagesFile, $"more than the limit of {IdxFormat.MaxPixels}");
        Assert.That(GC.GetTotalAllocatedBytes() - before, Is.LessThan(256L << 20), "nothing near the claimed size was allocated");
    }

    /// <summary>Makes a named pipe with mkfifo (Linux and macOS); the test is skipped where there is none.</summary>
    public static void MakeFifo(string path)
    {
        if (OperatingSystem.IsWindows()) Assert.Ignore("named pipes in the file system need Linux or macOS");
        using var mkfifo = System.Diagnostics.Process.Start("mkfifo", [path]);
        mkfifo.WaitForExit();
        Assert.That(mkfifo.ExitCode, Is.EqualTo(0), "mkfifo");
    }

    [Test]
    public void Gzip_that_is_not_gzip_at_all_is_rejected()
    {
        string folder = ValidIdxFolder();
        File.Delete(Path.Combine(folder, IdxDataset.TrainLabelsFile));
        File.WriteAllText(Path.Combine(folder, IdxDataset.TrainLabelsFile + ".gz"), "this is plain text, not gzip");
        AssertRejected(TrainOn(folder), IdxDataset.TrainLabelsFile);
        Assert.Throws<DatasetException>(() => DatasetCatalog.Resolve(folder, null));
    }

    [Test]
    public void Missing_dataset_folder_is_rejected()
    {
        string folder = Temp["no-such-folder"];
        AssertRejected(TrainOn(folder), "no-such-folder");
        Assert.Throws<DatasetException>(() => DatasetCatalog.Resolve(folder, null));
    }

    [Test]
    public void Empty_dataset_folder_is_rejected()
    {
        string folder = Temp["empty"];
        Directory.CreateDirectory(folder);
        AssertRejected(TrainOn(folder), "empty", "none of the IDX files");
        Assert.Throws<DatasetException>(() => DatasetCatalog.Resolve(folder, null));
    }

    [Test]
    public void Dataset_folder_missing_one_file_is_rejected()
    {
        string folder = ValidIdxFolder();
        File.Delete(Path.Combine(folder, IdxDataset.TestLabelsFile));
        AssertRejected(TrainOn(folder), IdxDataset.TestLabelsFile, "missing");
    }

    [Test]
    public void Fetched_dataset_that_is_absent_says_how_to_fetch_it()
        => AssertRejected(Cli.Run("train", "--dataset", "mnist", "--data-dir", Temp["cache"], "--out", Out), "spikelfp data fetch mnist");

    // ---------------------------------------------------------------- model files (--model FILE)

    private string ValidModelText()
    {
        var network = SpikingNetwork.Create(NetworkSpec.Parse("64-4-10", LifParameters.Default), 1);
        return ModelFile.ToJson(network);
    }

    private static IEnumerable<TestCaseData> CorruptModels()
    {
        yield return new TestCaseData((Func<string, string>)(t => "this is not JSON"), "JSON").SetName("Model_not_json");
        yield return new TestCaseData((Func<string, string>)(t => t[..(t.Length / 2)]), "JSON").SetName("Model_truncated");
        yield return new TestCaseData((Func<string, string>)(t => t.Replace("\"version\": 2", "\"version\": 3")), "version 3").SetName("Model_other_format_version");
        yield return new TestCaseData((Func<string, string>)(t => t.Replace("\"version\": 2", "\"version\": \"2\"")), "'version' must be a whole number (1 or 2), got \"2\"").SetName("Model_version_as_string");
        yield return new TestCaseData((Func<string, string>)(t => t.Replace("\"version\": 2", "\"version\": 2.0")), "'version' must be a whole number (1 or 2), got 2.0").SetName("Model_version_as_fraction");
        yield return new TestCaseData((Func<string, string>)(t => t.Replace("\"spikelfp-model\"", "\"keras\"")), "not a SpikeLfp model").SetName("Model_other_format");
        yield return new TestCaseData((Func<string, string>)(t => t.Replace("\"size\": 4", "\"size\": 5")), "shape needs").SetName("Model_weight_shape_disagrees_with_spec");
        yield return new TestCaseData((Func<string, string>)(t => t.Replace("\"bias\": [", "\"bias\": [0.5,")), "'bias' has").SetName("Model_bias_too_long");
        yield return new TestCaseData((Func<string, string>)(t => t.Replace("\"threshold\": 1.0", "\"threshold\": -1.0")), "threshold").SetName("Model_invalid_neuron_parameters");
        yield return new TestCaseData((Func<string, string>)(t => ""), "empty").SetName("Model_empty_file");
    }

    [TestCaseSource(nameof(CorruptModels))]
    public void Corrupt_model_file_is_exit_2_at_cli_and_InvalidModelException_in_library(Func<string, string> corrupt, string fragment)
    {
        string text = ValidModelText();
        string corrupted = corrupt(text);
        Assert.That(corrupted, Is.Not.EqualTo(text), "the corruption must change the file");
        string path = Temp["model.json"];
        File.WriteAllText(path, corrupted);

        AssertRejected(Train("--model", path), "model.json", fragment);
        var e = Assert.Throws<InvalidModelException>(() => ModelFile.Load(path));
        Assert.That(e!.Message, Does.Contain(fragment));
        AssertRejected(Cli.Run("simulate", "--model", path, "--out", Out), "model.json");
    }

    [Test]
    public void Missing_model_file_is_rejected()
    {
        AssertRejected(Train("--model", Temp["absent.json"]), "absent.json", "does not exist");
        Assert.Throws<InvalidModelException>(() => ModelFile.Load(Temp["absent.json"]));
    }

    [Test]
    public void Valid_model_file_is_accepted_for_training()
    {
        string path = Temp["model.json"];
        File.WriteAllText(path, ValidModelText());
        var result = Train("--model", path);
        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
    }
}
