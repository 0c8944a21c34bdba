using System.Globalization;
using OxyPlot;
using OxyPlot.Annotations;
using OxyPlot.Axes;
using OxyPlot.Legends;
using OxyPlot.Series;
using SpikeLfp.Network.Simulation;

namespace SpikeLfp.Viz;

/// <summary>
/// Builders of the project's figures as OxyPlot models; save them with <see cref="PlotExport.Save"/>.
/// Every builder takes plain inputs; the overloads that take recordings go through <see cref="RecordingViews"/>.
/// Multi-panel figures stack panels vertically on one model and share the x axis.
/// </summary>
public static partial class Plots
{
    private const string TimeAxisKey = "time";

    // ---------------------------------------------------------------- spike raster

    /// <summary>
    /// Spike raster of one sample: one panel per recorded layer (input first when present), stacked and aligned
    /// in time. The output panel shades the label's neuron green (and a wrong prediction red).
    /// </summary>
    public static PlotModel SpikeRaster(NetworkRecording recording, int sample)
    {
        ArgumentNullException.ThrowIfNull(recording);
        var layers = recording.Layers.Select(l => RecordingViews.Raster(l, sample)).ToList();
        int? label = recording.Labels is { } labels ? labels[sample] : null;
        int prediction = recording.Prediction(sample);
        string labelText = label is int l ? l.ToString(CultureInfo.InvariantCulture) : "?";
        string verdict = label is null ? "" : label == prediction ? " (correct)" : " (wrong)";
        string title = string.Create(CultureInfo.InvariantCulture, $"Spike raster, sample {sample}: label {labelText}, prediction {prediction}{verdict}");
        return SpikeRaster(layers, recording.Layers.Max(l => l.Steps), title, label, prediction);
    }

    /// <summary>
    /// Spike raster from plain spike coordinates: one panel per layer, top to bottom in the given order, the last
    /// one being the output. <paramref name="labelNeuron"/> (when given) is shaded green in the output panel and
    /// its spikes drawn green; a <paramref name="predictedNeuron"/> that differs is shaded red.
    /// The subtitle lists the spike count of every layer. With <paramref name="stepMs"/> the time axis is labelled in ms.
    /// </summary>
    public static PlotModel SpikeRaster(IReadOnlyList<RasterLayer> layers, int steps, string title,
        int? labelNeuron = null, int? predictedNeuron = null, double? stepMs = null)
    {
        ArgumentNullException.ThrowIfNull(layers);
        if (layers.Count == 0) throw new ArgumentException("A raster needs at least one layer.", nameof(layers));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(steps);

        string counts = string.Join(", ", layers.Select(l => string.Create(CultureInfo.InvariantCulture, $"{l.Name} {l.SpikeCount:N0}")));
        bool wrong = labelNeuron is int lab && predictedNeuron is int pred && lab != pred;
        string bands = labelNeuron is null ? "" : wrong ? "   (green band: label neuron, red band: predicted neuron)" : "   (green band: label neuron)";
        string subtitle = "spikes: " + counts + bands;
        var model = PlotStyle.NewModel(title, subtitle);
        model.Axes.Add(TimeAxis(steps, stepMs));

        var panels = PlotStyle.StackPanels(layers.Select(l => (double)l.Neurons).ToList());
        for (int i = 0; i < layers.Count; i++)
        {
            var layer = layers[i];
            string key = "layer" + i.ToString(CultureInfo.InvariantCulture);
            model.Axes.Add(PlotStyle.Styled(new LinearAxis
            {
                Key = key,
                Position = AxisPosition.Left,
                Title = layer.Name + " neuron",
                StartPosition = panels[i].Start,
                EndPosition = panels[i].End,
                Minimum = -0.5,
                Maximum = layer.Neurons - 0.5,
                MinimumMajorStep = 1,
                MinimumMinorStep = 1,
                StringFormat = "0",
            }));
            bool isOutput = i == layers.Count - 1;
            var series = new SpikeRasterSeries(layer, steps) { XAxisKey = TimeAxisKey, YAxisKey = key };
            if (isOutput && labelNeuron is int label && (uint)label < (uint)layer.Neurons)
            {
                series.HighlightNeuron = label;
                model.Annotations.Add(RowBand(key, label, steps, PlotStyle.LabelBand));
                if (predictedNeuron is int p && p != label && (uint)p < (uint)layer.Neurons)
                    model.Annotations.Add(RowBand(key, p, steps, PlotStyle.WrongBand));
            }
            model.Series.Add(series);
        }
        return model;
    }

    private static RectangleAnnotation RowBand(string yKey, int neuron, int steps, OxyColor fill) => new()
    {
        YAxisKey = yKey,
        XAxisKey = TimeAxisKey,
        MinimumX = -0.5,
        MaximumX = steps - 0.5,
        MinimumY = neuron - 0.5,
        MaximumY = neuron + 0.5,
        Fill = fill,
        Layer = AnnotationLayer.BelowSeries,
    };

    // In steps; with stepMs, the same axis labelled in ms (the marks stay on the step grid).
    private static LinearAxis TimeAxis(int steps, double? stepMs = null)
    {
        var axis = PlotStyle.Styled(new LinearAxis
        {
            Key = TimeAxisKey,
            Position = AxisPosition.Bottom,
            Title = stepMs is null ? "Time step" : "Time (ms)",
            Minimum = -0.5,
            Maximum = steps - 0.5,
            MinimumMajorStep = 1,
            StringFormat = "0",
        });
        if (stepMs is double ms) axis.LabelFormatter = x => (x * ms).ToString("0.##", CultureInfo.InvariantCulture);
        return axis;
    }

    // ---------------------------------------------------------------- membrane traces

    /// <summary>Membrane traces of the chosen neurons of one layer and sample; see <see cref="MembraneTraces(IReadOnlyList{MembraneTrace}, double, string)"/>.</summary>
    /// <exception cref="InvalidOperationException">The layer was recorded without membranes.</exception>
    public static PlotModel MembraneTraces(LayerRecording layer, int sample, IReadOnlyList<int> neurons)
    {
        ArgumentNullException.ThrowIfNull(layer);
        return MembraneTraces(RecordingViews.Membranes(layer, sample, neurons), layer.Threshold,
            string.Create(CultureInfo.InvariantCulture, $"Membrane potential, {layer.Name}, sample {sample}"));
    }

    /// <summary>
    /// One panel per trace, stacked and aligned in time: the membrane potential as a line, the firing
    /// threshold as a dashed red line and a triangle on the threshold at every spike.
    /// </summary>
    public static PlotModel MembraneTraces(IReadOnlyList<MembraneTrace> traces, double threshold, string title = "Membrane potential")
    {
        ArgumentNullException.ThrowIfNull(traces);
        if (traces.Count == 0) throw new ArgumentException("Give at least one trace.", nameof(traces));
        int steps = Math.Max(1, traces.Max(t => t.Membrane.Count));
        var model = PlotStyle.NewModel(title, double.IsFinite(threshold)
            ? string.Create(CultureInfo.InvariantCulture, $"dashed: threshold {threshold:G4}; triangles: spikes")
            : "triangles: spikes");
        model.Axes.Add(TimeAxis(steps));
        var panels = PlotStyle.StackPanels(traces.Select(_ => 1.0).ToList(), gap: 0.05);
        for (int i = 0; i < traces.Count; i++)
        {
            var trace = traces[i];
            string key = "trace" + i.ToString(CultureInfo.InvariantCulture);
            var color = PlotStyle.PaletteColor(i);
            double lo = trace.Membrane.Count > 0 ? trace.Membrane.Min() : 0, hi = trace.Membrane.Count > 0 ? trace.Membrane.Max() : 1;
            if (double.IsFinite(threshold)) { lo = Math.Min(lo, threshold); hi = Math.Max(hi, threshold); }
            double pad = Math.Max(1e-6, (hi - lo) * 0.12);
            model.Axes.Add(PlotStyle.Styled(new LinearAxis
            {
                Key = key,
                Position = AxisPosition.Left,
                Title = trace.Label,
                StartPosition = panels[i].Start,
                EndPosition = panels[i].End,
                Minimum = lo - pad,
                Maximum = hi + pad,
                MajorGridlineStyle = LineStyle.Solid,
            }));
            var line = new LineSeries { XAxisKey = TimeAxisKey, YAxisKey = key, Color = color, StrokeThickness = 1.6, Title = trace.Label };
            for (int t = 0; t < trace.Membrane.Count; t++) line.Points.Add(new DataPoint(t, trace.Membrane[t]));
            model.Series.Add(line);
            if (double.IsFinite(threshold))
            {
                model.Annotations.Add(new LineAnnotation
                {
                    Type = LineAnnotationType.Horizontal,
                    Y = threshold,
                    XAxisKey = TimeAxisKey,
                    YAxisKey = key,
                    Color = PlotStyle.Threshold,
                    LineStyle = LineStyle.Dash,
                    StrokeThickness = 1.5,
                });
            }
            var marks = new ScatterSeries
            {
                XAxisKey = TimeAxisKey,
                YAxisKey = key,
                MarkerType = MarkerType.Triangle,
                MarkerSize = 5,
                MarkerFill = color,
                MarkerStroke = OxyColors.White,
                MarkerStrokeThickness = 0.5,
            };
            double markY = double.IsFinite(threshold) ? threshold : hi;
            foreach (int t in trace.SpikeSteps) marks.Points.Add(new ScatterPoint(t, markY));
            model.Series.Add(marks);
        }
        return model;
    }

    // ---------------------------------------------------------------- histograms

    /// <summary>
    /// Histogram of the per-neuron spike counts of every layer (one panel each, same count bins), for one sample
    /// or, when <paramref name="sample"/> is null, for all samples pooled.
    /// </summary>
    public static PlotModel SpikeCountHistogram(NetworkRecording recording, int? sample = null, bool logCount = false)
    {
        ArgumentNullException.ThrowIfNull(recording);
        return Histograms(
            SampleTitle("Spikes per neuron", sample), "Spikes per neuron over the window", "neurons",
            RecordingViews.SpikeCounts(recording, sample), bins: 40, logCount, integerBins: true);
    }

    /// <summary>
    /// Histogram of the per-neuron firing rates (spikes per time step) of every layer, one panel each over [0, 1];
    /// one sample or, when <paramref name="sample"/> is null, all samples pooled.
    /// </summary>
    public static PlotModel FiringRateHistogram(NetworkRecording recording, int? sample = null, int bins = 20, bool logCount = false)
    {
        ArgumentNullException.ThrowIfNull(recording);
        return Histograms(
            SampleTitle("Firing rates", sample), "Firing rate (spikes per time step)", "neurons",
            RecordingViews.FiringRates(recording, sample), bins, logCount, range: (0, 1));
    }

    /// <summary>
    /// Histogram of the absolute weights of every layer, one panel each over a shared magnitude range.
    /// </summary>
    public static PlotModel WeightMagnitudes(IReadOnlyList<(string Layer, float[] Weights)> layers, int bins = 50, bool logCount = false)
    {
        ArgumentNullException.ThrowIfNull(layers);
        var values = layers.Select(l => new LayerValues(l.Layer, Array.ConvertAll(l.Weights, w => (double)Math.Abs(w)))).ToList();
        return Histograms("Weight magnitudes", "|weight|", "weights", values, bins, logCount, range: (0, null));
    }

    /// <summary>
    /// Per-layer histograms on stacked panels sharing one x range and one set of bins.
    /// </summary>
    /// <param name="title">Plot title.</param>
    /// <param name="valueTitle">Title of the shared x axis.</param>
    /// <param name="countTitle">What is counted, shown on each panel's y axis after the layer name.</param>
    /// <param name="layers">Values of each layer.</param>
    /// <param name="bins">Number of bins (an upper bound when <paramref name="integerBins"/> is set).</param>
    /// <param name="logCount">Logarithmic count axis (empty bins are left out).</param>
    /// <param name="integerBins">Centre bins on whole numbers, for counts.</param>
    /// <param name="range">Fixed lower and/or upper end of the value range; the data decide where null.</param>
    public static PlotModel Histograms(string title, string valueTitle, string countTitle, IReadOnlyList<LayerValues> layers,
        int bins = 30, bool logCount = false, bool integerBins = false, (double? Min, double? Max) range = default)
    {
        ArgumentNullException.ThrowIfNull(layers);
        if (layers.Count == 0) throw new ArgumentException("Give at least one layer.", nameof(layers));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bins);

        double dataMin = double.PositiveInfinity, dataMax = double.NegativeInfinity;
        foreach (var l in layers)
            foreach (double v in l.Values)
                if (double.IsFinite(v)) { dataMin = Math.Min(dataMin, v); dataMax = Math.Max(dataMax, v); }
        if (!double.IsFinite(dataMin)) { dataMin = 0; dataMax = 1; }
        double lo = range.Min ?? dataMin, hi = range.Max ?? dataMax;
        double width;
        if (integerBins)
        {
            lo = Math.Floor(lo) - 0.5;
            width = Math.Max(1, Math.Ceiling((Math.Ceiling(hi) + 0.5 - lo) / bins));
            bins = Math.Max(1, (int)Math.Ceiling((Math.Ceiling(hi) + 0.5 - lo) / width));
        }
        else
        {
            if (hi <= lo) hi = lo + (lo == 0 ? 1 : Math.Abs(lo) * 0.1);
            width = (hi - lo) / bins;
        }
        hi = lo + bins * width;

        var model = PlotStyle.NewModel(title);
        model.Axes.Add(PlotStyle.Styled(new LinearAxis
        {
            Key = TimeAxisKey,
            Position = AxisPosition.Bottom,
            Title = valueTitle,
            Minimum = lo,
            Maximum = hi,
            // Whole-number ticks for counts, so labels sit under the bars' centres.
            MinimumMajorStep = integerBins ? 1 : 0,
            StringFormat = integerBins ? "0" : null,
        }));
        var panels = PlotStyle.StackPanels(layers.Select(_ => 1.0).ToList(), gap: 0.06);
        for (int i = 0; i < layers.Count; i++)
        {
            string key = "hist" + i.ToString(CultureInfo.InvariantCulture);
            var counts = new long[bins];
            foreach (double v in layers[i].Values)
            {
                if (!double.IsFinite(v) || v < lo || v > hi) continue;
                counts[Math.Min(bins - 1, (int)((v - lo) / width))]++;
            }
            Axis countAxis = logCount
                ? new LogarithmicAxis { Minimum = 0.7, MaximumPadding = 0.15 }
                : new LinearAxis { Minimum = 0, MaximumPadding = 0.08, MinimumMajorStep = 1, MajorGridlineStyle = LineStyle.Solid };
            countAxis.Key = key;
            countAxis.Position = AxisPosition.Left;
            countAxis.Title = $"{layers[i].Name}: {countTitle}";
            countAxis.StartPosition = panels[i].Start;
            countAxis.EndPosition = panels[i].End;
            if (counts.All(c => c == 0)) countAxis.Maximum = logCount ? 10 : 1;
            model.Axes.Add(PlotStyle.Styled(countAxis));

            var bars = new RectangleBarSeries
            {
                XAxisKey = TimeAxisKey,
                YAxisKey = key,
                FillColor = PlotStyle.Bar,
                StrokeColor = OxyColors.White,
                StrokeThickness = bins > 80 ? 0 : 0.6,
            };
            double baseLine = logCount ? 0.7 : 0;
            for (int b = 0; b < bins; b++)
            {
                if (counts[b] == 0) continue;
                bars.Items.Add(new RectangleBarItem(lo + b * width, baseLine, lo + (b + 1) * width, counts[b]));
            }
            model.Series.Add(bars);
        }
        return model;
    }

    private static string SampleTitle(string what, int? sample) => sample is int s
        ? string.Create(CultureInfo.InvariantCulture, $"{what}, sample {s}")
        : $"{what}, all samples";

    // ---------------------------------------------------------------- training and pruning curves

    /// <summary>
    /// Test accuracy of several runs on two stacked panels: against epoch (top, epoch axis on top) and against
    /// wall-clock time (bottom). One colour per run, legend on the right.
    /// </summary>
    public static PlotModel TrainingCurves(IReadOnlyList<RunCurve> runs, string title = "Test accuracy during training")
    {
        ArgumentNullException.ThrowIfNull(runs);
        var model = PlotStyle.NewModel(title);
        var all = runs.SelectMany(r => r.Points).Select(p => p.TestAccuracy).ToList();
        // No vertical gridlines: each x axis would draw its own across both panels.
        model.Axes.Add(PlotStyle.Styled(new LinearAxis { Key = "epoch", Position = AxisPosition.Top, Title = "Epoch", MinimumMajorStep = 1, StringFormat = "0" }));
        model.Axes.Add(PlotStyle.Styled(new LinearAxis { Key = "seconds", Position = AxisPosition.Bottom, Title = "Wall time (s)" }));
        model.Axes.Add(AccuracyAxis("acc_epoch", all, 0.54, 1.0));
        model.Axes.Add(AccuracyAxis("acc_time", all, 0.0, 0.46));
        for (int r = 0; r < runs.Count; r++)
        {
            var color = PlotStyle.PaletteColor(r);
            model.Series.Add(RunLine(runs[r].Label, color, "epoch", "acc_epoch", runs[r].Points.Select(p => new DataPoint(p.Epoch, p.TestAccuracy)), inLegend: true));
            model.Series.Add(RunLine(runs[r].Label, color, "seconds", "acc_time", runs[r].Points.Select(p => new DataPoint(p.Seconds, p.TestAccuracy)), inLegend: false));
        }
        var legend = PlotStyle.NewLegend(LegendPosition.RightTop);
        legend.LegendPlacement = LegendPlacement.Outside;
        model.Legends.Add(legend);
        return model;
    }

    /// <summary>Test accuracy of several runs against epoch or wall-clock time on one panel.</summary>
    public static PlotModel TrainingCurves(IReadOnlyList<RunCurve> runs, CurveAxis axis, string? title = null)
    {
        ArgumentNullException.ThrowIfNull(runs);
        bool byEpoch = axis == CurveAxis.Epoch;
        var model = PlotStyle.NewModel(title ?? (byEpoch ? "Test accuracy by epoch" : "Test accuracy by wall time"));
        model.Axes.Add(CurveXAxis(axis));
        model.Axes.Add(AccuracyAxis("acc", runs.SelectMany(r => r.Points).Select(p => p.TestAccuracy).ToList(), 0, 1));
        for (int r = 0; r < runs.Count; r++)
            model.Series.Add(RunLine(runs[r].Label, PlotStyle.PaletteColor(r), "x", "acc",
                runs[r].Points.Select(p => new DataPoint(byEpoch ? p.Epoch : p.Seconds, p.TestAccuracy)), inLegend: true));
        model.Legends.Add(PlotStyle.NewLegend(LegendPosition.RightBottom));
        return model;
    }

    /// <summary>
    /// Test accuracy against epoch for runs repeated over seeds: per run, a line for the mean and a shaded band
    /// from the lowest to the highest seed, so the seed-to-seed spread is visible at every epoch.
    /// </summary>
    public static PlotModel TrainingCurveBands(IReadOnlyList<RunBand> runs, string title = "Test accuracy by epoch, mean and range over seeds")
        => TrainingCurveBands(runs, CurveAxis.Epoch, title);

    /// <summary>
    /// Runs repeated over seeds against epoch or against the mean wall time of the seeds: per run, a line for the
    /// mean and a shaded band from the lowest to the highest seed. <paramref name="value"/> says whether the points
    /// are accuracies (shown as percentages) or losses (titled <paramref name="valueTitle"/>).
    /// </summary>
    public static PlotModel TrainingCurveBands(IReadOnlyList<RunBand> runs, CurveAxis axis, string title,
        BandValue value = BandValue.Accuracy, string valueTitle = "Training loss")
    {
        ArgumentNullException.ThrowIfNull(runs);
        bool byEpoch = axis == CurveAxis.Epoch;
        double X(BandPoint p) => byEpoch ? p.Epoch : p.Seconds;
        var model = PlotStyle.NewModel(title);
        model.Axes.Add(CurveXAxis(axis));
        var values = runs.SelectMany(r => r.Points).SelectMany(p => new[] { p.Min, p.Max }).ToList();
        model.Axes.Add(value == BandValue.Accuracy ? AccuracyAxis("acc", values, 0, 1) : ValueAxis("acc", valueTitle));
        for (int r = 0; r < runs.Count; r++)
        {
            var color = PlotStyle.PaletteColor(r);
            var band = new AreaSeries
            {
                Title = runs[r].Label + " (range)",
                XAxisKey = "x",
                YAxisKey = "acc",
                Color = OxyColors.Transparent,
                Color2 = OxyColors.Transparent,
                Fill = OxyColor.FromAColor(0x40, color),
                RenderInLegend = false,
            };
            band.Points.AddRange(runs[r].Points.Select(p => new DataPoint(X(p), p.Max)));
            band.Points2.AddRange(runs[r].Points.Select(p => new DataPoint(X(p), p.Min)));
            model.Series.Add(band);
            var mean = RunLine(runs[r].Label, color, "x", "acc", runs[r].Points.Select(p => new DataPoint(X(p), p.Mean)), inLegend: true);
            if (runs[r].Points.Count > 60) mean.MarkerType = MarkerType.None; // markers would merge into a thick line
            model.Series.Add(mean);
        }
        model.Legends.Add(PlotStyle.NewLegend(value == BandValue.Accuracy ? LegendPosition.RightBottom : LegendPosition.RightTop));
        return model;
    }

    /// <summary>Test accuracy against the fraction of weights pruned, several runs on one plot.</summary>
    public static PlotModel PruningCurve(IReadOnlyList<PruningRun> runs, string title = "Accuracy after magnitude pruning")
    {
        ArgumentNullException.ThrowIfNull(runs);
        var model = PlotStyle.NewModel(title);
        model.Axes.Add(PlotStyle.Styled(new LinearAxis
        {
            Key = "x",
            Position = AxisPosition.Bottom,
            Title = "Weights pruned",
            Minimum = 0,
            Maximum = Math.Max(1.0, runs.SelectMany(r => r.Points).Select(p => p.PrunedFraction).DefaultIfEmpty(1).Max()),
            StringFormat = "0%",
            MajorGridlineStyle = LineStyle.Solid,
        }));
        model.Axes.Add(AccuracyAxis("acc", runs.SelectMany(r => r.Points).Select(p => p.TestAccuracy).ToList(), 0, 1));
        for (int r = 0; r < runs.Count; r++)
            model.Series.Add(RunLine(runs[r].Label, PlotStyle.PaletteColor(r), "x", "acc",
                runs[r].Points.OrderBy(p => p.PrunedFraction).Select(p => new DataPoint(p.PrunedFraction, p.TestAccuracy)), inLegend: true));
        model.Legends.Add(PlotStyle.NewLegend(LegendPosition.LeftBottom));
        return model;
    }

    // The bottom axis (key "x") of the single-panel curves: whole epochs, or seconds.
    private static LinearAxis CurveXAxis(CurveAxis axis)
    {
        bool byEpoch = axis == CurveAxis.Epoch;
        return PlotStyle.Styled(new LinearAxis
        {
            Key = "x",
            Position = AxisPosition.Bottom,
            Title = byEpoch ? "Epoch" : "Wall time (s)",
            MinimumMajorStep = byEpoch ? 1 : 0,
            StringFormat = byEpoch ? "0" : null,
            MajorGridlineStyle = LineStyle.Solid,
        });
    }

    private static LinearAxis AccuracyAxis(string key, IReadOnlyList<double> values, double start, double end)
    {
        // Accuracies are fractions; show them as percentages. Values above 1 are taken as percentages already.
        bool fractions = values.Count == 0 || values.Max() <= 1.0;
        return PlotStyle.Styled(new LinearAxis
        {
            Key = key,
            Position = AxisPosition.Left,
            Title = fractions ? "Test accuracy" : "Test accuracy (%)",
            StringFormat = fractions ? "0%" : "0",
            StartPosition = start,
            EndPosition = end,
            MaximumPadding = 0.06,
            MinimumPadding = 0.06,
            MajorGridlineStyle = LineStyle.Solid,
            MinorGridlineStyle = LineStyle.None,
        });
    }

    private static LinearAxis ValueAxis(string key, string title) => PlotStyle.Styled(new LinearAxis
    {
        Key = key,
        Position = AxisPosition.Left,
        Title = title,
        MaximumPadding = 0.06,
        MinimumPadding = 0.06,
        MajorGridlineStyle = LineStyle.Solid,
        MinorGridlineStyle = LineStyle.None,
    });

    private static LineSeries RunLine(string label, OxyColor color, string xKey, string yKey, IEnumerable<DataPoint> points, bool inLegend)
    {
        var line = new LineSeries
        {
            Title = label,
            XAxisKey = xKey,
            YAxisKey = yKey,
            Color = color,
            StrokeThickness = 2,
            MarkerType = MarkerType.Circle,
            MarkerSize = 3.5,
            MarkerFill = color,
            RenderInLegend = inLegend,
        };
        line.Points.AddRange(points);
        return line;
    }
}
