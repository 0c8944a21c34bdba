using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using SpikeLfp.Network.IO;

namespace SpikeLfp.Learning.Training;

/// <summary>What one epoch measured. Shared by every training rule, so runs can be compared.</summary>
public sealed record EpochMetrics(
    int Epoch,
    double TrainAccuracy,
    double TestAccuracy,
    double MeanReward,
    IReadOnlyDictionary<string, double> SpikeRates,
    double Seconds,
    double SamplesPerSecond)
{
    /// <summary>JSON object with the keys of metrics.json.</summary>
    public JObject ToJson() => new()
    {
        ["epoch"] = Epoch,
        ["train_accuracy"] = TrainAccuracy,
        ["test_accuracy"] = TestAccuracy,
        ["mean_reward"] = MeanReward,
        ["spike_rates"] = new JObject(SpikeRates.Select(p => new JProperty(p.Key, p.Value))),
        ["seconds"] = Seconds,
        ["samples_per_second"] = SamplesPerSecond,
    };

    /// <summary>Reads an epoch back from <see cref="ToJson"/>.</summary>
    public static EpochMetrics FromJson(JObject json) => new(
        json.Value<int>("epoch"), json.Value<double>("train_accuracy"), json.Value<double>("test_accuracy"),
        json.Value<double>("mean_reward"),
        ((JObject)json["spike_rates"]!).Properties().ToDictionary(p => p.Name, p => p.Value.Value<double>()),
        json.Value<double>("seconds"), json.Value<double>("samples_per_second"));
}

/// <summary>A whole training run: settings and per-epoch metrics; written as metrics.json.</summary>
public sealed record TrainingReport(string Rule, string Dataset, string Model, int Steps, int Seed, IReadOnlyList<EpochMetrics> Epochs)
{
    /// <summary>Test accuracy after the last epoch (NaN before any epoch).</summary>
    public double TestAccuracy => Epochs.Count == 0 ? double.NaN : Epochs[^1].TestAccuracy;

    /// <summary>The metrics.json document.</summary>
    public JObject ToJson() => new()
    {
        ["rule"] = Rule,
        ["dataset"] = Dataset,
        ["model"] = Model,
        ["steps"] = Steps,
        ["seed"] = Seed,
        ["epochs"] = new JArray(Epochs.Select(e => e.ToJson())),
        ["test_accuracy"] = Epochs.Count == 0 ? null : TestAccuracy,
    };

    /// <summary>Writes metrics.json atomically.</summary>
    public void Save(string path) => AtomicFile.WriteAllText(path, ToJson().ToString(Formatting.Indented));
}
