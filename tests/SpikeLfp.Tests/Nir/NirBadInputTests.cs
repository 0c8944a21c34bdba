using PureHDF;
using CliRun = SpikeLfp.Tests.Reliability.Cli;

namespace SpikeLfp.Tests.Nir;

/// <summary>Broken NIR files through the command line: exit 2, one line naming the file and the node, nothing written.</summary>
public class NirBadInputTests
{
    private static string _folder = "";

    [OneTimeSetUp]
    public void WriteBadFiles()
    {
        _folder = Directory.CreateTempSubdirectory("spikelfp-nirbad-").FullName;
        File.WriteAllText(In("text.nir"), "not hdf5");
        var bytes = File.ReadAllBytes(NirFixtures.Path("lif_norse.nir"));
        File.WriteAllBytes(In("truncated.nir"), bytes[..(bytes.Length / 3)]);
        var untyped = Lif();
        untyped.Remove("type");
        Chain("untyped.nir", untyped);
        Chain("delay.nir", new H5Group { ["type"] = "Delay", ["delay"] = new float[2] });
        Chain("nan.nir", Lif(tau: float.NaN));
        Chain("unchained.nir", Lif(), inputs: 3);
    }

    [OneTimeTearDown]
    public void DeleteFolder() => Directory.Delete(_folder, recursive: true);

    private static string In(string name) => Path.Combine(_folder, name);

    private static H5Group Lif(float tau = 0.01f) => new()
    {
        ["type"] = "LIF",
        ["tau"] = new[] { tau, tau },
        ["r"] = new[] { 10f, 10f },
        ["v_leak"] = new float[2],
        ["v_threshold"] = new[] { 1f, 1f },
    };

    // Input [inputs] -> Linear 2 x 1 -> n -> Output [2], as the Python nir package lays a graph out.
    private static void Chain(string name, H5Group neuron, int inputs = 1)
    {
        var nodes = new H5Group
        {
            ["input"] = new H5Group { ["type"] = "Input", ["shape"] = new long[] { inputs } },
            ["fc"] = new H5Group { ["type"] = "Linear", ["weight"] = new H5Dataset(new float[] { 1f, 2f }, fileDims: [2, 1]) },
            ["n"] = neuron,
            ["output"] = new H5Group { ["type"] = "Output", ["shape"] = new long[] { 2 } },
        };
        var node = new H5Group { ["type"] = "NIRGraph", ["nodes"] = nodes, ["edges"] = new[,] { { "input", "fc" }, { "fc", "n" }, { "n", "output" } } };
        new H5File { ["version"] = "0.2.0", ["node"] = node }.Write(In(name));
    }

    private static IEnumerable<TestCaseData> Cases()
    {
        yield return new TestCaseData("text.nir", new[] { "not a readable HDF5 NIR file" }).SetArgDisplayNames("not HDF5");
        yield return new TestCaseData("truncated.nir", new[] { "truncated.nir: " }).SetArgDisplayNames("truncated");
        yield return new TestCaseData("untyped.nir", new[] { "node 'n'", "no 'type'" }).SetArgDisplayNames("missing type");
        yield return new TestCaseData("delay.nir", new[] { "node 'n'", "type 'Delay'", "does not map" }).SetArgDisplayNames("unknown node type");
        yield return new TestCaseData("nan.nir", new[] { "node 'n' (LIF)", "tau = NaN" }).SetArgDisplayNames("NaN parameter");
        yield return new TestCaseData("unchained.nir", new[] { "node 'fc' (Linear)", "takes 1 inputs but is fed 3" }).SetArgDisplayNames("shapes that do not chain");
    }

    [TestCaseSource(nameof(Cases))]
    public void Import_simulate_and_train_refuse_it_in_one_line_and_write_nothing(string file, string[] fragments)
    {
        string path = In(file);
        var before = Directory.GetFileSystemEntries(_folder).Order().ToArray();
        CliRun.Run("nir", "import", "--model", path, "--dt", "1e-3", "--out", In("out.json")).AssertUsageError([path, .. fragments]);
        CliRun.Run("simulate", "--model", path, "--nir-dt", "1e-3", "--out", In("sim")).AssertUsageError([path, .. fragments]);
        CliRun.Run(["train", "--model", path, "--nir-dt", "1e-3", .. CliRun.QuickWithout(["--model"]), "--out", In("train")]).AssertUsageError([path, .. fragments]);
        Assert.That(Directory.GetFileSystemEntries(_folder).Order(), Is.EqualTo(before), "no output file or folder");
    }
}
