using OxyPlot;
using OxyPlot.Axes;
using OxyPlot.Series;

namespace SpikeLfp.Viz;

public static partial class Plots
{
    /// <summary>
    /// Final test accuracy per configuration of a sweep, one row each (top row first): every seed as a dot, the
    /// range over seeds as a bar and the mean as a diamond, so a difference smaller than the seed spread shows as such.
    /// </summary>
    public static PlotModel AccuracyByConfiguration(IReadOnlyList<ConfigurationAccuracy> configurations, string title = "Final test accuracy per configuration, over seeds")
    {
        ArgumentNullException.ThrowIfNull(configurations);
        var model = PlotStyle.NewModel(title);
        var rows = new CategoryAxis { Key = "config", Position = AxisPosition.Left, IsZoomEnabled = false, StartPosition = 1, EndPosition = 0, GapWidth = 0.3 };
        rows.Labels.AddRange(configurations.Select(c => c.Label));
        model.Axes.Add(PlotStyle.Styled(rows));
        var accuracy = AccuracyAxis("acc", configurations.SelectMany(c => c.Accuracies).ToList(), 0, 1);
        accuracy.Position = AxisPosition.Bottom;
        accuracy.StringFormat = "0.#%"; // configurations often differ by less than a percentage point
        model.Axes.Add(accuracy);
        var range = new LineSeries { Title = "range over seeds", Color = PlotStyle.Bar, StrokeThickness = 3, XAxisKey = "acc", YAxisKey = "config", LineStyle = LineStyle.Solid };
        var seeds = new ScatterSeries { Title = "seed", MarkerType = MarkerType.Circle, MarkerSize = 3, MarkerFill = OxyColor.FromAColor(0xa0, PlotStyle.Spike), XAxisKey = "acc", YAxisKey = "config" };
        var means = new ScatterSeries { Title = "mean", MarkerType = MarkerType.Diamond, MarkerSize = 6, MarkerFill = PlotStyle.Threshold, XAxisKey = "acc", YAxisKey = "config" };
        for (int i = 0; i < configurations.Count; i++)
        {
            var values = configurations[i].Accuracies;
            if (values.Count == 0) continue;
            // One polyline for every bar: a break (NaN point) between configurations.
            range.Points.Add(new DataPoint(values.Min(), i));
            range.Points.Add(new DataPoint(values.Max(), i));
            range.Points.Add(DataPoint.Undefined);
            foreach (double v in values) seeds.Points.Add(new ScatterPoint(v, i));
            means.Points.Add(new ScatterPoint(values.Average(), i));
        }
        model.Series.Add(range);
        model.Series.Add(seeds);
        model.Series.Add(means);
        model.Legends.Add(PlotStyle.NewLegend(OxyPlot.Legends.LegendPosition.BottomRight));
        return model;
    }
}
