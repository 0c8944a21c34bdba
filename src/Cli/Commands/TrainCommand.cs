using System.Globalization;
using SpikeLfp.Learning.Training;
using SpikeLfp.Network.Model;

namespace SpikeLfp.Cli.Commands;

/// <summary>spikelfp train: trains a spiking network and writes metrics.json and model.json.</summary>
public sealed class TrainCommand : ICommand
{
    public string Name => "train";
    public string Summary => "train a spiking network with LFP on a data set";
    public string Help => $"""
        spikelfp train [flags]
          Trains a LIF network with Layer-wise Feedback Propagation (no surrogate gradient) and writes
          metrics.json and model.json into --out.
          --rule lfp         the learning rule (lfp)
        {CommonOptions.TrainingHelp}
        """;

    public int Run(IReadOnlyList<string> args, TextWriter output)
    {
        var a = new Arguments(Name, args, CommonOptions.TrainingFlags.Append("rule").ToHashSet(), CommonOptions.TrainingSwitches.ToHashSet());
        a.Choice("rule", "lfp", "lfp");
        var options = CommonOptions.Training(a);
        var data = CommonOptions.Data(a);
        var network = CommonOptions.Network(a, data.Train, options.Seed);
        var backend = Backends.Cpu(a);
        string folder = CommonOptions.OutputFolder(a, Name);

        output.WriteLine($"LFP on {data.Train.Name}: model {network.Spec}, T={options.Steps}, batch {options.BatchSize}, {options.Optimizer} lr {options.LearningRate.ToString(CultureInfo.InvariantCulture)}, seed {options.Seed}, {data.Train.Count} train / {data.Test.Count} test samples");
        var trainer = new LfpTrainer(network, options, backend, new Learning.Lfp.CpuLfpBackend(backend));
        var epochs = new List<EpochMetrics>();
        for (int epoch = 1; epoch <= options.Epochs; epoch++)
        {
            var bar = new ProgressBar($"epoch {epoch}/{options.Epochs}", data.Train.Count);
            var m = trainer.TrainEpoch(data.Train, data.Test, epoch, bar);
            bar.Clear();
            epochs.Add(m);
            output.WriteLine(EpochLine(m, options.Epochs));
        }
        var report = new TrainingReport("lfp", data.Train.Name, network.Spec, options.Steps, options.Seed, epochs);
        report.Save(Path.Combine(folder, "metrics.json"));
        ModelFile.Save(network, Path.Combine(folder, "model.json"));
        output.WriteLine($"test accuracy {report.TestAccuracy:P2}; wrote {Path.Combine(folder, "metrics.json")} and {Path.Combine(folder, "model.json")}");
        return 0;
    }

    /// <summary>The one line printed per epoch.</summary>
    public static string EpochLine(EpochMetrics m, int epochs)
        => string.Create(CultureInfo.InvariantCulture,
            $"epoch {m.Epoch,3}/{epochs}  train {m.TrainAccuracy:P2}  test {m.TestAccuracy:P2}  reward {m.MeanReward:F4}  spikes {string.Join(" ", m.SpikeRates.Select(r => $"{r.Key}={r.Value:P1}"))}  {m.Seconds:F1}s  {m.SamplesPerSecond:F0} samples/s");
}
