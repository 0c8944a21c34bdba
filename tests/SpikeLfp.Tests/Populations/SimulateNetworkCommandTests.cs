using Newtonsoft.Json.Linq;
using SpikeLfp.Tests.Reliability;

namespace SpikeLfp.Tests.Populations;

/// <summary>spikelfp simulate-network: what it writes, and one-line refusals of bad input that leave no files.</summary>
public class SimulateNetworkCommandTests : TempFolderTests
{
    [Test]
    public void Cuba_run_writes_spikes_statistics_raster_and_rates_that_agree()
    {
        string folder = Temp["cuba"];
        var (result, json) = Reliability.Cli.RunForJson(Path.Combine(folder, "statistics.json"),
            "simulate-network", "cuba", "--neurons", "800", "--duration", "200ms", "--seed", "1", "--out", folder, "--threads", "2");
        Assert.That((int)json["neurons"]!, Is.EqualTo(800));
        Assert.That((int)json["steps"]!, Is.EqualTo(2000));
        var populations = (JArray)json["populations"]!;
        Assert.That(populations.Select(p => (string)p["name"]!), Is.EqualTo(new[] { "excitatory", "inhibitory" }));
        var rows = File.ReadLines(Path.Combine(folder, "spikes.csv")).ToList();
        Assert.That(rows[0], Is.EqualTo("time_ms,population,neuron"));
        Assert.That(rows.Count - 1, Is.EqualTo((int)json["spikes"]!).And.GreaterThan(100));
        int excitatoryRows = rows.Skip(1).Count(r => r.Split(',')[1] == "excitatory");
        Assert.That(excitatoryRows, Is.EqualTo((int)populations[0]["spikes"]!));
        Assert.That((double)populations[0]["rate_hz"]!, Is.EqualTo(excitatoryRows / 640.0 / 0.2).Within(1e-9));
        foreach (string file in new[] { "raster.png", "rate.png" })
            Assert.That(new FileInfo(Path.Combine(folder, file)).Length, Is.GreaterThan(1000), file);
        Assert.That(result.Output, Does.Contain("excitatory: 640 neurons"));
    }

    [Test]
    public void Network_file_with_explicit_pairs_and_in_degree_runs()
    {
        string file = Path.Combine(Temp.Path, "net.json");
        File.WriteAllText(file, """
            { "dt_ms": 0.1,
              "populations": [
                { "name": "driver", "size": 3, "neuron": { "tau_m_ms": 10, "resting_mv": -40, "reset_mv": -70, "threshold_mv": -50,
                    "refractory_ms": 2, "receptors": [ { "name": "ampa", "tau_ms": 2 } ] }, "initial_v_mv": -60 },
                { "name": "cells", "size": 50, "neuron": "cuba", "initial_v_mv": [-60, -50] } ],
              "projections": [
                { "from": "driver", "to": "cells", "receptor": "e", "weight_mv": 3, "connect": { "pairs": [[0, 1], [1, 2], [2, 3]] } },
                { "from": "cells", "to": "cells", "receptor": "i", "weight_mv": -1, "connect": { "in_degree": 5, "autapses": false } } ] }
            """);
        string folder = Temp["out"];
        var (_, json) = Reliability.Cli.RunForJson(Path.Combine(folder, "statistics.json"), "simulate-network", file, "--duration", "100ms", "--out", folder);
        Assert.That((long)json["synapses"]!, Is.EqualTo(3 + 50 * 5));
        // The driver (rest above threshold) fires every refractory period + charging time.
        Assert.That((int)json["populations"]![0]!["spikes"]!, Is.GreaterThan(3 * 5));
    }

    private static readonly string[][] BadInputs =
    [
        ["simulate-network"],
        ["simulate-network", "--neurons", "10"],
        ["simulate-network", "hopfield"],
        ["simulate-network", "cuba", "--duration", "1"],
        ["simulate-network", "cuba", "--duration", "-3s"],
        ["simulate-network", "cuba", "--neurons", "2"],
        ["simulate-network", "cuba", "--neurons", "many"],
        ["simulate-network", "cuba", "--synapses", "3"],
        ["simulate-network", "missing.json"],
        ["simulate-network", "cuba", "--device", "tpu"],
    ];

    [TestCaseSource(nameof(BadInputs))]
    public void Bad_arguments_are_one_line_errors_and_write_nothing(string[] args)
    {
        string folder = Temp["out"];
        var result = Reliability.Cli.Run([.. args, "--out", folder]);
        result.AssertUsageError();
        Assert.That(Directory.Exists(folder), Is.False, "no output folder for a refused run");
    }

    [TestCase("""{ "populations": [ { "name": "a", "size": 10, "neuron": "cuba", "colour": 1 } ] }""", "unknown key \"colour\"")]
    [TestCase("""{ "populations": [ { "name": "a", "size": 0, "neuron": "cuba" } ] }""", "\"size\"")]
    [TestCase("""{ "populations": [ { "name": "a", "size": 10, "neuron": "cuba" } ], "projections": [ { "from": "a", "to": "b", "receptor": "e", "weight_mv": 1, "connect": { "probability": 0.1 } } ] }""", "no population named 'b'")]
    [TestCase("""{ "populations": [ { "name": "a", "size": 10, "neuron": "cuba" } ], "projections": [ { "from": "a", "to": "a", "receptor": "nmda", "weight_mv": 1, "connect": { "probability": 0.1 } } ] }""", "no receptor 'nmda'")]
    [TestCase("""{ "populations": [ { "name": "a", "size": 10, "neuron": "cuba" } ], "projections": [ { "from": "a", "to": "a", "receptor": "e", "weight_mv": 1, "connect": { "probability": 1.5 } } ] }""", "probability")]
    [TestCase("""{ "populations": [ { "name": "a", "size": 10, "neuron": "cuba" } ], "projections": [ { "from": "a", "to": "a", "receptor": "e", "weight_mv": 1, "connect": { "in_degree": 11 } } ] }""", "in-degree")]
    [TestCase("""{ "populations": [ { "name": "a", "size": 10, "neuron": "cuba" } ], "projections": [ { "from": "a", "to": "a", "receptor": "e", "weight_mv": 1, "connect": { "pairs": [[0, 10]] } } ] }""", "pair 0")]
    [TestCase("""{ "populations": [ { "name": "a", "size": 10, "neuron": { "tau_m_ms": 20, "resting_mv": -49, "reset_mv": -40, "threshold_mv": -50, "receptors": [ { "name": "e", "tau_ms": 5 } ] } } ] }""", "below the threshold")]
    [TestCase("""{ "populations": [ """, "not valid JSON")]
    public void Bad_network_files_are_one_line_errors_that_name_the_problem_and_write_nothing(string content, string fragment)
    {
        string file = Path.Combine(Temp.Path, "bad.json"), folder = Temp["out"];
        File.WriteAllText(file, content);
        var result = Reliability.Cli.Run("simulate-network", file, "--duration", "10ms", "--out", folder);
        result.AssertUsageError("bad.json", fragment);
        Assert.That(Directory.Exists(folder), Is.False, "no output folder for a refused run");
    }
}
