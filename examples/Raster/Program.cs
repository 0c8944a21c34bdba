// Record every spike of a network on a few test digits and draw spike rasters and membrane traces.
// Run: dotnet run --project examples/Raster -c Release [-- model.json]
using SpikeLfp.Data;
using SpikeLfp.Network.Encoding;
using SpikeLfp.Network.Model;
using SpikeLfp.Network.Simulation;
using SpikeLfp.Neurons;
using SpikeLfp.Viz;

var data = DigitsDataset.Load().Test;
var network = args.Length > 0 ? ModelFile.Load(args[0]) : SpikingNetwork.Create([64, 100, 10], LifParameters.Default, seed: 0);

// Rate-coded input spikes, so the raster shows the input layer too.
var simulator = new Simulator(network, steps: 25, new BernoulliRateEncoder(seed: 1));
int samples = 3;
var recording = simulator.Record(data.Features.AsSpan(0, samples * data.FeatureCount), [0, 1, 2], data.Labels[..samples]);

for (int s = 0; s < samples; s++)
    PlotExport.Save(Plots.SpikeRaster(recording, s), $"raster-{s}.png");
PlotExport.Save(Plots.MembraneTraces(recording.Layers[1], sample: 0, neurons: [0, 1, 2, 3]), "membranes.svg");
Console.WriteLine("wrote raster-0.png .. raster-2.png and membranes.svg");
