using SpikeLfp.Tests.Reliability;
using CommandRunner = SpikeLfp.Tests.Reliability.Cli;

namespace SpikeLfp.Tests.Plotting;

public class PlotCommandTests
{
    private static string TrainQuickModel(TempFolder temp, string name)
    {
        var result = CommandRunner.Run(["train", "--epochs", "1", "--out", temp[name], .. CommandRunner.Quick]);
        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
        return temp[name];
    }

    [TestCase("raster", "png")]
    [TestCase("raster", "svg")]
    [TestCase("traces", "svg")]
    [TestCase("histograms", "png")]
    [TestCase("weights", "png")]
    public void Each_plot_of_a_trained_model_is_written_in_the_format_of_its_extension(string kind, string format)
    {
        using var temp = new TempFolder();
        string run = TrainQuickModel(temp, "run");
        string file = temp[$"{kind}.{format}"];
        var result = CommandRunner.Run("plot", kind, "--model", Path.Combine(run, "model.json"), "--sample", "2", "--out", file, "--steps", "6");
        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
        var bytes = File.ReadAllBytes(file);
        if (format == "png") Assert.That(bytes.Take(4), Is.EqualTo(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }));
        else Assert.That(System.Text.Encoding.UTF8.GetString(bytes), Does.Contain("<svg"));
    }

    [Test]
    public void Curves_of_several_runs_go_on_one_plot()
    {
        using var temp = new TempFolder();
        string a = TrainQuickModel(temp, "a"), b = TrainQuickModel(temp, "b");
        var result = CommandRunner.Run("plot", "curves", "--runs", a, b, "--out", temp["curves.svg"]);
        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
        string svg = File.ReadAllText(temp["curves.svg"]);
        Assert.That(svg, Does.Contain("lfp (a)").And.Contain("lfp (b)"));
    }

    [TestCase("raster", "--out", "x.jpg")]
    [TestCase("raster", "--out", "x.png")]
    [TestCase("curves", "--runs", "missing", "--out", "x.png")]
    [TestCase("nonsense", "--out", "x.png")]
    public void Bad_plot_requests_exit_2_with_one_line_and_no_file(params string[] args)
    {
        using var temp = new TempFolder();
        var full = args.Select(v => v is "x.jpg" or "x.png" or "missing" ? temp[v] : v).Prepend("plot").ToArray();
        var result = CommandRunner.Run(full);
        Assert.That(result.ExitCode, Is.EqualTo(2), result.ToString());
        Assert.That(result.ErrorLine, Does.Not.Contain("\n").And.StartWith("spikelfp plot"));
        Assert.That(Directory.GetFiles(temp.Path), Is.Empty);
    }
}
