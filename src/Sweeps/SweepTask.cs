using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace SpikeLfp.Sweeps;

/// <summary>
/// One task of a sweep: an exact spikelfp command line that writes into its own folder. Paths in
/// <see cref="Args"/> are relative to the sweep folder, where tasks run, so a sweep folder can be moved.
/// </summary>
/// <param name="Index">0-based number; also its SLURM array index.</param>
/// <param name="Folder">Its folder relative to the sweep folder, for example "tasks/0003".</param>
/// <param name="Args">The command line after "spikelfp", its --out inside <see cref="Folder"/>.</param>
/// <param name="Settings">The flags that differ between the sweep's tasks, with this task's values (its label).</param>
/// <param name="Checkpoints">True when an unfinished run continues with --resume from its checkpoint.</param>
public sealed record SweepTask(int Index, string Folder, IReadOnlyList<string> Args, IReadOnlyDictionary<string, string> Settings, bool Checkpoints)
{
    /// <summary>The command's output folder, relative to the sweep folder.</summary>
    public string RunFolder => Folder + "/run";

    /// <summary>The command this task runs: "train" or "compare".</summary>
    public string Command => Args[0];

    /// <summary>The settings as one short label, for example "lr=0.01 seed=2".</summary>
    public string Label => Settings.Count == 0 ? $"task {Index}" : string.Join(" ", Settings.Select(p => p.Value.Length == 0 ? p.Key : $"{p.Key}={p.Value}"));

    /// <summary>The line of tasks.jsonl.</summary>
    public string ToJsonLine() => new JObject
    {
        ["index"] = Index,
        ["folder"] = Folder,
        ["args"] = new JArray(Args),
        ["settings"] = new JObject(Settings.Select(p => new JProperty(p.Key, p.Value))),
        ["checkpoints"] = Checkpoints,
    }.ToString(Formatting.None);

    /// <summary>Reads a line of tasks.jsonl; <paramref name="where"/> names it in messages.</summary>
    public static SweepTask FromJsonLine(string line, string where)
    {
        try
        {
            var o = JObject.Parse(line);
            var task = new SweepTask(o.Value<int>("index"), o.Value<string>("folder")!, o["args"]!.Values<string>().Select(a => a!).ToArray(),
                ((JObject)o["settings"]!).Properties().ToDictionary(p => p.Name, p => (string)p.Value!), o.Value<bool>("checkpoints"));
            if (task.Args.Count == 0 || task.Folder.Length == 0) throw new FormatException("empty args or folder");
            return task;
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidCastException or NullReferenceException or ArgumentException)
        {
            throw new SweepException($"{where}: not a task line of spikelfp sweep plan ({e.Message.Split('\n')[0]})");
        }
    }
}
