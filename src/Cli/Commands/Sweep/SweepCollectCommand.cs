using SpikeLfp.Sweeps;

namespace SpikeLfp.Cli.Commands.Sweep;

/// <summary>spikelfp sweep collect S: results.csv, results.json, report.md and plots from the finished tasks.</summary>
public sealed class SweepCollectCommand : ICommand
{
    public string Name => "collect";
    public string Summary => "collect the finished tasks into report.md, results.csv, results.json and plots";
    public string Description => """
        Reads the metrics of every finished task and writes into S: results.csv and results.json (one row per task, rule and seed), report.md with a table per configuration over seeds (mean, sd, min, max), accuracy.png/.svg (every seed, range and mean per configuration) and curves.png/.svg (training curves of the best configurations, mean and range over seeds). Works on a partial sweep and lists what is missing.
        """;

    public IReadOnlyList<Operand> Operands { get; } = [SweepCommand.Folder];

    public int Run(Arguments a, TextWriter output)
    {
        var sweep = SweepCommand.Open(Name, a);
        var results = SweepResults.Collect(sweep);
        if (results.Results.Count == 0)
            throw new UsageException($"sweep collect: no task of '{a.Operand(SweepCommand.Folder.Name)!}' is finished yet ({sweep.Tasks.Count} tasks; see spikelfp sweep status {a.Operand(SweepCommand.Folder.Name)!}).");
        results.Save(sweep);
        SweepReport.Write(sweep, results);
        int finished = sweep.Tasks.Count - results.Missing.Count;
        output.Write(SweepReport.Table(results));
        output.WriteLine($"wrote report.md, results.csv, results.json, {SweepReport.AccuracyPng} and {SweepReport.CurvesPng} to {a.Operand(SweepCommand.Folder.Name)!} ({finished} of {sweep.Tasks.Count} tasks)");
        if (results.Missing.Count > 0)
            output.WriteLine($"missing {results.Missing.Count} tasks: {SweepReport.MissingSummary(results)}");
        return 0;
    }
}
