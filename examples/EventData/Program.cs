// Make an event data set from the embedded digits with an emulated event camera, open it as the command line
// does (--dataset events:PATH), bin one sample into sparse input steps and draw its input raster; then train a
// network on the recorded spikes with LFP (the first layer receives the events, event by event).
// Run: dotnet run --project examples/EventData -c Release [-- shd|ssc|nmnist|events:PATH]
using SpikeLfp.Data;
using SpikeLfp.Data.Events;
using SpikeLfp.Learning.Training;
using SpikeLfp.Network.Encoding;
using SpikeLfp.Network.Model;
using SpikeLfp.Neurons;
using SpikeLfp.Viz;

string name = args.Length > 0 ? args[0] : "";
if (name.Length == 0)
{
    string folder = Path.Combine(Path.GetTempPath(), $"digits-events-{Guid.NewGuid():N}");
    var summary = ImageToEventsConverter.Convert(DigitsDataset.Load(), folder, new EventCameraOptions(), seed: 0);
    Console.WriteLine($"recorded {summary.TrainSamples + summary.TestSamples} digits, {summary.Events:N0} events, into {folder}");
    name = EventDatasets.PathPrefix + folder;
}

// Data and binner in one call; the binner's InputSize and Steps size a network's input layer and simulation.
var source = EventDatasets.Open(name, dataDir: null, new EventBinningOptions { DtUs = 10_000 });
var train = source.Data.Train;
var binner = source.Binner;
Console.WriteLine($"{train.Count} training samples on {train.Sensor}: {binner.InputSize} inputs x {binner.Steps} steps");

// One reusable frames object per thread: binning allocates nothing once its buffers fit.
var frames = new EventFrames();
binner.Bin(train, 0, frames);
for (int t = 0; t < frames.Steps; t++)
    Console.WriteLine($"step {t,3}: {frames.ChannelsAt(t).Length,4} active inputs");

PlotExport.Save(Plots.InputEventRaster(EventViews.Raw(train, 0, binner), $"sample 0, label {train.Labels[0]}"), "input-events.png");
Console.WriteLine("wrote input-events.png");

// Every sample binned once into recorded spikes; the data sets hold one reference per sample into them.
var input = RecordedInput.From(source);
var network = SpikingNetwork.Create(NetworkSpec.Parse($"{input.Channels}-100-{train.ClassCount}", LifParameters.Default), seed: 0);
// Adam: on sparse input spikes LFP's feedback is small, and plain SGD at the image learning rate learns slowly.
var options = new TrainingOptions { Steps = input.Steps, Encoder = EncoderKind.Events, Optimizer = SpikeLfp.Learning.Optimizers.OptimizerKind.Adam, LearningRate = 0.002f, Epochs = 3 };
var trainer = new LfpTrainer(network, options, encoder: input.Encoder);
for (int epoch = 1; epoch <= options.Epochs; epoch++)
{
    var m = trainer.TrainEpoch(input.Data.Train, input.Data.Test, epoch);
    Console.WriteLine($"epoch {epoch}: test accuracy {m.TestAccuracy:P1}, hidden spike rate {m.SpikeRates["hidden1"]:P1}");
}
