using System.Globalization;
using System.Text;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using SpikeLfp.Learning.Experiments;
using SpikeLfp.Learning.Surrogate;
using SpikeLfp.Learning.Training;
using SpikeLfp.Network.IO;

namespace SpikeLfp.Sweeps;

/// <summary>The final metrics of one rule and seed of a finished task.</summary>
/// <param name="Task">The task.</param>
/// <param name="Rule">
/// The rule: LFP, or a surrogate. Run files name a surrogate by its kind only ("surrogate atan"), so the rule carries
/// that kind's default parameter; <see cref="TrainingRule.Label"/> is what results.csv and results.json show.
/// </param>
/// <param name="Seed">The seed of the run.</param>
/// <param name="TestAccuracy">Test accuracy after the last epoch.</param>
/// <param name="TrainAccuracy">Training accuracy of the last epoch (train only; compare does not record it).</param>
/// <param name="Curve">Test accuracy after each epoch, epoch 1 first.</param>
/// <param name="Seconds">Wall-clock seconds of the run.</param>
public sealed record TaskResult(SweepTask Task, TrainingRule Rule, int Seed, double TestAccuracy, double? TrainAccuracy, IReadOnlyList<double> Curve, double Seconds)
{
    /// <summary>The configuration: the rule and every setting but the seed.</summary>
    public string Configuration => string.Join(" ", new[] { Rule.Label }.Concat(
        Task.Settings.Where(p => !SweepResults.SeedFlags.Contains(p.Key)).Select(p => p.Value.Length == 0 ? p.Key : $"{p.Key}={p.Value}")));
}

/// <summary>The results of one configuration over its seeds.</summary>
/// <param name="Label">The configuration (see <see cref="TaskResult.Configuration"/>).</param>
/// <param name="Runs">Its runs, in task order.</param>
public sealed record ConfigurationResult(string Label, IReadOnlyList<TaskResult> Runs)
{
    /// <summary>Final test accuracy over the seeds.</summary>
    public SeedSpread Accuracy { get; } = new(Runs.Select(r => r.TestAccuracy).ToArray());
}

/// <summary>
/// What a sweep produced so far: the results of its finished tasks, grouped into configurations over seeds, and the
/// tasks still missing. Written as results.csv (one row per rule and seed) and results.json.
/// </summary>
/// <param name="Results">Every result, in task order.</param>
/// <param name="Configurations">The results grouped over seeds, best mean test accuracy first.</param>
/// <param name="Missing">Tasks without results (pending, running, failed), with their states.</param>
public sealed record SweepResults(IReadOnlyList<TaskResult> Results, IReadOnlyList<ConfigurationResult> Configurations, IReadOnlyList<TaskState> Missing)
{
    /// <summary>Flags that only choose a seed: the configurations are grouped over them.</summary>
    public static readonly IReadOnlySet<string> SeedFlags = new HashSet<string> { "seed", "seeds" };

    /// <summary>Reads the metrics of every finished task of <paramref name="folder"/>.</summary>
    public static SweepResults Collect(SweepFolder folder)
    {
        var states = TaskState.All(folder);
        var results = new List<TaskResult>();
        var missing = new List<TaskState>();
        foreach (var state in states)
        {
            if (state.Status != SweepTaskStatus.Done) { missing.Add(state); continue; }
            results.AddRange(Read(folder, state.Task));
        }
        var configurations = results.GroupBy(r => r.Configuration)
            .Select(g => new ConfigurationResult(g.Key, g.ToList()))
            .OrderByDescending(c => c.Accuracy.Mean).ThenBy(c => c.Runs[0].Task.Index).ToList();
        return new SweepResults(results, configurations, missing);
    }

    private static IEnumerable<TaskResult> Read(SweepFolder folder, SweepTask task)
    {
        string run = folder.Files(task).Run;
        string metrics = Path.Combine(run, "metrics.json"), comparison = Path.Combine(run, "comparison.json");
        if (File.Exists(metrics)) return [FromMetrics(task, Load(metrics))];
        if (File.Exists(comparison)) return FromComparison(task, Load(comparison));
        throw new SweepException($"task {task.Index} is done but {run} has neither metrics.json nor comparison.json.");
    }

    // train's metrics.json: one rule, one seed, per-epoch metrics.
    private static TaskResult FromMetrics(SweepTask task, JObject m)
    {
        var epochs = (JArray)m["epochs"]!;
        var last = epochs.Last!;
        return new TaskResult(task, Rule(m.Value<string>("rule"), null), m.Value<int>("seed"), last.Value<double>("test_accuracy"), last.Value<double>("train_accuracy"),
            epochs.Select(e => e.Value<double>("test_accuracy")).ToArray(), epochs.Sum(e => e.Value<double>("seconds")));
    }

    // compare's comparison.json: one row per rule, each over the task's seeds.
    private static IEnumerable<TaskResult> FromComparison(SweepTask task, JObject c)
    {
        foreach (var row in ((JArray)c["rows"]!).Cast<JObject>())
        {
            var rule = Rule(row.Value<string>("rule"), row.Value<string>("surrogate"));
            var seeds = row["seeds"]!.Values<int>().ToArray();
            var accuracies = row["test_accuracy_per_seed"]!.Values<double>().ToArray();
            var curves = row["test_accuracy_by_epoch"] as JArray;
            for (int i = 0; i < seeds.Length; i++)
                yield return new TaskResult(task, rule, seeds[i], accuracies[i], null,
                    curves is null ? Array.Empty<double>() : curves[i].Select(v => (double)v).ToArray(), row.Value<double>("seconds"));
        }
    }

    // The rule of a metrics.json or a comparison row: "lfp", or "surrogate" and the surrogate's kind.
    private static TrainingRule Rule(string? rule, string? surrogate)
    {
        try { return surrogate is null && rule == TrainingRule.LfpName ? TrainingRule.Lfp : new TrainingRule(SurrogateSpec.Parse(surrogate ?? "")); }
        catch (FormatException) { throw new SweepException($"unknown rule '{rule}'{(surrogate is null ? "" : $" with surrogate '{surrogate}'")}: expected lfp or a surrogate."); }
    }

    private static JObject Load(string path)
    {
        try { return JObject.Parse(File.ReadAllText(path)); }
        catch (JsonException e) { throw new SweepException($"{path}: not valid JSON ({e.Message})"); }
    }

    /// <summary>The settings columns of the CSV: every setting any task has, in plan order, but the seed (a column of its own).</summary>
    public IReadOnlyList<string> SettingNames => Results.SelectMany(r => r.Task.Settings.Keys).Distinct().Where(n => !SeedFlags.Contains(n)).ToList();

    /// <summary>results.csv: one row per task, rule and seed.</summary>
    public string ToCsv()
    {
        var names = SettingNames;
        var csv = new StringBuilder();
        csv.AppendLine(string.Join(",", new[] { "task", "configuration", "rule", "seed" }.Concat(names).Concat(["test_accuracy", "train_accuracy", "epochs", "seconds"]).Select(Cell)));
        foreach (var r in Results)
            csv.AppendLine(string.Join(",", new[] { Invariant(r.Task.Index), r.Configuration, r.Rule.Label, Invariant(r.Seed) }
                .Concat(names.Select(n => r.Task.Settings.TryGetValue(n, out var v) ? v : ""))
                .Concat([Invariant(r.TestAccuracy), r.TrainAccuracy is double t ? Invariant(t) : "", Invariant(r.Curve.Count), Invariant(Math.Round(r.Seconds, 3))])
                .Select(Cell)));
        return csv.ToString();
    }

    /// <summary>results.json: the results, the configurations with their spread over seeds, and what is missing.</summary>
    public JObject ToJson() => new()
    {
        ["tasks"] = Results.Select(r => r.Task.Index).Distinct().Count() + Missing.Count,
        ["finished"] = Results.Select(r => r.Task.Index).Distinct().Count(),
        ["configurations"] = new JArray(Configurations.Select(c => new JObject
        {
            ["configuration"] = c.Label,
            ["seeds"] = new JArray(c.Runs.Select(r => r.Seed)),
            ["test_accuracy_mean"] = c.Accuracy.Mean,
            ["test_accuracy_sd"] = c.Accuracy.StandardDeviation,
            ["test_accuracy_min"] = c.Accuracy.Min,
            ["test_accuracy_max"] = c.Accuracy.Max,
        })),
        ["results"] = new JArray(Results.Select(r => new JObject
        {
            ["task"] = r.Task.Index,
            ["configuration"] = r.Configuration,
            ["rule"] = r.Rule.Label,
            ["seed"] = r.Seed,
            ["settings"] = new JObject(r.Task.Settings.Select(p => new JProperty(p.Key, p.Value))),
            ["test_accuracy"] = r.TestAccuracy,
            ["train_accuracy"] = r.TrainAccuracy,
            ["test_accuracy_by_epoch"] = new JArray(r.Curve),
            ["seconds"] = r.Seconds,
        })),
        ["missing"] = new JArray(Missing.Select(m => new JObject
        {
            ["task"] = m.Task.Index,
            ["status"] = m.Status.ToString().ToLowerInvariant(),
            ["exit_code"] = m.Failure?.ExitCode,
            ["last_error"] = m.Failure?.LastError,
        })),
    };

    /// <summary>Writes results.csv and results.json into the sweep folder atomically.</summary>
    public void Save(SweepFolder folder)
    {
        AtomicFile.WriteAllText(folder.Full("results.csv"), ToCsv());
        AtomicFile.WriteAllText(folder.Full("results.json"), ToJson().ToString(Formatting.Indented));
    }

    private static string Cell(string text) => text.IndexOfAny([',', '"', '\n']) < 0 ? text : "\"" + text.Replace("\"", "\"\"") + "\"";

    private static string Invariant(double x) => x.ToString("R", CultureInfo.InvariantCulture);
    private static string Invariant(int x) => x.ToString(CultureInfo.InvariantCulture);
}
