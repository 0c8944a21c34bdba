using System.Globalization;
using OxyPlot;
using OxyPlot.Axes;
using OxyPlot.Legends;
using OxyPlot.Series;

namespace SpikeLfp.Viz;

public static partial class Plots
{
    /// <summary>A population's rate over time, for <see cref="PopulationRates"/>.</summary>
    /// <param name="Name">Population name (legend).</param>
    /// <param name="RatesHz">Mean rate per neuron in each bin, Hz.</param>
    public sealed record PopulationRate(string Name, double[] RatesHz);

    /// <summary>
    /// Population rates over time, one line per population; bin b spans [b, b + 1) * <paramref name="binMs"/> ms and is
    /// drawn at its centre.
    /// </summary>
    public static PlotModel PopulationRates(IReadOnlyList<PopulationRate> populations, double binMs, string title)
    {
        ArgumentNullException.ThrowIfNull(populations);
        if (!(binMs > 0)) throw new ArgumentOutOfRangeException(nameof(binMs), "the bin must be longer than 0 ms.");
        var model = PlotStyle.NewModel(title, string.Create(CultureInfo.InvariantCulture, $"bins of {binMs:0.###} ms"));
        model.Axes.Add(PlotStyle.Styled(new LinearAxis { Position = AxisPosition.Bottom, Title = "Time (ms)" }));
        model.Axes.Add(PlotStyle.Styled(new LinearAxis { Position = AxisPosition.Left, Title = "Rate (Hz)", Minimum = 0 }));
        for (int p = 0; p < populations.Count; p++)
        {
            var line = new LineSeries { Title = populations[p].Name, Color = PlotStyle.PaletteColor(p), StrokeThickness = 1.2 };
            var rates = populations[p].RatesHz;
            for (int b = 0; b < rates.Length; b++) line.Points.Add(new DataPoint((b + 0.5) * binMs, rates[b]));
            model.Series.Add(line);
        }
        model.Legends.Add(PlotStyle.NewLegend(LegendPosition.RightTop));
        return model;
    }
}
