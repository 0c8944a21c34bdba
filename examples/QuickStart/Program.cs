// Build a spiking network, train it with LFP on the embedded digits, evaluate it, save it.
// Run: dotnet run --project examples/QuickStart -c Release
using SpikeLfp.Data;
using SpikeLfp.Learning.Training;
using SpikeLfp.Network.Backends;
using SpikeLfp.Network.Encoding;
using SpikeLfp.Network.Model;
using SpikeLfp.Neurons;

var data = DigitsDataset.Load();                                   // 8x8 digits, pixels in [-1, 1]
var neurons = new LifParameters(beta: 0.9f, threshold: 1f);        // subtract reset, delayed (snntorch default)
var network = SpikingNetwork.Create([64, 100, 10], neurons, seed: 0);

var options = new TrainingOptions { Steps = 15, Epochs = 10, BatchSize = 32, LearningRate = 0.02f, Momentum = 0.9f, Seed = 0 };
var cpu = new CpuBackend();                                         // all cores; the trainer's forward and backward share it
var trainer = new LfpTrainer(network, options, cpu);
for (int epoch = 1; epoch <= options.Epochs; epoch++)
{
    var m = trainer.TrainEpoch(data.Train, data.Test, epoch);
    Console.WriteLine($"epoch {m.Epoch}: test accuracy {m.TestAccuracy:P1}, hidden spike rate {m.SpikeRates["hidden1"]:P1}");
}

double accuracy = Evaluator.Accuracy(network, data.Test, options.Steps, new ConstantCurrentEncoder(), backend: cpu);
Console.WriteLine($"final test accuracy {accuracy:P2}");
ModelFile.Save(network, "quickstart-model.json");
Console.WriteLine("saved quickstart-model.json (simulate it: spikelfp simulate --model quickstart-model.json)");
