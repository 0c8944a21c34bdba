using System.Globalization;
using OxyPlot;
using OxyPlot.Axes;
using OxyPlot.Series;

namespace SpikeLfp.Viz;

public static partial class Plots
{
    /// <summary>Colour of OFF events in the input raster (ON events use <see cref="PlotStyle.Spike"/>).</summary>
    private static readonly OxyColor OffEvent = OxyColor.FromRgb(0xc0, 0x39, 0x2b);

    /// <summary>
    /// Raster of one sample's input events: time in milliseconds on x, input channel on y, one small mark per
    /// event; ON events dark and OFF events red when the sensor has polarities. The subtitle gives the event count.
    /// </summary>
    public static PlotModel InputEventRaster(InputEvents events, string title)
    {
        ArgumentNullException.ThrowIfNull(events);
        ArgumentNullException.ThrowIfNull(title);
        int on = events.Polarity?.Count(p => p == 1) ?? events.Count;
        string subtitle = events.Polarity is null
            ? string.Create(CultureInfo.InvariantCulture, $"{events.Count:N0} events on {events.Channels:N0} channels")
            : string.Create(CultureInfo.InvariantCulture, $"{events.Count:N0} events on {events.Channels:N0} channels: {on:N0} ON (dark), {events.Count - on:N0} OFF (red)");
        var model = PlotStyle.NewModel(title, subtitle);
        model.Axes.Add(PlotStyle.Styled(new LinearAxis { Position = AxisPosition.Bottom, Title = "Time (ms)", Minimum = 0, Maximum = events.DurationMs }));
        model.Axes.Add(PlotStyle.Styled(new LinearAxis
        {
            Position = AxisPosition.Left,
            Title = events.Name + " channel",
            Minimum = -0.5,
            Maximum = events.Channels - 0.5,
            MinimumMajorStep = 1,
            StringFormat = "0",
        }));
        var onSeries = EventMarks(PlotStyle.Spike);
        var offSeries = EventMarks(OffEvent);
        for (int k = 0; k < events.Count; k++)
        {
            var point = new ScatterPoint(events.TimesMs[k], events.ChannelOf[k]);
            (events.Polarity is { } p && p[k] == 0 ? offSeries : onSeries).Points.Add(point);
        }
        model.Series.Add(onSeries);
        if (offSeries.Points.Count > 0) model.Series.Add(offSeries);
        return model;
    }

    private static ScatterSeries EventMarks(OxyColor color) => new()
    {
        MarkerType = MarkerType.Square,
        MarkerSize = 1.4,
        MarkerFill = color,
        MarkerStrokeThickness = 0,
    };
}
