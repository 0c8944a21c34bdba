using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using SpikeLfp.Network.IO;

namespace SpikeLfp.Cli;

/// <summary>
/// What an experiment stopped by SIGINT or SIGTERM has measured so far: every epoch of every run that reported one,
/// each run marked finished or not. An experiment's summary, plots and report need every run, so a stopped one
/// writes these numbers alone, as partial.json, marked partial so nobody takes them for the experiment's result.
/// Experiments do not resume (their runs train side by side and most stop part-way); the message says to rerun.
/// </summary>
/// <remarks>Epochs arrive from the runs' own threads, so every method takes a lock.</remarks>
public sealed class PartialResults(string command, IReadOnlyList<string> arguments, int runs, int epochs)
{
    /// <summary>The file name inside the output folder.</summary>
    public const string FileName = "partial.json";

    // Per run (seed, rule), its epochs in the order they arrived.
    private readonly Dictionary<(int Seed, string Rule), List<JObject>> _runs = [];

    /// <summary>
    /// Records one epoch of the run of <paramref name="rule"/> from <paramref name="seed"/>: <paramref name="entry"/>
    /// holds its numbers, "epoch" among them (0: the untrained network).
    /// </summary>
    public void Add(int seed, string rule, JObject entry)
    {
        lock (_runs)
        {
            if (!_runs.TryGetValue((seed, rule), out var list)) _runs[(seed, rule)] = list = [];
            list.Add(entry);
        }
    }

    /// <summary>
    /// Writes partial.json into <paramref name="folder"/> (atomically) and returns the exception that ends the command
    /// with exit 130, saying what was saved and how to get the whole result.
    /// </summary>
    public RunInterruptedException Save(string folder)
    {
        string path = Path.Combine(folder, FileName);
        JObject json;
        int finished;
        lock (_runs)
        {
            var started = _runs.OrderBy(r => r.Key.Seed).ThenBy(r => r.Key.Rule, StringComparer.Ordinal).ToList();
            finished = started.Count(r => r.Value.Any(e => e.Value<int>("epoch") == epochs));
            json = new JObject
            {
                ["partial"] = true,
                ["note"] = "stopped by SIGINT or SIGTERM before every run finished: per-run epochs measured so far only; no summary, plots or report. Runs with finished = false stopped part-way.",
                ["command"] = $"spikelfp {command}",
                ["arguments"] = new JArray(arguments),
                ["epochs"] = epochs,
                ["runs"] = new JArray(started.Select(r => new JObject
                {
                    ["seed"] = r.Key.Seed,
                    ["rule"] = r.Key.Rule,
                    ["finished"] = r.Value.Any(e => e.Value<int>("epoch") == epochs),
                    ["curve"] = new JArray(r.Value.OrderBy(e => e.Value<int>("epoch"))),
                })),
            };
        }
        AtomicFile.WriteAllText(path, json.ToString(Formatting.Indented));
        string again = string.Join(" ", arguments.Where(x => x != "--" + OutputFolder.OverwriteSwitch).Select(Quoted));
        return new RunInterruptedException(
            $"interrupted at a batch boundary; the epochs measured so far ({finished} of {runs} runs finished) are in {path}, marked partial: no summary, plots or report. " +
            $"An experiment does not resume: for the whole result run it again: spikelfp {command} {again} --{OutputFolder.OverwriteSwitch}");
    }

    private static string Quoted(string argument) => argument.Length == 0 || argument.Any(char.IsWhiteSpace) ? $"\"{argument}\"" : argument;
}
