using SpikeLfp.Network.Model;
using CliRun = SpikeLfp.Tests.Reliability.Cli;

namespace SpikeLfp.Tests.Nir;

public class NirCommandTests
{
    private string _folder = "";

    [SetUp]
    public void CreateFolder() => _folder = Directory.CreateTempSubdirectory("spikelfp-nircli-").FullName;

    [TearDown]
    public void DeleteFolder() => Directory.Delete(_folder, recursive: true);

    [Test]
    public void Inspect_describes_the_braille_reader_and_says_what_it_maps_to()
    {
        var result = CliRun.Run("nir", "inspect", NirFixtures.Path("braille_noDelay_noBias_subtract.nir"));
        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
        Assert.That(result.Output, Does.Contain("NIR version 0.2.0, 7 nodes, 7 edges"));
        Assert.That(result.Output, Does.Contain("tau_mem float64 [40]"));
        Assert.That(result.Output, Does.Contain("cycles: yes"));
        Assert.That(result.Output, Does.Contain("SpikeLfp can simulate and train it: 12-r40-7"));
    }

    [Test]
    public void Inspect_maps_the_sinabs_cnn_onto_convolutions_and_pools()
    {
        var result = CliRun.Run("nir", "inspect", NirFixtures.Path("cnn_sinabs.nir"), "--dt", "1", "--reset", "subtract");
        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
        Assert.That(result.Output, Does.Contain("Conv2d").And.Contain("SumPool2d")
            .And.Contain("SpikeLfp can simulate and train it: 34x34x2-c16k5s2p1-c16k3p1-ap2-c8k3p1-ap2-256-10")
            .And.Not.Contain("needs --dt 1"));
        var withoutStep = CliRun.Run("nir", "inspect", NirFixtures.Path("cnn_sinabs.nir"));
        Assert.That(withoutStep.Output, Does.Contain("a graph from Sinabs (v += r I each step) needs --dt 1 --reset subtract --immediate-reset"));
    }

    [Test]
    public void Import_then_export_then_import_gives_the_same_model_file()
    {
        string first = Path.Combine(_folder, "braille.json"), nir = Path.Combine(_folder, "braille.nir"), second = Path.Combine(_folder, "back.json");
        var flags = new[] { "--dt", "1e-4", "--reset", "subtract", "--immediate-reset" };
        Assert.That(CliRun.Run(["nir", "import", "--model", NirFixtures.Path("braille_noDelay_noBias_subtract.nir"), "--out", first, .. flags]).ExitCode, Is.EqualTo(0));
        Assert.That(CliRun.Run("nir", "export", "--model", first, "--dt", "1e-4", "--out", nir).ExitCode, Is.EqualTo(0));
        Assert.That(CliRun.Run(["nir", "import", "--model", nir, "--out", second, .. flags]).ExitCode, Is.EqualTo(0));
        Assert.That(File.ReadAllText(second), Is.EqualTo(File.ReadAllText(first)));
        Assert.That(ModelFile.Load(first).Spec, Is.EqualTo("12-r40-7"));
    }

    [Test]
    public void Bad_input_exits_2_with_one_line_and_writes_nothing()
    {
        string outPath = Path.Combine(_folder, "out.json");
        string text = Path.Combine(_folder, "text.nir");
        File.WriteAllText(text, "not hdf5");
        CliRun.Run("nir", "import", "--model", text, "--out", outPath).AssertUsageError(text, "not a readable HDF5 NIR file");
        CliRun.Run("nir", "import", "--model", NirFixtures.Path("lif_norse.nir"), "--dt", "0", "--out", outPath).AssertUsageError("--dt");
        CliRun.Run("nir", "import", "--model", NirFixtures.Path("lif_norse.nir"), "--discretisation", "rk4", "--out", outPath).AssertUsageError("--discretisation");
        CliRun.Run("nir", "import", "--model", NirFixtures.Path("lif_norse.nir"), "--out", outPath, "--dt", "1e-2").AssertUsageError("node '1' (LIF)");
        CliRun.Run("nir", "import", "--model", NirFixtures.Path("braille_noDelay_bias_zero.nir"), "--dt", "1e-3", "--out", outPath).AssertUsageError("node 'lif1.lif' (CubaLIF)");
        Assert.That(Directory.GetFiles(_folder), Is.EqualTo(new[] { text }));
    }
}
