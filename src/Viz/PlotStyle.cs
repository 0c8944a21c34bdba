using OxyPlot;
using OxyPlot.Axes;
using OxyPlot.Legends;

namespace SpikeLfp.Viz;

/// <summary>Fonts, colours and axis defaults shared by every plot, so all figures look alike.</summary>
internal static class PlotStyle
{
    public const string Font = "DejaVu Sans";
    public const double FontSize = 13;
    public const double TitleFontSize = 17;
    public const double SubtitleFontSize = 13;
    public const double AxisTitleFontSize = 14;

    /// <summary>Spike marks of ordinary neurons.</summary>
    public static readonly OxyColor Spike = OxyColor.FromRgb(0x20, 0x20, 0x28);
    /// <summary>Spike marks of the labelled output neuron.</summary>
    public static readonly OxyColor LabelSpike = OxyColor.FromRgb(0x1a, 0x7f, 0x37);
    /// <summary>Band behind the labelled output neuron.</summary>
    public static readonly OxyColor LabelBand = OxyColor.FromArgb(0x55, 0x5c, 0xc9, 0x7a);
    /// <summary>Band behind a wrongly predicted output neuron.</summary>
    public static readonly OxyColor WrongBand = OxyColor.FromArgb(0x50, 0xe0, 0x50, 0x50);
    /// <summary>Dashed threshold lines.</summary>
    public static readonly OxyColor Threshold = OxyColor.FromRgb(0xc0, 0x30, 0x30);
    /// <summary>Histogram bars.</summary>
    public static readonly OxyColor Bar = OxyColor.FromRgb(0x3a, 0x6e, 0xa5);

    /// <summary>Distinct line colours for several runs or neurons (colour-blind friendly, Okabe-Ito).</summary>
    public static readonly OxyColor[] Palette =
    [
        OxyColor.FromRgb(0x00, 0x72, 0xb2), OxyColor.FromRgb(0xd5, 0x5e, 0x00), OxyColor.FromRgb(0x00, 0x9e, 0x73),
        OxyColor.FromRgb(0xcc, 0x79, 0xa7), OxyColor.FromRgb(0xe6, 0x9f, 0x00), OxyColor.FromRgb(0x56, 0xb4, 0xe9),
        OxyColor.FromRgb(0x00, 0x00, 0x00), OxyColor.FromRgb(0xf0, 0xe4, 0x42),
    ];

    public static OxyColor PaletteColor(int i) => Palette[i % Palette.Length];

    /// <summary>A model with a white opaque background and the house fonts.</summary>
    public static PlotModel NewModel(string title, string? subtitle = null) => new()
    {
        Title = title,
        Subtitle = subtitle,
        Background = OxyColors.White,
        PlotAreaBackground = OxyColors.White,
        DefaultFont = Font,
        DefaultFontSize = FontSize,
        TitleFontSize = TitleFontSize,
        SubtitleFontSize = SubtitleFontSize,
        TitleFontWeight = FontWeights.Bold,
        TextColor = OxyColor.FromRgb(0x20, 0x20, 0x20),
        PlotAreaBorderColor = OxyColor.FromRgb(0x60, 0x60, 0x60),
        PlotAreaBorderThickness = new OxyThickness(0),
        Padding = new OxyThickness(12, 8, 24, 12),
    };

    public static T Styled<T>(T axis) where T : Axis
    {
        axis.TitleFontSize = AxisTitleFontSize;
        axis.FontSize = FontSize;
        axis.AxislineStyle = LineStyle.Solid;
        axis.AxislineColor = OxyColor.FromRgb(0x60, 0x60, 0x60);
        axis.TicklineColor = OxyColor.FromRgb(0x60, 0x60, 0x60);
        axis.MajorGridlineColor = OxyColor.FromArgb(0x30, 0, 0, 0);
        axis.MinorGridlineColor = OxyColor.FromArgb(0x14, 0, 0, 0);
        axis.IsZoomEnabled = false;
        axis.IsPanEnabled = false;
        return axis;
    }

    public static Legend NewLegend(LegendPosition position) => new()
    {
        LegendPosition = position,
        LegendPlacement = LegendPlacement.Inside,
        LegendBackground = OxyColor.FromArgb(0xdd, 0xff, 0xff, 0xff),
        LegendBorder = OxyColor.FromRgb(0xa0, 0xa0, 0xa0),
        LegendFontSize = FontSize,
        LegendFont = Font,
    };

    /// <summary>
    /// Vertical extents [start, end] (0 = bottom, 1 = top) of stacked panels, first panel on top.
    /// Heights follow the square root of each panel's weight (so a 784-channel input does not squeeze a
    /// 10-neuron output to a sliver) with a floor, and panels are separated by a small gap.
    /// </summary>
    public static (double Start, double End)[] StackPanels(IReadOnlyList<double> weights, double gap = 0.045, double minShare = 0.14)
    {
        int n = weights.Count;
        if (n == 0) return [];
        var share = new double[n];
        double total = 0;
        for (int i = 0; i < n; i++) { share[i] = Math.Sqrt(Math.Max(1.0, weights[i])); total += share[i]; }
        double floor = Math.Min(minShare, 1.0 / n);
        for (int i = 0; i < n; i++) share[i] = Math.Max(share[i] / total, floor);
        double sum = share.Sum();
        double usable = 1.0 - gap * (n - 1);
        var result = new (double, double)[n];
        double top = 1.0;
        for (int i = 0; i < n; i++)
        {
            double h = share[i] / sum * usable;
            result[i] = (Math.Max(0, top - h), top);
            top -= h + gap;
        }
        result[n - 1].Item1 = 0;
        return result;
    }
}
