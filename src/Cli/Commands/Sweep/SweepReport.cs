using System.Globalization;
using System.Text;
using SpikeLfp.Network.IO;
using SpikeLfp.Sweeps;
using SpikeLfp.Viz;

namespace SpikeLfp.Cli.Commands.Sweep;

/// <summary>The report.md of a sweep and its two plots.</summary>
public static class SweepReport
{
    /// <summary>Final accuracy per configuration.</summary>
    public const string AccuracyPng = "accuracy.png";
    private const string AccuracySvg = "accuracy.svg";
    /// <summary>Training curves of the best configurations.</summary>
    public const string CurvesPng = "curves.png";
    private const string CurvesSvg = "curves.svg";
    /// <summary>How many of the best configurations the curves show.</summary>
    public const int CurvesShown = 4;

    private static readonly string[] Columns = ["configuration", "seeds", "mean", "sd", "min", "max"];

    /// <summary>Writes report.md and the plots into the sweep folder.</summary>
    public static void Write(SweepFolder sweep, SweepResults results)
    {
        var accuracy = Plots.AccuracyByConfiguration(results.Configurations.Select(c => new ConfigurationAccuracy(c.Label, c.Accuracy.Values)).ToList());
        int height = Math.Max(400, 120 + 28 * results.Configurations.Count);
        PlotExport.Save(accuracy, sweep.Full(AccuracyPng), 1200, height);
        PlotExport.Save(accuracy, sweep.Full(AccuracySvg), 1200, height);
        var best = results.Configurations.Where(c => c.Runs.All(r => r.Curve.Count > 0)).Take(CurvesShown).ToList();
        var curves = Plots.TrainingCurveBands(best.Select(Band).ToList(), $"Test accuracy by epoch of the {best.Count} best configurations, mean and range over seeds");
        PlotExport.Save(curves, sweep.Full(CurvesPng), PlotExport.CurvesWidth, PlotExport.CurvesHeight);
        PlotExport.Save(curves, sweep.Full(CurvesSvg), PlotExport.CurvesWidth, PlotExport.CurvesHeight);
        AtomicFile.WriteAllText(sweep.Full("report.md"), Markdown(sweep, results));
    }

    /// <summary>The configurations table as plain text, best first.</summary>
    public static string Table(SweepResults results) => Tables.Aligned(Columns, results.Configurations.Select(Cells).ToList());

    /// <summary>The missing tasks, counted by state.</summary>
    public static string MissingSummary(SweepResults results)
        => string.Join(", ", results.Missing.GroupBy(m => m.Status).Select(g => $"{g.Count()} {g.Key.ToString().ToLowerInvariant()} (tasks {SlurmArray.IndexList(g.Select(m => m.Task.Index))})"));

    private static IReadOnlyList<string> Cells(ConfigurationResult c) =>
    [
        c.Label,
        Invariant($"{c.Runs.Count}"),
        Percent(c.Accuracy.Mean),
        Invariant($"{c.Accuracy.StandardDeviation * 100:F2}"),
        Percent(c.Accuracy.Min),
        Percent(c.Accuracy.Max),
    ];

    // Mean and range over the seeds at each epoch; the seeds of a configuration run the same number of epochs.
    private static RunBand Band(ConfigurationResult c)
    {
        int epochs = c.Runs.Min(r => r.Curve.Count);
        return new RunBand(c.Label, Enumerable.Range(0, epochs).Select(e =>
        {
            var at = c.Runs.Select(r => r.Curve[e]).ToArray();
            return new BandPoint(e + 1, at.Average(), at.Min(), at.Max());
        }).ToList());
    }

    private static string Markdown(SweepFolder sweep, SweepResults results)
    {
        var md = new StringBuilder();
        int finished = sweep.Tasks.Count - results.Missing.Count;
        md.AppendLine($"# Sweep {Path.GetFileName(sweep.Path)}");
        md.AppendLine();
        md.AppendLine($"{finished} of {sweep.Tasks.Count} tasks finished ({sweep.Tasks[0].Command}; the tasks' command lines are in tasks.jsonl, every result in results.csv).");
        if (results.Missing.Count > 0)
        {
            md.AppendLine();
            md.AppendLine($"**Partial:** missing {MissingSummary(results)}. The table and plots cover the finished tasks only.");
            foreach (var m in results.Missing.Where(m => m.Failure is not null))
                md.AppendLine($"- task {m.Task.Index} ({m.Task.Label}) failed with exit {m.Failure!.ExitCode}: `{m.Failure.LastError}`");
        }
        md.AppendLine();
        md.AppendLine("## Final test accuracy per configuration");
        md.AppendLine();
        md.AppendLine("Over seeds, best mean first: mean, sample standard deviation (percentage points), lowest and highest seed.");
        md.AppendLine();
        Tables.Markdown(md, Columns, results.Configurations.Select(Cells));
        md.AppendLine();
        Tables.Figure(md, "accuracy per configuration", AccuracyPng, AccuracySvg);
        md.AppendLine();
        md.AppendLine("## Training curves of the best configurations");
        md.AppendLine();
        md.AppendLine($"Test accuracy after each epoch of the {CurvesShown} best configurations: mean over seeds, band from the lowest to the highest seed.");
        md.AppendLine();
        Tables.Figure(md, "training curves", CurvesPng, CurvesSvg);
        return md.ToString();
    }

    private static string Percent(double x) => Invariant($"{x * 100:F2}%");
    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
