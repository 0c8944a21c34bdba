using SpikeLfp.Network.Model;
using SpikeLfp.Neurons;
using CliRun = SpikeLfp.Tests.Reliability.Cli;

namespace SpikeLfp.Tests.Nir;

/// <summary>--model F.nir on train, compare, simulate and plot, through the real command line.</summary>
public class NirModelFlagTests
{
    private const string Dt = "1e-3";
    private string _folder = "", _nir = "", _imported = "";

    // A 64-20-10 LIF network for the embedded digits, exported to NIR with `nir export`, and that file imported
    // back with `nir import`: the --model F.nir runs must give what --model imported.json gives.
    [SetUp]
    public void ExportAndImport()
    {
        _folder = Directory.CreateTempSubdirectory("spikelfp-nirmodel-").FullName;
        string original = In("original.json");
        _nir = In("digits.nir");
        _imported = In("imported.json");
        var neurons = new LifParameters(0.75f, 1f, ResetMode.ZeroAll, delayedReset: true);
        ModelFile.Save(SpikingNetwork.Create(NetworkSpec.Parse("64-20-10", neurons), seed: 3), original);
        Assert.That(CliRun.Run("nir", "export", "--model", original, "--dt", Dt, "--out", _nir).ExitCode, Is.EqualTo(0));
        Assert.That(CliRun.Run("nir", "import", "--model", _nir, "--dt", Dt, "--out", _imported).ExitCode, Is.EqualTo(0));
        Assert.That(File.ReadAllText(_imported), Is.EqualTo(File.ReadAllText(original)), "export then import gives the network back");
    }

    [TearDown]
    public void DeleteFolder() => Directory.Delete(_folder, recursive: true);

    private string In(string name) => Path.Combine(_folder, name);

    private static readonly string[] Quick = CliRun.QuickWithout(["--model"]);

    [Test]
    public void Simulate_and_plot_a_nir_model_as_the_imported_model_json()
    {
        var fromNir = CliRun.Run("simulate", "--model", _nir, "--nir-dt", Dt, "--samples", "3", "--out", In("sim-nir"));
        var fromJson = CliRun.Run("simulate", "--model", _imported, "--samples", "3", "--out", In("sim-json"));
        Assert.That(fromNir.ExitCode, Is.EqualTo(0), fromNir.ToString());
        Assert.That(fromJson.ExitCode, Is.EqualTo(0), fromJson.ToString());
        string spikes = File.ReadAllText(In("sim-nir/spikes.csv"));
        Assert.That(spikes.Split('\n').Length, Is.GreaterThan(2), "the network spikes");
        Assert.That(spikes, Is.EqualTo(File.ReadAllText(In("sim-json/spikes.csv"))));

        var plot = CliRun.Run("plot", "raster", "--model", _nir, "--nir-dt", Dt, "--out", In("raster.png"));
        Assert.That(plot.ExitCode, Is.EqualTo(0), plot.ToString());
        Assert.That(File.Exists(In("raster.png")));
    }

    [Test]
    public void Train_from_a_nir_model_gives_the_model_trained_from_the_imported_json_and_resumes_with_its_flags()
    {
        var fromNir = CliRun.Run(["train", "--model", _nir, "--nir-dt", Dt, .. Quick, "--epochs", "1", "--checkpoint-every", "1", "--out", In("train-nir")]);
        var fromJson = CliRun.Run(["train", "--model", _imported, .. Quick, "--epochs", "1", "--out", In("train-json")]);
        Assert.That(fromNir.ExitCode, Is.EqualTo(0), fromNir.ToString());
        Assert.That(fromJson.ExitCode, Is.EqualTo(0), fromJson.ToString());
        string trained = File.ReadAllText(In("train-nir/model.json"));
        Assert.That(trained, Is.EqualTo(File.ReadAllText(In("train-json/model.json"))));
        Assert.That(trained, Is.Not.EqualTo(File.ReadAllText(_imported)), "training changed the weights");

        CliRun.Run("train", "--resume", "--out", In("train-nir"), "--epochs", "2", "--nir-dt", "2e-3")
            .AssertUsageError("--nir-dt 2e-3", "contradicts the checkpoint", "--nir-dt 1e-3");
        CliRun.Run("train", "--resume", "--out", In("train-nir"), "--epochs", "2", "--discretisation", "exact")
            .AssertUsageError("--discretisation exact", "contradicts the checkpoint");
        var resumed = CliRun.Run("train", "--resume", "--out", In("train-nir"), "--epochs", "2", "--nir-dt", "0.001");
        Assert.That(resumed.ExitCode, Is.EqualTo(0), resumed.ToString());
    }

    [Test]
    public void Contradicting_or_missing_flags_exit_2_with_one_line()
    {
        CliRun.Run("simulate", "--model", _nir, "--out", In("a")).AssertUsageError("--model " + _nir, "--nir-dt");
        CliRun.Run(["train", "--model", _nir, .. Quick, "--out", In("b")]).AssertUsageError("--nir-dt");
        CliRun.Run(["compare", "--model", _nir, .. Quick, "--out", In("c")]).AssertUsageError("--nir-dt");
        CliRun.Run("simulate", "--model", _nir, "--nir-dt", "0", "--out", In("d")).AssertUsageError("--nir-dt", "> 0");
        CliRun.Run("plot", "raster", "--model", _nir, "--nir-dt", Dt, "--discretisation", "rk4", "--out", In("e.png")).AssertUsageError("--discretisation");
        CliRun.Run(["train", "--model", _nir, "--nir-dt", Dt, "--beta", "0.5", .. Quick, "--out", In("f")]).AssertUsageError("--beta", "NIR graph");
        CliRun.Run(["train", "--model", _nir, "--nir-dt", Dt, "--readout", "li", .. Quick, "--out", In("g")]).AssertUsageError("--readout");
        CliRun.Run(["train", "--model", "64-16-10", "--nir-dt", Dt, .. Quick, "--out", In("h")]).AssertUsageError("--nir-dt", "applies to a NIR graph");
        CliRun.Run("simulate", "--model", _imported, "--reset", "zero", "--out", In("i")).AssertUsageError("--reset", "applies to a NIR graph");
        // --dt stays the event bin width, not taken as a NIR step.
        CliRun.Run("simulate", "--model", _nir, "--dt", Dt, "--out", In("j")).AssertUsageError("--nir-dt", "--dt is the bin width of event data");
        CliRun.Run("simulate", "--model", NirFixtures.Path("lif_norse.nir"), "--nir-dt", "1e-4", "--out", In("k"))
            .AssertUsageError("1 inputs", "64 features");
        Assert.That(Directory.GetFileSystemEntries(_folder).Select(Path.GetFileName).Order(),
            Is.EqualTo(new[] { "digits.nir", "imported.json", "original.json" }), "nothing written");
    }
}
