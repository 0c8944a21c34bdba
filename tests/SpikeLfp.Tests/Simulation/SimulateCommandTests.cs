using Newtonsoft.Json.Linq;
using SpikeLfp.Data;
using SpikeLfp.Tests.Reliability;

namespace SpikeLfp.Tests.Simulation;

/// <summary>spikelfp simulate on a freshly trained model: what it writes, and that its counts agree with each other.</summary>
public class SimulateCommandTests : TempFolderTests
{
    [Test]
    public void Simulation_json_counts_spikes_and_the_synaptic_work_they_caused()
    {
        string trained = Temp["trained"], simulated = Temp["sim"];
        var train = Reliability.Cli.Run(["train", .. Reliability.Cli.Quick, "--epochs", "1", "--out", trained]);
        Assert.That(train.ExitCode, Is.EqualTo(0), train.ToString());
        var (result, json) = Reliability.Cli.RunForJson(Path.Combine(simulated, "simulation.json"),
            "simulate", "--model", Path.Combine(trained, "model.json"), "--samples", "3", "--steps", "6", "--out", simulated);

        Assert.That((long)json["dense_multiply_accumulates"]!, Is.EqualTo(64 * 16 + 16 * 10));
        var test = DigitsDataset.Load().Test;
        var samples = (JArray)json["samples"]!;
        Assert.That(samples, Has.Count.EqualTo(3));
        long spikesInCsv = File.ReadLines(Path.Combine(simulated, "spikes.csv")).Skip(1).LongCount();
        long spikesInJson = 0;
        for (int s = 0; s < 3; s++)
        {
            var sample = samples[s]!;
            var counts = (JObject)sample["spike_counts"]!;
            spikesInJson += counts.Properties().Sum(p => (long)p.Value);
            long hidden = (long)counts.Properties().First().Value;
            // Constant current: the input layer costs its non-zero pixels x 16 synapses once; each hidden spike reaches 10 outputs.
            int nonZero = test.Sample(s).ToArray().Count(v => v != 0f);
            Assert.That((long)sample["input_multiply_accumulates"]!, Is.EqualTo(nonZero * 16L), $"sample {s}");
            Assert.That((long)sample["spike_accumulates"]!, Is.EqualTo(hidden * 10), $"sample {s}");
            Assert.That((double)sample["estimated_energy_pj"]!, Is.EqualTo(0.9 * hidden * 10 + 4.6 * nonZero * 16).Within(1e-9), $"sample {s}");
        }
        Assert.That(spikesInCsv, Is.EqualTo(spikesInJson), "spikes.csv has one row per spike");
        Assert.That(result.Output, Does.Contain("synaptic ops"));
        foreach (string file in new[] { "raster-0.png", "raster-0.svg", "raster-2.png" })
            Assert.That(File.Exists(Path.Combine(simulated, file)), Is.True, file);
    }

    [Test]
    public void Recurrent_model_trained_on_rows_simulates_one_row_per_step_and_counts_its_recurrent_work()
    {
        string trained = Temp["trained"], simulated = Temp["sim"];
        var train = Reliability.Cli.Run(["train", "--encoder", "rows", "--model", "8-r16-10", "--neuron", "cuba", "--limit", "40", "--epochs", "1", "--out", trained]);
        Assert.That(train.ExitCode, Is.EqualTo(0), train.ToString());
        var (result, json) = Reliability.Cli.RunForJson(Path.Combine(simulated, "simulation.json"),
            "simulate", "--model", Path.Combine(trained, "model.json"), "--encoder", "rows", "--samples", "2", "--out", simulated);
        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
        Assert.That((int)json["steps"]!, Is.EqualTo(8), "one step per row of the 8x8 digits");
        // A non-spiking network of the same shape: input, recurrent and output synapses once each.
        Assert.That((long)json["dense_multiply_accumulates"]!, Is.EqualTo(8 * 16 + 16 * 16 + 16 * 10));
        var test = DigitsDataset.Load().Test;
        for (int s = 0; s < 2; s++)
        {
            var sample = json["samples"]![s]!;
            // Every row is a new analog input: its non-zero pixels x 16 synapses, summed over the rows.
            int nonZero = test.Sample(s).ToArray().Count(v => v != 0f);
            Assert.That((long)sample["input_multiply_accumulates"]!, Is.EqualTo(nonZero * 16L), $"sample {s}");
        }
    }

    [Test]
    public void Rows_encoder_refuses_a_model_whose_inputs_are_not_a_row()
    {
        // 7 inputs: the 64 pixels of a digit do not split into rows of 7.
        string model = Path.Combine(Temp["model"], "model.json");
        Directory.CreateDirectory(Temp["model"]);
        SpikeLfp.Network.Model.ModelFile.Save(SpikeLfp.Network.Model.SpikingNetwork.Create([7, 5, 10], SpikeLfp.Neurons.LifParameters.Default, 0), model);
        var result = Reliability.Cli.Run(["simulate", "--model", model, "--encoder", "rows", "--out", Temp["sim"]]);
        Assert.That(result.ExitCode, Is.EqualTo(2), result.ToString());
        Assert.That(result.Error, Does.Contain("--encoder rows").And.Contain("8x8"));
        Assert.That(Directory.Exists(Temp["sim"]), Is.False, "nothing is written for bad input");
    }

    [Test]
    public void Li_readout_model_simulates_with_predictions_from_its_membranes()
    {
        string trained = Temp["trained"], simulated = Temp["sim"];
        var train = Reliability.Cli.Run(["train", .. Reliability.Cli.Quick, "--readout", "li", "--epochs", "3", "--out", trained]);
        Assert.That(train.ExitCode, Is.EqualTo(0), train.ToString());
        var network = SpikeLfp.Network.Model.ModelFile.Load(Path.Combine(trained, "model.json"));
        Assert.That(network.Layers[^1].Neuron, Is.TypeOf<SpikeLfp.Neurons.LiNeuron>());

        var result = Reliability.Cli.Run(["simulate", "--model", Path.Combine(trained, "model.json"), "--samples", "6", "--steps", "6", "--out", simulated]);
        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
        // The recording's prediction and the simulator's agree: argmax of the time-averaged readout membrane.
        var test = DigitsDataset.Load().Test;
        var simulator = new SpikeLfp.Network.Simulation.Simulator(network, 6, new SpikeLfp.Network.Encoding.ConstantCurrentEncoder());
        var keys = Enumerable.Range(0, 6).Select(i => (long)i).ToArray();
        var predictions = new int[6];
        simulator.Predict(test.Features.AsSpan(0, 6 * test.FeatureCount), keys, predictions);
        var recording = simulator.Record(test.Features.AsSpan(0, 6 * test.FeatureCount), keys, test.Labels[..6], membranes: false);
        for (int s = 0; s < 6; s++)
        {
            Assert.That(recording.Prediction(s), Is.EqualTo(predictions[s]), $"sample {s}");
            Assert.That(result.Output, Does.Contain($"sample {s}: label {test.Labels[s]}, prediction {predictions[s]},"));
        }
    }
}
