using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using SpikeLfp.Learning.Surrogate;
using SpikeLfp.Learning.Training;
using SpikeLfp.Network.IO;
using SpikeLfp.Network.Simulation;

namespace SpikeLfp.Cli.Commands;

/// <summary>
/// compare-progress.json: the arguments of a comparison and every (seed, rule) run finished so far, saved atomically
/// after each run, so an interrupted comparison continues with --resume from the first unfinished run. A run stopped
/// part-way also leaves its checkpoint (<see cref="CheckpointPath"/>) and continues from it bit-identically: an LFP run
/// from the batch it stopped at, a surrogate run from its last finished epoch (the epoch in progress is trained again,
/// which, being deterministic, ends the same).
/// </summary>
public sealed record CompareProgress(IReadOnlyList<string> Arguments, IReadOnlyList<RuleRun> Runs)
{
    /// <summary>The file name inside the output folder.</summary>
    public const string FileName = "compare-progress.json";
    private const string Format = "spikelfp-compare-progress";
    private const int Version = 1;

    /// <summary>The checkpoint of the LFP run of <paramref name="seed"/> stopped part-way, inside <paramref name="folder"/>.</summary>
    public static string LfpCheckpointPath(string folder, int seed) => CheckpointPath(folder, TrainingRule.Lfp, seed);

    /// <summary>
    /// The checkpoint of the run of <paramref name="rule"/> from <paramref name="seed"/> stopped part-way, inside
    /// <paramref name="folder"/>: compare-lfp-seed0.checkpoint.json, compare-surrogate-atan-seed0.checkpoint.json, ...
    /// </summary>
    public static string CheckpointPath(string folder, TrainingRule rule, int seed) => Path.Combine(folder, $"compare-{rule.Label.Replace(' ', '-')}-seed{seed}.checkpoint.json");

    /// <summary>The run of <paramref name="rule"/> from <paramref name="seed"/>, if it finished.</summary>
    public RuleRun? Find(TrainingRule rule, int seed) => Runs.FirstOrDefault(r => r.Rule == rule && r.Seed == seed);

    /// <summary>Writes the file into <paramref name="folder"/> atomically.</summary>
    public void Save(string folder) => AtomicFile.WriteAllText(Path.Combine(folder, FileName), new JObject
    {
        ["format"] = Format,
        ["version"] = Version,
        ["arguments"] = new JArray(Arguments),
        ["runs"] = new JArray(Runs.Select(ToJson)),
    }.ToString(Formatting.Indented));

    /// <summary>Reads the file of <paramref name="folder"/>.</summary>
    /// <exception cref="UsageException">Missing, unreadable or malformed; the message names the file.</exception>
    public static CompareProgress Load(string folder)
    {
        string path = Path.Combine(folder, FileName);
        try
        {
            var root = JObject.Parse(InputFile.ReadAllText(path, InputFile.MaxSmallFileBytes));
            if (root.Value<string>("format") != Format || root["version"] is not { Type: JTokenType.Integer } version || version.Value<int>() != Version)
                throw new FormatException($"not a version-{Version} {Format} file");
            var arguments = ((JArray)root["arguments"]!).Select(t => t.Value<string>() ?? throw new FormatException("an argument is null")).ToArray();
            var runs = ((JArray)root["runs"]!).Cast<JObject>().Select(FromJson).ToArray();
            return new CompareProgress(arguments, runs);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"--resume: cannot read {FileErrorMessage.Describe(e)}.");
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidCastException or NullReferenceException or ArgumentException)
        {
            throw new UsageException($"--resume: {path} is not a valid {FileName} ({e.Message}).");
        }
    }

    private static JObject ToJson(RuleRun run) => new()
    {
        ["rule"] = run.Rule.Key,
        ["seed"] = run.Seed,
        ["initial_test_accuracy"] = run.InitialTestAccuracy,
        ["epochs"] = new JArray(run.Epochs.Select(e => e.ToJson())),
        ["hidden_spike_rate"] = run.HiddenSpikeRate,
        ["near_zero_weight_fraction"] = run.NearZeroWeightFraction,
        ["test_synapses"] = new JObject
        {
            ["samples"] = run.TestSynapses.Samples,
            ["spike_accumulates"] = run.TestSynapses.SpikeAccumulates,
            ["input_multiply_accumulates"] = run.TestSynapses.InputMultiplyAccumulates,
            ["dense_multiply_accumulates"] = run.TestSynapses.DenseMultiplyAccumulates,
        },
    };

    private static RuleRun FromJson(JObject json)
    {
        string rule = json.Value<string>("rule") ?? throw new FormatException("a run has no 'rule'");
        var synapses = (JObject)json["test_synapses"]!;
        return new RuleRun(
            TrainingRule.Parse(rule),
            json.Value<int>("seed"),
            json.Value<double>("initial_test_accuracy"),
            ((JArray)json["epochs"]!).Cast<JObject>().Select(EpochMetrics.FromJson).ToArray(),
            json.Value<double?>("hidden_spike_rate"),
            json.Value<double>("near_zero_weight_fraction"),
            new SynapticCost(synapses.Value<int>("samples"), synapses.Value<long>("spike_accumulates"),
                synapses.Value<long>("input_multiply_accumulates"), synapses.Value<long>("dense_multiply_accumulates")));
    }
}
