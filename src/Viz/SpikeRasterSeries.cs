using OxyPlot;
using OxyPlot.Series;

namespace SpikeLfp.Viz;

/// <summary>
/// Draws the spikes of one raster panel as small filled squares at (step, neuron).
/// While a step and a neuron row are each at least one pixel, every spike gets its own mark (so an SVG holds
/// exactly one rectangle per spike). When the recording is denser than the screen, marks that would land on an
/// already-drawn pixel are skipped, which keeps a million-spike raster fast without changing the picture.
/// </summary>
public sealed class SpikeRasterSeries : XYAxisSeries
{
    private readonly RasterLayer layer;

    /// <summary>Creates the series for <paramref name="layer"/>, drawn over <paramref name="steps"/> time steps.</summary>
    public SpikeRasterSeries(RasterLayer layer, int steps)
    {
        ArgumentNullException.ThrowIfNull(layer);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(steps);
        this.layer = layer;
        Steps = steps;
        Color = PlotStyle.Spike;
        HighlightColor = PlotStyle.LabelSpike;
    }

    /// <summary>Number of time steps the panel spans.</summary>
    public int Steps { get; }

    /// <summary>Fill colour of ordinary spike marks.</summary>
    public OxyColor Color { get; set; }

    /// <summary>Neuron whose spikes are drawn in <see cref="HighlightColor"/> (for example the label's neuron), or null.</summary>
    public int? HighlightNeuron { get; set; }

    /// <summary>Fill colour of the highlighted neuron's spike marks.</summary>
    public OxyColor HighlightColor { get; set; }

    /// <summary>Fraction of a (step, neuron) cell that a mark covers, when cells are larger than a pixel.</summary>
    public double MarkFill { get; set; } = 0.8;

    /// <summary>Largest mark edge in pixels, so a short recording still looks like a raster, not a chessboard.</summary>
    public double MaxMarkSize { get; set; } = 9;

    /// <summary>Number of marks drawn by the last <see cref="Render"/> call (after skipping repeated pixels).</summary>
    public int MarksDrawn { get; private set; }

    /// <inheritdoc/>
    public override void Render(IRenderContext rc)
    {
        MarksDrawn = 0;
        if (layer.SpikeCount == 0) return;
        OxyRect clip = GetClippingRect();
        if (clip.Width <= 0 || clip.Height <= 0) return;

        double cellW = Math.Abs(XAxis.Transform(1) - XAxis.Transform(0));
        double cellH = Math.Abs(YAxis.Transform(1) - YAxis.Transform(0));
        double markW = MarkSize(cellW), markH = MarkSize(cellH);

        // One bit per device pixel of the panel, keyed by the first pixel a mark covers (marks are drawn
        // without anti-aliasing, so a mark covers the pixels whose centres it contains). A mark whose first
        // pixel is already taken adds nothing visible. Keys use absolute pixels so that they agree with what
        // the renderer fills whatever the fractional offset of the panel.
        int originX = (int)Math.Floor(clip.Left) - 1, originY = (int)Math.Floor(clip.Top) - 1;
        int gridW = (int)Math.Ceiling(clip.Width) + 3;
        int gridH = (int)Math.Ceiling(clip.Height) + 3;
        var taken = new System.Collections.BitArray(gridW * gridH);

        var marks = new List<OxyRect>(Math.Min(layer.SpikeCount, gridW * gridH));
        var highlighted = new List<OxyRect>();
        int[] steps = layer.SpikeSteps, neurons = layer.SpikeNeurons;
        int? highlight = HighlightNeuron;
        for (int i = 0; i < steps.Length; i++)
        {
            double left = XAxis.Transform(steps[i]) - markW / 2;
            double top = YAxis.Transform(neurons[i]) - markH / 2;
            int px = (int)Math.Ceiling(left - 0.5) - originX, py = (int)Math.Ceiling(top - 0.5) - originY;
            if (px < 0 || py < 0 || px >= gridW || py >= gridH) continue;
            int bit = py * gridW + px;
            if (taken[bit]) continue;
            taken[bit] = true;
            (neurons[i] == highlight ? highlighted : marks).Add(new OxyRect(left, top, markW, markH));
        }

        rc.PushClip(clip);
        try
        {
            if (marks.Count > 0) rc.DrawRectangles(marks, Color, OxyColors.Undefined, 0, EdgeRenderingMode.PreferSpeed);
            if (highlighted.Count > 0) rc.DrawRectangles(highlighted, HighlightColor, OxyColors.Undefined, 0, EdgeRenderingMode.PreferSpeed);
        }
        finally
        {
            rc.PopClip();
        }
        MarksDrawn = marks.Count + highlighted.Count;
    }

    /// <summary>
    /// Mark edge for a cell of <paramref name="cell"/> pixels: the whole cell while cells are under two pixels
    /// (so dense rasters have no moiré gaps between columns or rows), otherwise <see cref="MarkFill"/> of it.
    /// </summary>
    private double MarkSize(double cell) => cell < 2 ? Math.Max(1, cell) : Math.Clamp(cell * MarkFill, 1, MaxMarkSize);

    /// <inheritdoc/>
    protected override void UpdateMaxMin()
    {
        MinX = -0.5;
        MaxX = Steps - 0.5;
        MinY = -0.5;
        MaxY = layer.Neurons - 0.5;
    }
}
