// LFP against surrogate-gradient BPTT on the same network, data and seed: what `spikelfp compare` does, through
// the library. Both trainers start from the same initial weights and report the same EpochMetrics.
// Run: dotnet run --project examples/Compare -c Release
using SpikeLfp.Data;
using SpikeLfp.Learning.Surrogate;
using SpikeLfp.Learning.Training;
using SpikeLfp.Network.Model;
using SpikeLfp.Neurons;
using SpikeLfp.Viz;

const int epochs = 10, seed = 0;
var data = DigitsDataset.Load();                                   // 8x8 digits, pixels in [-1, 1]
var neurons = new LifParameters(beta: 0.9f, threshold: 1f);
SpikingNetwork NewNetwork() => SpikingNetwork.Create([64, 100, 10], neurons, seed);  // same seed: same initial weights

var lfp = new LfpTrainer(NewNetwork(), new TrainingOptions { Steps = 15, Epochs = epochs, BatchSize = 32, Seed = seed });
using var surrogate = new SurrogateGradientTrainer(NewNetwork(), new SurrogateGradientOptions
{
    Steps = 15, BatchSize = 32, Seed = seed,
    Surrogate = SurrogateSpec.Parse("atan"),                       // arctan surrogate derivative, snnTorch's default
    Trainer = new SurrogateBatchTrainerOptions(SurrogateOptimizer.Adam, LearningRate: 1e-3),
});

var lfpCurve = new List<CurvePoint>();
var surrogateCurve = new List<CurvePoint>();
for (int epoch = 1; epoch <= epochs; epoch++)
{
    var a = lfp.TrainEpoch(data.Train, data.Test, epoch);
    var b = surrogate.TrainEpoch(data.Train, data.Test, epoch);
    lfpCurve.Add(new CurvePoint(epoch, a.Seconds, a.TestAccuracy));
    surrogateCurve.Add(new CurvePoint(epoch, b.Seconds, b.TestAccuracy));
    Console.WriteLine($"epoch {epoch,2}: LFP {a.TestAccuracy:P1} (hidden spikes {a.SpikeRates["hidden1"]:P1}), " +
                      $"surrogate atan {b.TestAccuracy:P1} (hidden spikes {b.SpikeRates["hidden1"]:P1})");
}

PlotExport.Save(Plots.TrainingCurves([new RunCurve("LFP", lfpCurve), new RunCurve("surrogate atan", surrogateCurve)]),
    "compare-curves.png");
Console.WriteLine("wrote compare-curves.png");
