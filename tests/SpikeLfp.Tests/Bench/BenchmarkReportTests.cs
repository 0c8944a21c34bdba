using System.Text.Json.Nodes;
using SpikeLfp.Bench;
using SpikeLfp.Cli;

namespace SpikeLfp.Tests.Bench;

/// <summary>
/// The bench's report carries each workload it measured, and only those; the command line selects them. Nothing
/// here is timed (the numbers are made up).
/// </summary>
public class BenchmarkReportTests
{
    private static RecurrentReport Recurrent => new()
    {
        Network = RecurrentBenchmark.Spec,
        Steps = RecurrentBenchmark.Steps,
        LfpTrainSamplesPerSecond = 3000,
        LfpDenseTorchSamplesPerSecond = 1200,
        HiddenSpikeRate = 0.085,
        PretrainBatches = 20,
        FeedbackCheck = new FeedbackAgreement(RecurrentBenchmark.Spec, 8e-6, 9e-6, 3e-6, [75426, 8212], [75426, 8212], [75426, 8212]),
        Method = "made up",
    };

    [Test]
    public void Recurrent_workload_is_reported_under_its_own_key_with_its_ratio_and_spike_rate()
    {
        var report = new BenchmarkReport { Recurrent = Recurrent, TorchThreads = 2, ProcessorCount = 2 };
        var json = JsonNode.Parse(report.ToJson())!.AsObject();

        Assert.That(json.ContainsKey("lfp_train_samples_per_s"), Is.False, "no MLP numbers when the MLP was not measured");
        Assert.That(json["workloads"]!.AsArray().Select(w => (string)w!), Is.EqualTo(new[] { "recurrent" }));
        var recurrent = json["recurrent"]!.AsObject();
        Assert.That((string)recurrent["network"]!, Is.EqualTo("28-r256-10"));
        Assert.That((int)recurrent["steps"]!, Is.EqualTo(28));
        Assert.That((double)recurrent["lfp_train_samples_per_s"]!, Is.EqualTo(3000));
        Assert.That((double)recurrent["lfp_dense_torch_samples_per_s"]!, Is.EqualTo(1200));
        Assert.That((double)recurrent["lfp_train_vs_dense_torch"]!, Is.EqualTo(2.5));
        Assert.That((double)recurrent["hidden_spike_rate"]!, Is.EqualTo(0.085));
        Assert.That((double)recurrent["feedback_check"]!["max_relative_difference"]!, Is.EqualTo(8e-6));

        var table = new StringWriter();
        report.WriteTable(table);
        Assert.That(table.ToString(), Does.Contain("recurrent 28-r256-10, T=28, rows input"));
        Assert.That(table.ToString(), Does.Match(@"LFP training \(samples/s\) +3000\.0 +1200\.0 +2\.50"));
        Assert.That(table.ToString(), Does.Contain("hidden spike rate 8.50 %"));
    }

    [Test]
    public void Events_workload_is_reported_under_its_own_key_with_its_input_rate()
    {
        var events = new RecurrentReport
        {
            Network = RecurrentBenchmark.Events.Spec, Steps = RecurrentBenchmark.Events.Steps, Encoder = "events", Input = RecurrentBenchmark.Events.Input,
            InputSpikeRate = 0.034, LfpTrainSamplesPerSecond = 900, LfpDenseTorchSamplesPerSecond = 300, HiddenSpikeRate = 0.05, PretrainBatches = 10, Method = "made up",
        };
        var report = new BenchmarkReport { Recurrent = Recurrent, Events = events, TorchThreads = 2, ProcessorCount = 2 };
        var json = JsonNode.Parse(report.ToJson())!.AsObject();

        Assert.That(json["workloads"]!.AsArray().Select(w => (string)w!), Is.EqualTo(new[] { "recurrent", "events" }));
        Assert.That((string)json["events"]!["network"]!, Is.EqualTo("700-r256-20"));
        Assert.That((string)json["events"]!["encoder"]!, Is.EqualTo("events"));
        Assert.That((double)json["events"]!["input_spike_rate"]!, Is.EqualTo(0.034));
        Assert.That((double)json["events"]!["lfp_train_vs_dense_torch"]!, Is.EqualTo(3));
        Assert.That(json["recurrent"]!["input_spike_rate"], Is.Null, "analog rows have no input spike rate");
        var table = new StringWriter();
        report.WriteTable(table);
        Assert.That(table.ToString(), Does.Contain("recurrent 700-r256-20, T=100, recorded input spikes").And.Contain("input spike rate 3.40 %"));
    }

    [Test]
    public void Bench_rejects_an_unknown_workload()
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = CommandLine.Run(["bench", "--workload", "conv"], output, error, CancellationToken.None);
        Assert.That(code, Is.EqualTo(2));
        Assert.That(error.ToString(), Does.Contain("--workload must be one of all, mlp, recurrent"));
    }
}
