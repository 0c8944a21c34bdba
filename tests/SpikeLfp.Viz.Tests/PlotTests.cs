using System.Diagnostics;
using NUnit.Framework;
using OxyPlot;
using OxyPlot.Series;
using SkiaSharp;
using SpikeLfp.Network.Simulation;

namespace SpikeLfp.Viz.Tests;

public class PlotTests
{
    private static readonly SKColor SpikeColour = new(0x20, 0x20, 0x28);
    private static readonly SKColor LabelSpikeColour = new(0x1a, 0x7f, 0x37);

    private string dir = "";

    [SetUp]
    public void MakeFolder()
    {
        dir = Path.Combine(Path.GetTempPath(), "spikelfp-viz-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
    }

    [TearDown]
    public void RemoveFolder()
    {
        if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
    }

    private string PathOf(string name) => Path.Combine(dir, name);

    private void AssertOnlyFiles(params string[] names) =>
        Assert.That(Directory.GetFiles(dir).Select(Path.GetFileName), Is.EquivalentTo(names), "no temp files left behind");

    [Test]
    public void Raster_png_has_requested_size_and_shows_spikes()
    {
        var model = Plots.SpikeRaster(TestData.SmallRecording(), sample: 0);
        string path = PathOf("raster.png");
        PlotExport.Save(model, path, 1300, 720);
        Assert.That(ImageChecks.PngSize(path), Is.EqualTo((1300, 720)));
        ImageChecks.AssertPngHasContent(path, minDistinctColours: 5);
        AssertOnlyFiles("raster.png");
    }

    [Test]
    public void Raster_title_names_sample_label_prediction_and_spike_counts()
    {
        var rec = TestData.SmallRecording();
        var model = Plots.SpikeRaster(rec, sample: 0);
        Assert.That(rec.Prediction(0), Is.EqualTo(2));
        Assert.That(model.Title, Does.Contain("sample 0").And.Contain("label 2").And.Contain("prediction 2"));
        foreach (var layer in rec.Layers)
            Assert.That(model.Subtitle, Does.Contain($"{layer.Name} {layer.SpikeCount(0):N0}"));
    }

    [Test]
    public void Raster_svg_is_well_formed_with_one_mark_per_spike()
    {
        var rec = TestData.SmallRecording();
        int total = rec.Layers.Sum(l => l.SpikeCount(1));
        int labelSpikes = rec.Output.SpikeCountsPerNeuron(1)[rec.Labels![1]];
        Assert.That(total, Is.GreaterThan(50));

        string path = PathOf("raster.svg");
        PlotExport.Save(Plots.SpikeRaster(rec, sample: 1), path, 1200, 700);

        var svg = ImageChecks.LoadSvg(path);
        int plain = ImageChecks.CountFilledRects(svg, SpikeColour);
        int label = ImageChecks.CountFilledRects(svg, LabelSpikeColour);
        Assert.That(label, Is.EqualTo(labelSpikes), "label neuron's marks");
        Assert.That(plain + label, Is.EqualTo(total), "one rectangle per spike");
        AssertOnlyFiles("raster.svg");
    }

    [Test]
    public void Raster_panels_share_time_range_and_stack_without_overlap()
    {
        var model = Plots.SpikeRaster(TestData.SmallRecording(), sample: 0);
        var panels = model.Axes.Where(a => a.Key.StartsWith("layer", StringComparison.Ordinal)).ToList();
        Assert.That(panels, Has.Count.EqualTo(3));
        Assert.That(model.Axes.Count(a => a.IsHorizontal()), Is.EqualTo(1), "one shared time axis");
        for (int i = 1; i < panels.Count; i++)
            Assert.That(panels[i].EndPosition, Is.LessThan(panels[i - 1].StartPosition), "panel below the previous one");
        Assert.That(panels[^1].StartPosition, Is.EqualTo(0));
        Assert.That(panels[0].EndPosition, Is.EqualTo(1));
    }

    [Test]
    public void Recording_raster_view_lists_every_spike_coordinate()
    {
        var rec = TestData.SmallRecording();
        var view = RecordingViews.Raster(rec.Layers[1], 0);
        Assert.That(view.SpikeCount, Is.EqualTo(rec.Layers[1].SpikeCount(0)));
        for (int i = 0; i < view.SpikeCount; i++)
            Assert.That(rec.Layers[1].SpikeAt(view.SpikeSteps[i], 0, view.SpikeNeurons[i]), Is.EqualTo(1f));
    }

    [Test]
    public void Million_spike_raster_renders_to_png()
    {
        // 784 x 1000 input, 500 hidden, 10 output: 1,000,000 spikes in all.
        var layers = TestData.RandomRaster(1000, [784, 500, 10], [600_000, 398_000, 2_000], ["input", "hidden1", "output"]);
        Assert.That(layers.Sum(l => l.SpikeCount), Is.EqualTo(1_000_000));

        string path = PathOf("million.png");
        var watch = Stopwatch.StartNew();
        var model = Plots.SpikeRaster(layers, 1000, "1M spikes", labelNeuron: 4, predictedNeuron: 6);
        PlotExport.Save(model, path);
        watch.Stop();
        TestContext.Out.WriteLine($"1,000,000-spike raster built and saved as {PlotExport.DefaultWidth}x{PlotExport.DefaultHeight} PNG in {watch.Elapsed.TotalSeconds:F2} s");

        Assert.That(ImageChecks.PngSize(path), Is.EqualTo((PlotExport.DefaultWidth, PlotExport.DefaultHeight)));
        ImageChecks.AssertPngHasContent(path, minInkFraction: 0.2);
        AssertOnlyFiles("million.png");
    }

    [Test]
    public void Membrane_traces_draw_dashed_threshold_and_one_mark_per_spike()
    {
        var rec = TestData.SmallRecording();
        var layer = rec.Output;
        int[] neurons = [1, 2];
        var model = Plots.MembraneTraces(layer, 0, neurons);
        int spikes = neurons.Sum(n => layer.SpikeCountsPerNeuron(0)[n]);
        Assert.That(model.Series.OfType<ScatterSeries>().Sum(s => s.Points.Count), Is.EqualTo(spikes));

        string svgPath = PathOf("membrane.svg"), pngPath = PathOf("membrane.png");
        PlotExport.Save(model, svgPath, 1000, 600);
        PlotExport.Save(model, pngPath, 1000, 600);
        string text = File.ReadAllText(svgPath);
        ImageChecks.LoadSvg(svgPath);
        Assert.That(text, Does.Contain("stroke-dasharray"), "dashed threshold line");
        Assert.That(text, Does.Contain("rgb(192,48,48)"), "threshold colour");
        Assert.That(ImageChecks.PngSize(pngPath), Is.EqualTo((1000, 600)));
        ImageChecks.AssertPngHasContent(pngPath);
    }

    [Test]
    public void Membrane_traces_need_recorded_membranes()
    {
        var rec = TestData.SmallRecording();
        Assert.Throws<InvalidOperationException>(() => Plots.MembraneTraces(rec.Layers[0], 0, [0]));
    }

    [Test]
    public void Spike_count_histogram_counts_every_neuron_once()
    {
        var rec = TestData.SmallRecording();
        var model = Plots.SpikeCountHistogram(rec, sample: 0);
        var bars = model.Series.OfType<RectangleBarSeries>().ToList();
        Assert.That(bars, Has.Count.EqualTo(3));
        for (int l = 0; l < 3; l++)
            Assert.That(bars[l].Items.Sum(i => i.Y1 - i.Y0), Is.EqualTo(rec.Layers[l].Neurons), rec.Layers[l].Name);
        // The output layer of sample 0: neuron 2 spikes 10 times (period 3), the others 3 times (period 8).
        var outputBars = bars[2].Items.ToDictionary(i => (int)Math.Round((i.X0 + i.X1) / 2), i => i.Y1);
        Assert.That(outputBars, Is.EqualTo(new Dictionary<int, double> { [3] = 3, [10] = 1 }));

        string path = PathOf("counts.png");
        PlotExport.Save(model, path, 1200, 800);
        Assert.That(ImageChecks.PngSize(path), Is.EqualTo((1200, 800)));
        ImageChecks.AssertPngHasContent(path);
    }

    [Test]
    public void Firing_rate_histogram_spans_zero_to_one_and_pools_samples()
    {
        var rec = TestData.SmallRecording();
        var model = Plots.FiringRateHistogram(rec);
        var x = model.Axes.Single(a => a.IsHorizontal());
        Assert.That((x.Minimum, x.Maximum), Is.EqualTo((0.0, 1.0)));
        var bars = model.Series.OfType<RectangleBarSeries>().ToList();
        for (int l = 0; l < 3; l++)
            Assert.That(bars[l].Items.Sum(i => i.Y1 - i.Y0), Is.EqualTo(rec.Layers[l].Neurons * 2), "both samples");

        string path = PathOf("rates.svg");
        PlotExport.Save(model, path, 1200, 800);
        Assert.That(ImageChecks.Texts(ImageChecks.LoadSvg(path)), Has.Some.Contains("Firing rate"));
    }

    [Test]
    public void Weight_histogram_counts_every_weight_on_linear_and_log_axes()
    {
        var weights = TestData.Weights();
        foreach (bool log in new[] { false, true })
        {
            var model = Plots.WeightMagnitudes(weights, bins: 40, logCount: log);
            var bars = model.Series.OfType<RectangleBarSeries>().ToList();
            for (int l = 0; l < weights.Count; l++)
            {
                Assert.That(bars[l].Items.Sum(i => i.Y1), Is.EqualTo(weights[l].Weights.Length), "bar heights are counts");
                Assert.That(bars[l].Items.All(i => i.X0 >= 0), "magnitudes are not negative");
            }
            string path = PathOf(log ? "weights-log.png" : "weights.png");
            PlotExport.Save(model, path, 1200, 700);
            ImageChecks.AssertPngHasContent(path);
        }
        AssertOnlyFiles("weights.png", "weights-log.png");
    }

    [Test]
    public void Training_curves_show_every_run_in_both_panels()
    {
        var runs = TestData.Runs();
        var model = Plots.TrainingCurves(runs);
        var lines = model.Series.OfType<LineSeries>().ToList();
        Assert.That(lines, Has.Count.EqualTo(4));
        Assert.That(lines.Where(s => s.XAxisKey == "seconds").SelectMany(s => s.Points.Select(p => p.X)).Max(), Is.EqualTo(630.0));

        string svgPath = PathOf("curves.svg"), pngPath = PathOf("curves.png");
        PlotExport.Save(model, svgPath, 1200, 800);
        PlotExport.Save(model, pngPath, 1200, 800);
        var texts = ImageChecks.Texts(ImageChecks.LoadSvg(svgPath));
        Assert.That(texts, Has.Some.EqualTo("LFP").And.Some.EqualTo("surrogate atan").And.Some.EqualTo("Epoch").And.Some.EqualTo("Wall time (s)"));
        ImageChecks.AssertPngHasContent(pngPath);

        foreach (var axis in new[] { CurveAxis.Epoch, CurveAxis.WallTime })
        {
            string single = PathOf($"curve-{axis}.png");
            PlotExport.Save(Plots.TrainingCurves(runs, axis), single, 900, 600);
            Assert.That(ImageChecks.PngSize(single), Is.EqualTo((900, 600)));
            ImageChecks.AssertPngHasContent(single);
        }
    }

    [Test]
    public void Seed_bands_draw_a_mean_line_and_a_min_to_max_area_per_run()
    {
        var runs = TestData.Bands();
        var model = Plots.TrainingCurveBands(runs);
        var areas = model.Series.OfType<AreaSeries>().ToList();
        var means = model.Series.OfType<LineSeries>().Where(s => s is not AreaSeries).ToList();
        Assert.That(areas, Has.Count.EqualTo(2));
        Assert.That(means.Select(m => m.Title), Is.EqualTo(new[] { "LFP + noise", "gradient" }));
        Assert.That(areas[0].Points.Select(p => p.Y), Is.EqualTo(runs[0].Points.Select(p => p.Max)));
        Assert.That(areas[0].Points2.Select(p => p.Y), Is.EqualTo(runs[0].Points.Select(p => p.Min)));
        Assert.That(means[0].Points.Select(p => p.Y), Is.EqualTo(runs[0].Points.Select(p => p.Mean)));
        Assert.That(areas.All(a => !a.RenderInLegend), Is.True, "one legend entry per run, for its mean line");

        string svgPath = PathOf("bands.svg"), pngPath = PathOf("bands.png");
        PlotExport.Save(model, svgPath, 1000, 700);
        PlotExport.Save(model, pngPath, 1000, 700);
        Assert.That(ImageChecks.Texts(ImageChecks.LoadSvg(svgPath)), Has.Some.EqualTo("LFP + noise").And.Some.EqualTo("Epoch"));
        Assert.That(ImageChecks.PngSize(pngPath), Is.EqualTo((1000, 700)));
        ImageChecks.AssertPngHasContent(pngPath);
    }

    [Test]
    public void Seed_bands_against_wall_time_put_each_point_at_its_mean_seconds_and_losses_on_a_plain_axis()
    {
        var runs = TestData.Bands().Select(r => r with { Points = r.Points.Select(p => p with { Seconds = 0.5 * p.Epoch + 0.1 }).ToList() }).ToList();
        var byTime = Plots.TrainingCurveBands(runs, CurveAxis.WallTime, "by time");
        var mean = byTime.Series.OfType<LineSeries>().First(s => s is not AreaSeries);
        Assert.That(mean.Points.Select(p => p.X), Is.EqualTo(runs[0].Points.Select(p => p.Seconds)));
        Assert.That(byTime.Series.OfType<AreaSeries>().First().Points.Select(p => p.X), Is.EqualTo(runs[0].Points.Select(p => p.Seconds)));

        var loss = Plots.TrainingCurveBands(runs, CurveAxis.Epoch, "loss", BandValue.Loss, "Training loss (cross-entropy)");
        string svgPath = PathOf("bands-loss.svg");
        PlotExport.Save(loss, svgPath, 900, 600);
        Assert.That(ImageChecks.Texts(ImageChecks.LoadSvg(svgPath)), Has.Some.EqualTo("Training loss (cross-entropy)").And.Some.EqualTo("Epoch"));
        string pngPath = PathOf("bands-time.png");
        PlotExport.Save(byTime, pngPath, 900, 600);
        ImageChecks.AssertPngHasContent(pngPath);
        string timeSvg = PathOf("bands-time.svg");
        PlotExport.Save(byTime, timeSvg, 900, 600);
        Assert.That(ImageChecks.Texts(ImageChecks.LoadSvg(timeSvg)), Has.Some.EqualTo("Wall time (s)"));
    }

    [Test]
    public void Pruning_curve_renders_runs_sorted_by_fraction()
    {
        var runs = TestData.Pruning();
        runs[0] = runs[0] with { Points = runs[0].Points.Reverse().ToList() };
        var model = Plots.PruningCurve(runs);
        var first = model.Series.OfType<LineSeries>().First();
        Assert.That(first.Points.Select(p => p.X), Is.Ordered);

        string path = PathOf("pruning.png");
        PlotExport.Save(model, path, 1000, 650);
        Assert.That(ImageChecks.PngSize(path), Is.EqualTo((1000, 650)));
        ImageChecks.AssertPngHasContent(path);
    }

    [TestCase("plot.jpg")]
    [TestCase("plot")]
    [TestCase("plot.png.txt")]
    public void Unknown_extension_is_rejected_and_nothing_written(string name)
    {
        var ex = Assert.Throws<ArgumentException>(() => PlotExport.Save(Plots.PruningCurve(TestData.Pruning()), PathOf(name)));
        Assert.That(ex!.Message, Does.Contain(".png or .svg"));
        AssertOnlyFiles();
    }

    [Test]
    public void Extension_match_ignores_case()
    {
        Assert.That(PlotExport.FormatOf("a/B.PNG"), Is.EqualTo(ImageFormat.Png));
        Assert.That(PlotExport.FormatOf("c.Svg"), Is.EqualTo(ImageFormat.Svg));
    }

    [Test]
    public void Save_replaces_existing_file_atomically_and_cleans_up_after_failure()
    {
        string path = PathOf("plot.png");
        PlotExport.Save(Plots.PruningCurve(TestData.Pruning()), path, 640, 480);
        PlotExport.Save(Plots.PruningCurve(TestData.Pruning()), path, 800, 500);
        Assert.That(ImageChecks.PngSize(path), Is.EqualTo((800, 500)), "overwritten");
        byte[] before = File.ReadAllBytes(path);

        var broken = Plots.PruningCurve(TestData.Pruning());
        broken.Series.Add(new ThrowingSeries());
        Assert.Throws<InvalidOperationException>(() => PlotExport.Save(broken, path, 640, 480));
        Assert.Throws<InvalidOperationException>(() => PlotExport.Save(broken, PathOf("new.svg"), 640, 480));
        Assert.That(File.ReadAllBytes(path), Is.EqualTo(before), "a failed save leaves the old image intact");
        AssertOnlyFiles("plot.png");
    }

    [Test]
    public void Save_creates_missing_folder_and_defaults_to_at_least_1200_by_700()
    {
        string path = Path.Combine(dir, "nested", "deeper", "raster.png");
        PlotExport.Save(Plots.SpikeRaster(TestData.SmallRecording(), 0), path);
        var (w, h) = ImageChecks.PngSize(path);
        Assert.That(w, Is.GreaterThanOrEqualTo(1200));
        Assert.That(h, Is.GreaterThanOrEqualTo(700));
    }

    [Test]
    public void Save_gives_transparent_models_a_white_background()
    {
        var model = new PlotModel { Title = "bare", Background = OxyColors.Transparent };
        model.Series.Add(new FunctionSeries(Math.Sin, 0, 10, 0.1));
        string path = PathOf("bare.png");
        PlotExport.Save(model, path, 300, 200);
        ImageChecks.AssertPngHasContent(path, minDistinctColours: 2);
    }

    /// <summary>A series whose rendering fails half-way through an export.</summary>
    private sealed class ThrowingSeries : LineSeries
    {
        public ThrowingSeries() => Points.Add(new DataPoint(0.5, 0.5));

        public override void Render(IRenderContext rc) => throw new InvalidOperationException("render failed");
    }
}
