using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using SpikeLfp.Network.IO;

namespace SpikeLfp.Learning.Training;

/// <summary>What one epoch measured. Shared by every training rule, so runs can be compared.</summary>
/// <param name="Epoch">The epoch (1-based).</param>
/// <param name="TrainAccuracy">Fraction of training samples predicted correctly (before each batch's update).</param>
/// <param name="TestAccuracy">Fraction of test samples predicted correctly after the epoch.</param>
/// <param name="MeanObjective">
/// Mean per-sample value of what the rule optimises: LFP's reward (higher is better) or the surrogate rule's loss
/// (lower is better); the run's rule says which. metrics.json keeps the key <c>mean_reward</c> for it, as files
/// written before have it.
/// </param>
/// <param name="SpikeRates">Spikes per neuron and step in training, per layer name.</param>
/// <param name="Seconds">Wall time of the epoch, evaluation included.</param>
/// <param name="SamplesPerSecond">Training samples per second.</param>
public sealed record EpochMetrics(
    int Epoch,
    double TrainAccuracy,
    double TestAccuracy,
    double MeanObjective,
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
        ["mean_reward"] = MeanObjective,
        ["spike_rates"] = new JObject(SpikeRates.Select(p => new JProperty(p.Key, p.Value))),
        ["seconds"] = Seconds,
        ["samples_per_second"] = SamplesPerSecond,
    };

    /// <summary>Reads an epoch back from <see cref="ToJson"/>; every field must be there and in its range.</summary>
    /// <exception cref="FormatException">A field is missing, not a number, not finite or out of range; the message names it.</exception>
    public static EpochMetrics FromJson(JObject json)
    {
        if (json["spike_rates"] is not JObject rates) throw new FormatException("'spike_rates' is missing or not an object.");
        return new EpochMetrics((int)FiniteNumber(json, "epoch", 1, int.MaxValue, whole: true),
            FiniteNumber(json, "train_accuracy", 0, 1), FiniteNumber(json, "test_accuracy", 0, 1),
            FiniteNumber(json, "mean_reward", double.MinValue, double.MaxValue),
            rates.Properties().ToDictionary(p => p.Name, p => FiniteNumber(rates, p.Name, 0, 1)),
            FiniteNumber(json, "seconds", 0, double.MaxValue), FiniteNumber(json, "samples_per_second", 0, double.MaxValue));
    }

    /// <summary>
    /// The number under <paramref name="key"/>, finite and in [<paramref name="min"/>, <paramref name="max"/>] (whole when
    /// asked): a missing field, a "NaN" string, 1e30 epochs or a negative count are refused, not read as 0 or cast.
    /// </summary>
    /// <exception cref="FormatException">The message names the key and what it holds.</exception>
    internal static double FiniteNumber(JObject json, string key, double min, double max, bool whole = false)
    {
        if (json[key] is not { Type: JTokenType.Integer or JTokenType.Float } token)
            throw new FormatException($"'{key}' is {(json[key] is { } t ? t.ToString(Formatting.None) : "missing")}, expected a number.");
        double value = token.Value<double>();
        if (!double.IsFinite(value) || value < min || value > max || (whole && value != Math.Floor(value)))
            throw new FormatException($"'{key}' is {token.ToString(Formatting.None)}, expected a finite {(whole ? "whole " : "")}number in [{Bound(min)}, {Bound(max)}].");
        return value;
    }

    private static string Bound(double x) => Math.Abs(x) >= 1e15 ? (x < 0 ? "-inf" : "inf") : x.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>A whole training run: settings and per-epoch metrics; written as metrics.json.</summary>
public sealed record TrainingReport(TrainingRule Rule, string Dataset, string Model, int Steps, int Seed, IReadOnlyList<EpochMetrics> Epochs)
{
    /// <summary>Test accuracy after the last epoch (NaN before any epoch).</summary>
    public double TestAccuracy => Epochs.Count == 0 ? double.NaN : Epochs[^1].TestAccuracy;

    /// <summary>The metrics.json document.</summary>
    public JObject ToJson() => new()
    {
        ["rule"] = Rule.Name,
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
