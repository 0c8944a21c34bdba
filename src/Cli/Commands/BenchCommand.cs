using SpikeLfp.Bench;
using SpikeLfp.Network.IO;

namespace SpikeLfp.Cli.Commands;

/// <summary>spikelfp bench: SpikeLfp's LFP training and inference against the same work done densely on TorchSharp.</summary>
public sealed class BenchCommand : ICommand
{
    public string Name => "bench";
    public string Summary => "benchmark LFP training and inference against dense TorchSharp (784-1000-10, T=15; 28-r256-10, T=28, rows; 700-r256-20, T=100, events; LifCNN, T=15)";
    public string Description => """
        Measures in one process, on synthetic data of Fashion-MNIST shape (784 inputs, 10 classes).

        The mlp workload (784-1000-10, T=15, constant current): our LFP training samples/s (batch 128) next to the same LFP step done densely on TorchSharp (checked to give the same feedback), surrogate BPTT on TorchSharp, our inference next to a dense TorchSharp forward, our dense kernel next to torch.matmul (128x784 by 784x1000), LFP step time against spike rate (1%, 5%, 20%) and hidden size (1000, 4000), peak working set and allocations per training batch.

        The recurrent workload (28-r256-10 LIF, hidden layer recurrent, T=28, rows encoder: row t of the image at step t): our LFP training samples/s (batch 128) next to the same LFP done densely on TorchSharp (V s_{t-1} as a matmul per step; checked to give the same feedback for W, b, V and b_V), and the hidden spike rate.

        The events workload (700-r256-20 LIF, hidden layer recurrent, T=100, recorded input spikes of synthetic SHD shape: 700 channels, 10 ms bins, a few percent active per step): the same pair of numbers, with the input delivered event by event on our side and as a dense 0/1 tensor on TorchSharp; and the input rate.

        The lifcnn workload (the reference's LifCNN, 28x28x1-c12k5-p2-c64k5-p2-10, T=15, constant current): the same pair of numbers, the dense side running conv2d per step on NCHW images as the reference does (checked to give the same feedback for every layer), and the first layer's spike rate.

        Each number is the median of a few repeats after warm-up; libtorch gets Environment.ProcessorCount threads. Build in Release and keep the machine otherwise idle: the numbers are only as quiet as the machine. On a shared or loaded machine run it as OMP_WAIT_POLICY=passive spikelfp bench: libtorch's OpenMP threads otherwise spin at every barrier, torch's multi-threaded numbers collapse (10x and more) and the ratios look far better than they are. The JSON records the setting.
        """;

    private static readonly Flag WorkloadFlag = Flag.OneOf("workload", ["all", "mlp", "recurrent", "events", "lifcnn"], "all (default), mlp, recurrent, events or lifcnn");

    public IReadOnlyList<Flag> Flags { get; } =
    [
        WorkloadFlag,
        new("json", "F", "also write every number as JSON to F (written atomically); the recurrent and events workloads' numbers are under \"recurrent\" and \"events\", the LifCNN's under \"lifcnn\""),
        Flag.Switch("quick", "few repeats: a smoke run, numbers are rough"),
        Flag.Switch(OutputFolder.OverwriteSwitch, "replace an existing --json file (without it, an existing file is refused before the run)"),
    ];

    public int Run(Arguments a, TextWriter output)
    {
        string? json = a.OptionalString("json");
        if (json is not null && string.IsNullOrWhiteSpace(json)) throw new UsageException("bench: --json needs a file name.");
        if (json is not null) OutputFile.CheckMayWrite(a, "json", json);
        var workloads = WorkloadFlag.Chosen(a, "all") switch
        {
            "mlp" => BenchmarkWorkloads.Mlp,
            "recurrent" => BenchmarkWorkloads.Recurrent,
            "events" => BenchmarkWorkloads.Events,
            "lifcnn" => BenchmarkWorkloads.LifCnn,
            _ => BenchmarkWorkloads.All,
        };
        var report = LfpBenchmark.Run(new BenchmarkOptions { Quick = a.Has("quick"), Workloads = workloads }, output);
        output.WriteLine();
        report.WriteTable(output);
        if (json is not null)
        {
            AtomicFile.WriteAllText(json, report.ToJson());
            output.WriteLine($"wrote {json}");
        }
        return 0;
    }
}
