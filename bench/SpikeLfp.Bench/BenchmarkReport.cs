using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace SpikeLfp.Bench;

/// <summary>LFP step time of one network size at one measured hidden spike rate.</summary>
/// <param name="Hidden">Hidden neurons (784-Hidden-10).</param>
/// <param name="TargetRate">Spike rate the first layer's weights and bias were scaled for.</param>
/// <param name="SpikeRate">Hidden spike rate measured over the timed batches.</param>
/// <param name="LfpStepMs">Median milliseconds of one LfpTrainer.TrainBatch (batch 128: forward, LFP backward, update).</param>
public sealed record ScalingPoint(int Hidden, double TargetRate, double SpikeRate, double LfpStepMs);

/// <summary>
/// How closely the dense TorchSharp LFP step and SpikeLfp's agree on one batch (same weights, same input). Each
/// difference is the largest over parameters of max |a - b| / max |b|; float64 torch stands in for the exact answer,
/// so float32 rounding (amplified where LFP's denominator D is small) shows as both float32 results being about
/// as far from it as from each other.
/// </summary>
/// <param name="Network">The network compared, for example "784-1000-10".</param>
/// <param name="MaxRelativeDifference">Ours against dense torch float32.</param>
/// <param name="OursVsFloat64">Ours against dense torch float64.</param>
/// <param name="TorchVsFloat64">Dense torch float32 against dense torch float64.</param>
/// <param name="SpikesOurs">Spikes per layer in our forward pass.</param>
/// <param name="SpikesTorch">Spikes per layer in the dense float32 forward pass.</param>
/// <param name="SpikesFloat64">Spikes per layer in the dense float64 forward pass.</param>
public sealed record FeedbackAgreement(string Network, double MaxRelativeDifference, double OursVsFloat64, double TorchVsFloat64,
    long[] SpikesOurs, long[] SpikesTorch, long[] SpikesFloat64)
{
    /// <summary>One line for logs and tables.</summary>
    public string Summary() => string.Format(CultureInfo.InvariantCulture,
        "feedback check {0}: max relative difference ours vs torch {1:E2}, ours vs float64 {2:E2}, torch vs float64 {3:E2}; spikes per layer ours [{4}] torch [{5}] float64 [{6}]",
        Network, MaxRelativeDifference, OursVsFloat64, TorchVsFloat64, string.Join(", ", SpikesOurs), string.Join(", ", SpikesTorch), string.Join(", ", SpikesFloat64));

    /// <summary>The JSON object of the check.</summary>
    public JsonObject ToJson() => new()
    {
        ["network"] = Network, ["max_relative_difference"] = MaxRelativeDifference,
        ["ours_vs_float64"] = OursVsFloat64, ["torch_float32_vs_float64"] = TorchVsFloat64,
        ["spikes_ours"] = new JsonArray(SpikesOurs.Select(s => (JsonNode)s).ToArray()),
        ["spikes_torch"] = new JsonArray(SpikesTorch.Select(s => (JsonNode)s).ToArray()),
        ["spikes_float64"] = new JsonArray(SpikesFloat64.Select(s => (JsonNode)s).ToArray()),
    };
}

/// <summary>Every number of one benchmark run (the workloads it measured and the machine's context), with the table and JSON views of it.</summary>
public sealed class BenchmarkReport
{
    /// <summary>The 784-1000-10 MLP workload, or null when it was not selected.</summary>
    public MlpReport? Mlp { get; init; }
    /// <summary>The recurrent 28-r256-10 workload, or null when it was not selected.</summary>
    public RecurrentReport? Recurrent { get; init; }
    /// <summary>The event-input 700-r256-20 workload, or null when it was not selected.</summary>
    public RecurrentReport? Events { get; init; }
    /// <summary>The convolutional LifCNN workload, or null when it was not selected.</summary>
    public RecurrentReport? LifCnn { get; init; }
    /// <summary>Threads given to libtorch (torch.set_num_threads).</summary>
    public int TorchThreads { get; init; }
    /// <summary>Logical processors.</summary>
    public int ProcessorCount { get; init; }
    /// <summary>OMP_WAIT_POLICY as the process saw it ("unset" when not set): "passive" keeps libtorch's OpenMP threads from spinning.</summary>
    public string OmpWaitPolicy { get; init; } = "unset";
    /// <summary>/proc/loadavg at the start and at the end of the run.</summary>
    public string LoadAverageStart { get; init; } = "";
    /// <summary>/proc/loadavg at the end of the run.</summary>
    public string LoadAverageEnd { get; init; } = "";
    /// <summary>True for a --quick smoke run (few repeats: numbers are rough).</summary>
    public bool Quick { get; init; }

    /// <summary>
    /// The JSON document: the MLP's keys at the top level (as in the issue, plus ratios and context), the recurrent
    /// workload under "recurrent", the event-input one under "events", the LifCNN under "lifcnn", the workloads measured under "workloads".
    /// </summary>
    public string ToJson()
    {
        var json = new JsonObject();
        Mlp?.AddTo(json);
        if (Recurrent is not null) json["recurrent"] = Recurrent.ToJson();
        if (Events is not null) json["events"] = Events.ToJson();
        if (LifCnn is not null) json["lifcnn"] = LifCnn.ToJson();
        json["workloads"] = new JsonArray(new[] { Mlp is null ? null : "mlp", Recurrent is null ? null : "recurrent", Events is null ? null : "events", LifCnn is null ? null : "lifcnn" }
            .OfType<string>().Select(w => (JsonNode)w).ToArray());
        json["torch_threads"] = TorchThreads;
        json["processor_count"] = ProcessorCount;
        json["omp_wait_policy"] = OmpWaitPolicy;
        json["load_average_start"] = LoadAverageStart;
        json["load_average_end"] = LoadAverageEnd;
        json["quick"] = Quick;
        if (Mlp is not null) json["method"] = Mlp.Method;
        return json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
    }

    /// <summary>Writes the readable tables of each workload measured, then the machine's context.</summary>
    public void WriteTable(TextWriter output)
    {
        Mlp?.WriteTable(output);
        Recurrent?.WriteTable(output);
        Events?.WriteTable(output);
        LifCnn?.WriteTable(output);
        output.WriteLine($"torch threads {TorchThreads} (torch.set_num_threads(Environment.ProcessorCount)), OMP_WAIT_POLICY {OmpWaitPolicy}, processors {ProcessorCount}; load average at start {LoadAverageStart}, at end {LoadAverageEnd}");
    }

    internal static void Header(TextWriter output)
        => output.WriteLine(string.Format(CultureInfo.InvariantCulture, "{0,-34} {1,14} {2,14} {3,10}", "measurement", "SpikeLfp", "dense torch", "ours/torch"));

    internal static void Row(TextWriter output, string name, double ours, double torch)
        => output.WriteLine(string.Format(CultureInfo.InvariantCulture, "{0,-34} {1,14:F1} {2,14:F1} {3,10:F2}", name, ours, torch, ours / torch));

    internal static double Round(double value) => double.IsFinite(value) ? Math.Round(value, 6) : -1;
}

/// <summary>The numbers of the 784-1000-10 MLP workload (<see cref="LfpBenchmark"/>).</summary>
public sealed class MlpReport
{
    /// <summary>Our LFP training throughput (LfpTrainer.TrainBatch), samples/s.</summary>
    public double LfpTrainSamplesPerSecond { get; init; }
    /// <summary>The same LFP step computed densely on TorchSharp, samples/s.</summary>
    public double LfpDenseTorchSamplesPerSecond { get; init; }
    /// <summary>Our LFP training with one thread (CpuBackend(1)), samples/s.</summary>
    public double LfpTrainOneThreadSamplesPerSecond { get; init; }
    /// <summary>The dense TorchSharp LFP step with torch.set_num_threads(1), samples/s.</summary>
    public double LfpDenseTorchOneThreadSamplesPerSecond { get; init; }
    /// <summary>Surrogate-gradient BPTT (SurrogateBatchTrainer, Adam) on TorchSharp, samples/s.</summary>
    public double SurrogateTorchSamplesPerSecond { get; init; }
    /// <summary>Our inference (Simulator.Predict), samples/s.</summary>
    public double InferSamplesPerSecond { get; init; }
    /// <summary>Dense per-step TorchSharp forward, samples/s.</summary>
    public double InferDenseTorchSamplesPerSecond { get; init; }
    /// <summary>DenseMath.AffineRows on 128x784 by 784x1000, GFLOP/s.</summary>
    public double GemmGflops { get; init; }
    /// <summary>torch.matmul on the same shapes, GFLOP/s.</summary>
    public double GemmTorchGflops { get; init; }
    /// <summary>Peak working set after our LFP training measurement, before any TorchSharp work, MB.</summary>
    public double PeakWorkingSetMb { get; init; }
    /// <summary>Peak working set of the whole benchmark process (TorchSharp included), MB.</summary>
    public double PeakWorkingSetProcessMb { get; init; }
    /// <summary>Bytes allocated by all threads per LfpTrainer.TrainBatch.</summary>
    public double AllocatedBytesPerBatch { get; init; }
    /// <summary>Bytes allocated by the calling thread per LfpTrainer.TrainBatch.</summary>
    public double AllocatedBytesPerBatchCallingThread { get; init; }
    /// <summary>Hidden spike rate of the trained 784-1000-10 network over the timed LFP batches.</summary>
    public double HiddenSpikeRate { get; init; }
    /// <summary>LFP batches the 784-1000-10 network was trained before the measurement.</summary>
    public int PretrainBatches { get; init; }
    /// <summary>Step time against hidden size and spike rate.</summary>
    public IReadOnlyList<ScalingPoint> Scaling { get; init; } = [];
    /// <summary>Agreement of the dense TorchSharp feedback with ours.</summary>
    public IReadOnlyList<FeedbackAgreement> FeedbackChecks { get; init; } = [];
    /// <summary>How each number was measured (repeats, batches, shapes).</summary>
    public string Method { get; init; } = "";

    /// <summary>Ours / dense TorchSharp for LFP training.</summary>
    public double LfpSpeedup => LfpTrainSamplesPerSecond / LfpDenseTorchSamplesPerSecond;
    /// <summary>Ours / dense TorchSharp for inference.</summary>
    public double InferSpeedup => InferSamplesPerSecond / InferDenseTorchSamplesPerSecond;
    /// <summary>Ours / TorchSharp for the dense kernel.</summary>
    public double GemmRatio => GemmGflops / GemmTorchGflops;

    /// <summary>Adds the workload's keys (as in the issue, plus ratios) to <paramref name="json"/>.</summary>
    public void AddTo(JsonObject json)
    {
        ArgumentNullException.ThrowIfNull(json);
        var scaling = new JsonArray();
        foreach (var p in Scaling)
            scaling.Add(new JsonObject
            {
                ["hidden"] = p.Hidden, ["target_spike_rate"] = Round(p.TargetRate), ["spike_rate"] = Round(p.SpikeRate), ["lfp_step_ms"] = Round(p.LfpStepMs),
            });
        json["lfp_train_samples_per_s"] = Round(LfpTrainSamplesPerSecond);
        json["lfp_dense_torch_samples_per_s"] = Round(LfpDenseTorchSamplesPerSecond);
        json["surrogate_torch_samples_per_s"] = Round(SurrogateTorchSamplesPerSecond);
        json["lfp_train_1thread_samples_per_s"] = Round(LfpTrainOneThreadSamplesPerSecond);
        json["lfp_dense_torch_1thread_samples_per_s"] = Round(LfpDenseTorchOneThreadSamplesPerSecond);
        json["infer_samples_per_s"] = Round(InferSamplesPerSecond);
        json["infer_dense_torch_samples_per_s"] = Round(InferDenseTorchSamplesPerSecond);
        json["gemm_gflops"] = Round(GemmGflops);
        json["gemm_torch_gflops"] = Round(GemmTorchGflops);
        json["peak_working_set_mb"] = Round(PeakWorkingSetMb);
        json["peak_working_set_process_mb"] = Round(PeakWorkingSetProcessMb);
        json["allocated_bytes_per_batch"] = Round(AllocatedBytesPerBatch);
        json["allocated_bytes_per_batch_calling_thread"] = Round(AllocatedBytesPerBatchCallingThread);
        json["hidden_spike_rate"] = Round(HiddenSpikeRate);
        json["pretrain_batches"] = PretrainBatches;
        json["scaling"] = scaling;
        json["ratios"] = new JsonObject
        {
            ["lfp_train_vs_dense_torch"] = Round(LfpSpeedup),
            ["lfp_train_vs_dense_torch_1thread"] = Round(LfpTrainOneThreadSamplesPerSecond / LfpDenseTorchOneThreadSamplesPerSecond),
            ["infer_vs_dense_torch"] = Round(InferSpeedup),
            ["gemm_vs_torch"] = Round(GemmRatio),
        };
        json["feedback_checks"] = new JsonArray(FeedbackChecks.Select(c => (JsonNode)c.ToJson()).ToArray());
    }

    /// <summary>Writes the readable table: ours next to dense TorchSharp, the ratio, then the scaling table.</summary>
    public void WriteTable(TextWriter output)
    {
        var c = CultureInfo.InvariantCulture;
        BenchmarkReport.Header(output);
        BenchmarkReport.Row(output, "LFP training (samples/s)", LfpTrainSamplesPerSecond, LfpDenseTorchSamplesPerSecond);
        BenchmarkReport.Row(output, "LFP training, 1 thread each", LfpTrainOneThreadSamplesPerSecond, LfpDenseTorchOneThreadSamplesPerSecond);
        BenchmarkReport.Row(output, "inference (samples/s)", InferSamplesPerSecond, InferDenseTorchSamplesPerSecond);
        BenchmarkReport.Row(output, "GEMM 128x784 by 784x1000 (GFLOP/s)", GemmGflops, GemmTorchGflops);
        output.WriteLine(string.Format(c, "{0,-34} {1,14} {2,14:F1}", "surrogate BPTT, Adam (samples/s)", "-", SurrogateTorchSamplesPerSecond));
        output.WriteLine(string.Format(c, "hidden spike rate {0:P2} after {5} pre-training batches; peak working set {1:F0} MB (training run), {2:F0} MB (whole process); allocated per TrainBatch {3:F0} B (all threads), {4:F0} B (calling thread)",
            HiddenSpikeRate, PeakWorkingSetMb, PeakWorkingSetProcessMb, AllocatedBytesPerBatch, AllocatedBytesPerBatchCallingThread, PretrainBatches));
        foreach (var check in FeedbackChecks) output.WriteLine(check.Summary());
        output.WriteLine();
        output.WriteLine(string.Format(c, "{0,-8} {1,12} {2,14} {3,14}", "hidden", "target rate", "measured rate", "LFP step (ms)"));
        foreach (var p in Scaling)
            output.WriteLine(string.Format(c, "{0,-8} {1,12:P1} {2,14:P2} {3,14:F1}", p.Hidden, p.TargetRate, p.SpikeRate, p.LfpStepMs));
        output.WriteLine();
    }

    private static double Round(double value) => BenchmarkReport.Round(value);
}

/// <summary>The numbers of a recurrent or convolutional workload (<see cref="RecurrentBenchmark"/>): LFP training, ours against dense TorchSharp.</summary>
public sealed class RecurrentReport
{
    /// <summary>The workload's name: "recurrent", "events" or "lifcnn".</summary>
    public string Workload { get; init; } = "recurrent";
    /// <summary>The network, for example "28-r256-10".</summary>
    public string Network { get; init; } = "";
    /// <summary>Simulation steps.</summary>
    public int Steps { get; init; }
    /// <summary>The input encoder: "rows", or "events" for recorded spikes.</summary>
    public string Encoder { get; init; } = "rows";
    /// <summary>What the input is, in words.</summary>
    public string Input { get; init; } = "rows input";
    /// <summary>Input spikes per channel and step over the timed data (recorded spikes only).</summary>
    public double? InputSpikeRate { get; init; }
    /// <summary>Our LFP training throughput (LfpTrainer.TrainBatch), samples/s.</summary>
    public double LfpTrainSamplesPerSecond { get; init; }
    /// <summary>The same LFP step computed densely on TorchSharp (DenseTorchLfp on the same sequences), samples/s.</summary>
    public double LfpDenseTorchSamplesPerSecond { get; init; }
    /// <summary>Hidden spike rate over our timed batches (spikes per neuron, step and sample).</summary>
    public double HiddenSpikeRate { get; init; }
    /// <summary>LFP batches the network was trained before the feedback check and the measurement.</summary>
    public int PretrainBatches { get; init; }
    /// <summary>Agreement of the dense TorchSharp feedback (W, b, V, b_V) with ours on one batch.</summary>
    public FeedbackAgreement? FeedbackCheck { get; init; }
    /// <summary>How each number was measured.</summary>
    public string Method { get; init; } = "";

    /// <summary>Ours / dense TorchSharp for LFP training.</summary>
    public double LfpSpeedup => LfpTrainSamplesPerSecond / LfpDenseTorchSamplesPerSecond;

    /// <summary>The workload's JSON object.</summary>
    public JsonObject ToJson() => new()
    {
        ["network"] = Network,
        ["steps"] = Steps,
        ["encoder"] = Encoder,
        ["input_spike_rate"] = InputSpikeRate is { } rate ? BenchmarkReport.Round(rate) : null,
        ["lfp_train_samples_per_s"] = BenchmarkReport.Round(LfpTrainSamplesPerSecond),
        ["lfp_dense_torch_samples_per_s"] = BenchmarkReport.Round(LfpDenseTorchSamplesPerSecond),
        ["lfp_train_vs_dense_torch"] = BenchmarkReport.Round(LfpSpeedup),
        ["hidden_spike_rate"] = BenchmarkReport.Round(HiddenSpikeRate),
        ["pretrain_batches"] = PretrainBatches,
        ["feedback_check"] = FeedbackCheck?.ToJson(),
        ["method"] = Method,
    };

    /// <summary>Writes the readable table: ours next to dense TorchSharp and the ratio, the spike rate, the feedback check.</summary>
    public void WriteTable(TextWriter output)
    {
        output.WriteLine($"{Workload} {Network}, T={Steps}, {Input}");
        BenchmarkReport.Header(output);
        BenchmarkReport.Row(output, "LFP training (samples/s)", LfpTrainSamplesPerSecond, LfpDenseTorchSamplesPerSecond);
        if (InputSpikeRate is { } input) output.WriteLine(string.Format(CultureInfo.InvariantCulture, "input spike rate {0:P2} (per channel and step)", input));
        output.WriteLine(string.Format(CultureInfo.InvariantCulture, "hidden spike rate {0:P2} after {1} pre-training batches", HiddenSpikeRate, PretrainBatches));
        if (FeedbackCheck is not null) output.WriteLine(FeedbackCheck.Summary());
        output.WriteLine();
    }
}
