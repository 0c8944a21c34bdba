using NUnit.Framework;
using OxyPlot.Axes;
using OxyPlot.Series;
using SpikeLfp.Data.Events;

namespace SpikeLfp.Viz.Tests;

public class InputEventRasterTests
{
    /// <summary>One 3x2 camera sample: ON (2,1) at 1.5 ms, OFF (0,0) at 4 ms, ON (1,1) at 12 ms.</summary>
    private static EventDataset Camera()
    {
        var b = new EventDatasetBuilder("cam", "cam", EventSensor.Camera(3, 2));
        b.Add([1500, 4000, 12000], new ushort[] { 2, 0, 1 }, new ushort[] { 1, 0, 1 }, new byte[] { 1, 0, 1 }, 1, "s");
        return b.Build(2);
    }

    [Test]
    public void Raw_events_are_drawn_at_their_time_in_ms_on_the_row_of_their_input()
    {
        var set = Camera();
        var binner = new EventBinner(set.Sensor, new EventBinningOptions { DtUs = 5000, Steps = 3 });

        var events = EventViews.Raw(set, 0, binner);
        var model = Plots.InputEventRaster(events, "raw");

        // Input (p*H + y)*W + x: ON (2,1) -> (2+1)*3+2 = 11, OFF (0,0) -> 0, ON (1,1) -> 10.
        Assert.That(events.ChannelOf, Is.EqualTo(new[] { 11, 0, 10 }));
        Assert.That(events.TimesMs, Is.EqualTo(new[] { 1.5, 4.0, 12.0 }));
        Assert.That((events.Channels, events.DurationMs), Is.EqualTo((12, 15.0)));
        var on = (ScatterSeries)model.Series[0];
        var off = (ScatterSeries)model.Series[1];
        Assert.That(on.Points.Select(p => (p.X, p.Y)), Is.EqualTo(new[] { (1.5, 11.0), (12.0, 10.0) }));
        Assert.That(off.Points.Select(p => (p.X, p.Y)), Is.EqualTo(new[] { (4.0, 0.0) }));
        var time = model.Axes.OfType<LinearAxis>().Single(a => a.Position == AxisPosition.Bottom);
        var rows = model.Axes.OfType<LinearAxis>().Single(a => a.Position == AxisPosition.Left);
        Assert.That((time.Title, time.Minimum, time.Maximum), Is.EqualTo(("Time (ms)", 0.0, 15.0)));
        Assert.That((rows.Title, rows.Minimum, rows.Maximum), Is.EqualTo(("input channel", -0.5, 11.5)));
        Assert.That(model.Subtitle, Is.EqualTo("3 events on 12 channels: 2 ON (dark), 1 OFF (red)"));
    }

    [Test]
    public void Binned_steps_are_drawn_at_the_middle_of_their_step()
    {
        var set = Camera();
        var binner = new EventBinner(set.Sensor, new EventBinningOptions { DtUs = 5000, Steps = 3, Polarity = PolarityMode.Merge });
        var frames = new EventFrames();
        binner.Bin(set, 0, frames);

        var events = EventViews.Binned(frames);

        Assert.That(events.TimesMs, Is.EqualTo(new[] { 2.5, 2.5, 12.5 }));
        Assert.That(events.ChannelOf, Is.EqualTo(new[] { 0, 5, 4 }));
        Assert.That(events.Polarity, Is.Null);
        Assert.That(events.Channels, Is.EqualTo(6));
    }

    [Test]
    public void Raster_renders_to_png_and_svg()
    {
        string folder = Path.Combine(Path.GetTempPath(), $"spikelfp-viz-events-{Guid.NewGuid():N}");
        try
        {
            var model = Plots.InputEventRaster(EventViews.Raw(Camera(), 0), "sensor");
            PlotExport.Save(model, Path.Combine(folder, "r.png"), 600, 400);
            PlotExport.Save(Plots.InputEventRaster(EventViews.Raw(Camera(), 0), "sensor"), Path.Combine(folder, "r.svg"), 600, 400);
            Assert.That(new FileInfo(Path.Combine(folder, "r.png")).Length, Is.GreaterThan(500));
            Assert.That(File.ReadAllText(Path.Combine(folder, "r.svg")), Does.Contain("Time (ms)"));
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }
}
