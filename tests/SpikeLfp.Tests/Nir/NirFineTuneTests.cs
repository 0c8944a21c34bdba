using SpikeLfp.Cli;
using SpikeLfp.Data.Events;
using SpikeLfp.Network.Model;
using CliRun = SpikeLfp.Tests.Reliability.Cli;

namespace SpikeLfp.Tests.Nir;

/// <summary>An imported graph fine-tuned with LFP and handed back as NIR, through the real command line.</summary>
public class NirFineTuneTests
{
    private string _folder = "";

    [SetUp]
    public void CreateFolder() => _folder = Directory.CreateTempSubdirectory("spikelfp-nirtune-").FullName;

    [TearDown]
    public void DeleteFolder() => Directory.Delete(_folder, recursive: true);

    private string In(string name) => Path.Combine(_folder, name);

    // Braille-shaped event data without the Braille recordings: 12 touch channels, 7 letters, each letter pressing
    // two channels at its own rhythm over 40 ms, in the N-MNIST folder layout on a 12x1 one-polarity sensor.
    private string BrailleShapedEvents()
    {
        string root = In("braille-events");
        File.WriteAllText(Path.Combine(Directory.CreateDirectory(root).FullName, SensorFile.FileName), "12x1x1");
        foreach (var (part, count) in new[] { (NMnistFolder.TrainFolder, 6), (NMnistFolder.TestFolder, 2) })
            for (int letter = 0; letter < 7; letter++)
            {
                string folder = Directory.CreateDirectory(Path.Combine(root, part, letter.ToString(System.Globalization.CultureInfo.InvariantCulture))).FullName;
                for (int s = 0; s < count; s++)
                {
                    var events = Enumerable.Range(0, 40).SelectMany(ms => new[] { letter, (letter + 5) % 12 }
                        .Where(channel => (ms + s + channel) % (2 + letter % 3) == 0).Select(channel => (Time: ms * 1000 + 100 * s, Channel: channel)))
                        .OrderBy(e => e.Time).ToArray();
                    var bytes = new byte[events.Length * NMnistFormat.BytesPerEvent];
                    NMnistFormat.Encode(events.Select(e => e.Time).ToArray(), events.Select(e => (ushort)e.Channel).ToArray(),
                        new ushort[events.Length], new byte[events.Length], bytes);
                    File.WriteAllBytes(Path.Combine(folder, $"{s}.bin"), bytes);
                }
            }
        return root;
    }

    [Test]
    public void Braille_reader_fine_tuned_with_lfp_exports_to_nir_and_imports_back_as_the_trained_model()
    {
        string events = BrailleShapedEvents();
        string braille = NirFixtures.Path("braille_noDelay_noBias_subtract.nir");
        string[] nirFlags = ["--nir-dt", "1e-4", "--reset", "subtract", "--immediate-reset"];
        var train = CliRun.Run(["train", "--model", braille, .. nirFlags, "--dataset", "events:" + events, "--dt", "1", "--steps", "40",
            "--epochs", "2", "--batch", "6", "--threads", "2", "--out", In("tuned")]);
        Assert.That(train.ExitCode, Is.EqualTo(0), train.ToString());
        Assert.That(train.Output, Does.Contain("model 12-r40-7"));

        string tuned = In("tuned/model.json"), exported = In("tuned.nir"), back = In("back.json");
        var export = CliRun.Run("nir", "export", "--model", tuned, "--dt", "1e-4", "--out", exported);
        Assert.That(export.ExitCode, Is.EqualTo(0), export.ToString());
        var import = CliRun.Run("nir", "import", "--model", exported, "--dt", "1e-4", "--reset", "subtract", "--immediate-reset", "--out", back);
        Assert.That(import.ExitCode, Is.EqualTo(0), import.ToString());

        Assert.That(File.ReadAllText(back), Is.EqualTo(File.ReadAllText(tuned)), "the exported file holds the fine-tuned model");
        var original = CliRun.Run(["nir", "import", "--model", braille, "--dt", "1e-4", "--reset", "subtract", "--immediate-reset", "--out", In("original.json")]);
        Assert.That(original.ExitCode, Is.EqualTo(0), original.ToString());
        Assert.That(ModelFile.Load(tuned).Layers[0].DenseConnection.Weights, Is.Not.EqualTo(ModelFile.Load(In("original.json")).Layers[0].DenseConnection.Weights), "LFP changed the weights");
    }

    [Test]
    public void Sinabs_cnn_fine_tuned_on_event_frames_exports_and_imports_back_as_the_trained_model()
    {
        string data = In("data");
        Assert.That(CliRun.Run("data", "convert", "--dataset", "digits", "--to", "events", "--out", Path.Combine(data, "nmnist")).ExitCode, Is.EqualTo(0));
        string[] nirFlags = ["--reset", "subtract", "--immediate-reset"];
        var train = CliRun.Run(["train", "--model", NirFixtures.Path("cnn_sinabs.nir"), "--nir-dt", "1", .. nirFlags, "--dataset", "nmnist", "--data-dir", data,
            "--limit", "24", "--epochs", "1", "--batch", "8", "--threads", "2", "--out", In("cnn")]);
        Assert.That(train.ExitCode, Is.EqualTo(0), train.ToString());
        Assert.That(train.Output, Does.Contain("model 34x34x2-c16k5s2p1-c16k3p1-ap2-c8k3p1-ap2-256-10"));
        Assert.That(CliRun.Run("nir", "export", "--model", In("cnn/model.json"), "--dt", "1", "--out", In("cnn.nir")).ExitCode, Is.EqualTo(0));
        Assert.That(CliRun.Run(["nir", "import", "--model", In("cnn.nir"), "--dt", "1", .. nirFlags, "--out", In("back.json")]).ExitCode, Is.EqualTo(0));
        Assert.That(File.ReadAllText(In("back.json")), Is.EqualTo(File.ReadAllText(In("cnn/model.json"))));
        Assert.That(CliRun.Run(["nir", "import", "--model", NirFixtures.Path("cnn_sinabs.nir"), "--dt", "1", .. nirFlags, "--out", In("original.json")]).ExitCode, Is.EqualTo(0));
        Assert.That(File.ReadAllText(In("back.json")), Is.Not.EqualTo(File.ReadAllText(In("original.json"))), "LFP changed the weights");
    }

    [TestCase("cnn_sinabs.nir", true)]
    [TestCase("braille_noDelay_bias_zero.nir", false)]
    [TestCase("34x34x2-c8k3-10", true)]
    [TestCase("2312-100-10", false)]
    [TestCase("lifcnn", true)]
    public void Event_frames_are_binned_channel_last_for_a_model_that_reads_an_image(string model, bool image)
    {
        if (model.EndsWith(".nir", StringComparison.Ordinal)) model = NirFixtures.Path(model);
        var a = new Arguments("train", ["--model", model, "--nir-dt", "1e-4"], new HashSet<string> { "model", "nir-dt" }, new HashSet<string>());
        Assert.That(CommonOptions.ModelReadsImage(a), Is.EqualTo(image));
    }
}
