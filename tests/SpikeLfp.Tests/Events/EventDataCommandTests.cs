using SpikeLfp.Data.Events;
using SpikeLfp.Tests.Reliability;

namespace SpikeLfp.Tests.Events;

/// <summary>spikelfp data convert / inspect / fetch on event data, through the real command line.</summary>
public class EventDataCommandTests
{
    private string _root = null!;

    [SetUp]
    public void CreateFolder()
    {
        _root = Path.Combine(Path.GetTempPath(), $"spikelfp-events-cli-{Guid.NewGuid():N}");
        Directory.CreateDirectory(_root);
    }

    [TearDown]
    public void DeleteFolder() => Directory.Delete(_root, recursive: true);

    private static CliResult Run(params string[] args) => SpikeLfp.Tests.Reliability.Cli.Run(args);

    private string In(string name) => Path.Combine(_root, name);

    [Test]
    public void Digits_convert_then_inspect_prints_counts_and_draws_the_input_raster()
    {
        string events = In("digits-events");
        var convert = Run("data", "convert", "--dataset", "digits", "--to", "events", "--out", events, "--seed", "2");
        Assert.That(convert.ExitCode, Is.EqualTo(0), convert.ToString());
        Assert.That(convert.Output, Does.StartWith("Wrote 1433 train / 364 test event samples of digits"));

        string png = In("raster.png");
        var inspect = Run("data", "inspect", "--dataset", "events:" + events, "--out", png, "--dt", "20", "--sample", "3");

        Assert.That(inspect.ExitCode, Is.EqualTo(0), inspect.ToString());
        Assert.That(inspect.Output, Does.Contain("10x10 pixels, 2 polarities, 10 classes"));
        Assert.That(inspect.Output, Does.Contain("binned: 200 inputs x 15 steps of 20 ms"), "300 ms recordings in 20 ms bins");
        Assert.That(inspect.Output, Does.Contain("train: 1433 samples"));
        Assert.That(inspect.Output, Does.Contain("test: 364 samples"));
        Assert.That(inspect.Output, Does.Contain("input rate after binning: "));
        Assert.That(new FileInfo(png).Length, Is.GreaterThan(1000));

        // The plot is not replaced without --overwrite, and that is refused before the data set is read.
        byte[] drawn = File.ReadAllBytes(png);
        Run("data", "inspect", "--dataset", "events:" + events, "--out", png, "--sample", "4").AssertUsageError("--out", "already exists", "--overwrite");
        Assert.That(File.ReadAllBytes(png), Is.EqualTo(drawn));
        Assert.That(Run("data", "inspect", "--dataset", "events:" + events, "--out", png, "--sample", "4", "--overwrite").ExitCode, Is.EqualTo(0));
        Run("data", "inspect", "--dataset", "events:" + events, "--out", In("no-such-folder/r.png")).AssertUsageError("--out", "does not exist");
    }

    [Test]
    public void Bad_convert_and_inspect_input_is_exit_2_with_one_line_and_no_output()
    {
        string taken = In("taken");
        Directory.CreateDirectory(taken);
        string missing = In("missing");
        string out1 = In("never");
        (string[] Args, string Expected)[] cases =
        [
            (["data", "convert", "--dataset", "digits", "--to", "events", "--out", taken], "already exists"),
            (["data", "convert", "--dataset", "digits", "--out", out1], "--to events is required"),
            (["data", "convert", "--dataset", "digits", "--to", "events", "--out", ""], "--out: the path is empty"),
            (["data", "inspect", "--dataset", "events:" + missing], "event data set folder not found"),
            (["data", "inspect", "--dataset", "digits"], "--dataset must be shd, ssc, nmnist or events:PATH"),
            (["data", "inspect", "--dataset", "events:" + taken, "--crop", "5:2"], "--crop 5:2 is an empty window"),
            (["data", "inspect", "--dataset", "events:" + taken, "--dt", "-1"], "--dt must be > 0"),
            (["data", "inspect", "--dataset", "events:" + taken, "--polarity", "both"], "--polarity must be one of split, merge"),
            (["data", "inspect", "--dataset", "events:" + taken, "--out", In("x.jpg")], "extension must be .png or .svg"),
            (["data", "fetch", "dvs"], "unknown data set 'dvs'"),
        ];
        foreach (var (args, expected) in cases)
        {
            var result = Run(args);
            Assert.That(result.ExitCode, Is.EqualTo(2), result.ToString());
            Assert.That(result.ErrorLine, Does.Not.Contain("\n"), result.ToString());
            Assert.That(result.ErrorLine, Does.Contain(expected), result.ToString());
        }
        Assert.That(Directory.Exists(out1), Is.False);
        Assert.That(Directory.GetFileSystemEntries(_root), Is.EquivalentTo(new[] { taken }), "no half-written output");
    }

    [Test]
    public void Fetch_of_an_event_set_explains_where_it_is_published_and_which_files_go_where()
    {
        var result = Run("data", "fetch", "shd", "--data-dir", _root);

        Assert.That(result.ExitCode, Is.EqualTo(2));
        Assert.That(result.Output, Does.Contain("https://zenkelab.org/datasets/"));
        Assert.That(result.Output, Does.Contain("shd_train.h5.zip   md5 f3252aeb598ac776c1b526422d90eecb"));
        Assert.That(result.Output, Does.Contain($"Unpack into {Path.Combine(_root, "shd")}"));
        Assert.That(result.ErrorLine, Is.EqualTo($"spikelfp data: {Path.Combine(_root, "shd", "shd_train.h5")}: file not found (see 'spikelfp data fetch shd')"));
    }

    [Test]
    public void Fetch_says_an_event_set_in_place_is_ready()
    {
        string events = In("nmnist");
        Assert.That(Run("data", "convert", "--dataset", "digits", "--to", "events", "--out", In("tmp")).ExitCode, Is.EqualTo(0));
        // The N-MNIST reader requires its 34x34 sensor: 10x10 digit recordings fit inside it.
        Directory.Move(In("tmp"), events);

        var result = Run("data", "fetch", "nmnist", "--data-dir", _root);

        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
        Assert.That(result.Output, Does.StartWith($"nmnist is ready in {events} (1433 train / 364 test samples)"));
        Assert.That(EventDatasets.Load("nmnist", _root).Train.Sensor, Is.EqualTo(NMnistFolder.NMnistSensor));
    }
}
