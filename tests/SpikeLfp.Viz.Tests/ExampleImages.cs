using NUnit.Framework;

namespace SpikeLfp.Viz.Tests;

/// <summary>Writes one example of every figure to /tmp/spikelfp-viz (or $SPIKELFP_VIZ_OUT) for a person to look at.</summary>
[Explicit("writes example images for review")]
public class ExampleImages
{
    [Test]
    public void Write_examples()
    {
        string dir = Environment.GetEnvironmentVariable("SPIKELFP_VIZ_OUT") ?? "/tmp/spikelfp-viz";
        var rec = TestData.SmallRecording();
        var big = TestData.RandomRaster(500, [784, 200, 10], [40_000, 6_000, 300], ["input", "hidden1", "output"]);
        var million = TestData.RandomRaster(1000, [784, 500, 10], [600_000, 398_000, 2_000], ["input", "hidden1", "output"]);

        PlotExport.Save(Plots.SpikeRaster(rec, 1), Path.Combine(dir, "raster-small.png"));
        PlotExport.Save(Plots.SpikeRaster(rec, 1), Path.Combine(dir, "raster-small.svg"));
        PlotExport.Save(Plots.SpikeRaster(big, 500, "Spike raster, sample 17: label 4, prediction 6 (wrong)", 4, 6), Path.Combine(dir, "raster-large.png"));
        PlotExport.Save(Plots.SpikeRaster(million, 1000, "Spike raster, 1,000,000 spikes", 4, 4), Path.Combine(dir, "raster-million.png"));
        PlotExport.Save(Plots.MembraneTraces(rec.Output, 0, [0, 1, 2]), Path.Combine(dir, "membrane.png"));
        PlotExport.Save(Plots.SpikeCountHistogram(rec), Path.Combine(dir, "spike-counts.png"));
        PlotExport.Save(Plots.FiringRateHistogram(rec), Path.Combine(dir, "firing-rates.png"));
        PlotExport.Save(Plots.WeightMagnitudes(TestData.Weights(), logCount: true), Path.Combine(dir, "weights.png"));
        PlotExport.Save(Plots.TrainingCurves(TestData.Runs()), Path.Combine(dir, "training-curves.png"));
        PlotExport.Save(Plots.TrainingCurves(TestData.Runs(), CurveAxis.WallTime), Path.Combine(dir, "training-walltime.png"));
        PlotExport.Save(Plots.TrainingCurveBands(TestData.Bands()), Path.Combine(dir, "training-bands.png"));
        PlotExport.Save(Plots.PruningCurve(TestData.Pruning()), Path.Combine(dir, "pruning.png"));
        TestContext.Out.WriteLine($"examples in {dir}");
    }
}
