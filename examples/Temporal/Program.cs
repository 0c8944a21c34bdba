// A temporal task: read each digit one row per step (8 steps of 8 pixels), so the network must remember earlier
// rows. A recurrent layer of current-based LIF neurons (CubaLIF) does that; LFP trains it through the Heaviside
// spikes, the recurrent synapses included. Then draw a raster of one test digit.
// Run: dotnet run --project examples/Temporal -c Release
using SpikeLfp.Data;
using SpikeLfp.Learning.Training;
using SpikeLfp.Network.Encoding;
using SpikeLfp.Network.Model;
using SpikeLfp.Network.Simulation;
using SpikeLfp.Neurons;
using SpikeLfp.Viz;

var data = DigitsDataset.Load();
var rows = RowsEncoder.For(data.Train.FeatureCount, inputs: 8);            // 8 rows of 8 pixels

// 8 inputs -> 100 recurrent CubaLIF neurons -> 10 LIF outputs ("8-r100-10" with --neuron cuba on the command line).
var cuba = new CubaLifNeuron(new LifParameters(beta: 0.9f, threshold: 1f), alpha: 0.8f);
var spec = new NetworkSpec(8, [new LayerSpec(100, cuba, Recurrent: true), new LayerSpec(10, new LifParameters(0.9f, 1f))]);
var network = SpikingNetwork.Create(spec, seed: 0);

var options = new TrainingOptions { Steps = rows.Rows, Epochs = 10, Encoder = EncoderKind.Rows, Seed = 0 };
var trainer = new LfpTrainer(network, options, encoder: rows);
for (int epoch = 1; epoch <= options.Epochs; epoch++)
{
    var m = trainer.TrainEpoch(data.Train, data.Test, epoch);
    Console.WriteLine($"epoch {m.Epoch}: test accuracy {m.TestAccuracy:P1}, hidden spike rate {m.SpikeRates["hidden1"]:P1}");
}
ModelFile.Save(network, "temporal-model.json");               // spikelfp simulate --model temporal-model.json --encoder rows

var recording = new Simulator(network, rows.Rows, rows).Record(data.Test.Features.AsSpan(0, rows.FeatureCount), [0], data.Test.Labels[..1]);
PlotExport.Save(Plots.SpikeRaster(recording, sample: 0), "temporal-raster.png");
Console.WriteLine($"saved temporal-model.json and temporal-raster.png (label {data.Test.Labels[0]}, prediction {recording.Prediction(0)})");
