using System.Diagnostics;
using SpikeLfp.Learning.Lfp;
using SpikeLfp.Learning.Rewards;
using SpikeLfp.Learning.Surrogate;
using SpikeLfp.Learning.Training;
using SpikeLfp.Network.Backends;
using SpikeLfp.Network.Encoding;
using SpikeLfp.Network.Model;
using SpikeLfp.Network.Simulation;
using SpikeLfp.Network.Synapses;
using SpikeLfp.Neurons;
using static TorchSharp.torch;

namespace SpikeLfp.Bench;

/// <summary>The workloads a benchmark run measures.</summary>
[Flags]
public enum BenchmarkWorkloads
{
    /// <summary>The feed-forward Fashion-MNIST MLP, 784-1000-10, T = 15, constant current (<see cref="LfpBenchmark"/>).</summary>
    Mlp = 1,
    /// <summary>The recurrent sequential-image network, 28-r256-10, T = 28, rows input (<see cref="RecurrentBenchmark.Rows"/>).</summary>
    Recurrent = 2,
    /// <summary>Event input: 700-r256-20, T = 100, recorded SHD-shaped spikes (<see cref="RecurrentBenchmark.Events"/>).</summary>
    Events = 4,
    /// <summary>The convolutional LifCNN, 28x28x1-c12k5-p2-c64k5-p2-10, T = 15, constant current (<see cref="RecurrentBenchmark.LifCnn"/>).</summary>
    LifCnn = 8,
    /// <summary>Every workload.</summary>
    All = Mlp | Recurrent | Events | LifCnn,
}

/// <summary>How long the benchmark runs: repeats and batches per measurement, and which workloads.</summary>
public sealed record BenchmarkOptions
{
    /// <summary>A smoke run: few repeats and batches (numbers are rough).</summary>
    public bool Quick { get; init; }
    /// <summary>Seed of data and initialisation.</summary>
    public int Seed { get; init; }
    /// <summary>The workloads to measure (all by default).</summary>
    public BenchmarkWorkloads Workloads { get; init; } = BenchmarkWorkloads.All;

    internal int Repeats => Quick ? 2 : 5;
    internal int PretrainBatches => Quick ? 12 : 40;
    internal int LfpBatches => Quick ? 2 : 30;
    internal int TorchLfpBatches => Quick ? 1 : 6;
    internal int SurrogateBatches => Quick ? 1 : 6;
    internal int InferBatches => Quick ? 2 : 32;
    internal int TorchInferBatches => Quick ? 1 : 6;
    internal int GemmCalls => Quick ? 10 : 200;
    internal int ScalingRepeats => Quick ? 1 : 3;
    internal int ScalingBatches => Quick ? 1 : 8;
    internal int RecurrentPretrainBatches => Quick ? 4 : 20;
    internal int RecurrentLfpBatches => Quick ? 2 : 30;
    internal int RecurrentTorchLfpBatches => Quick ? 1 : 8;
    internal int EventPretrainBatches => Quick ? 2 : 10;
    internal int EventLfpBatches => Quick ? 1 : 10;
    internal int EventTorchLfpBatches => Quick ? 1 : 3;
    internal int LifCnnPretrainBatches => Quick ? 4 : 20;
    internal int LifCnnLfpBatches => Quick ? 2 : 10;
    internal int LifCnnTorchLfpBatches => Quick ? 1 : 3;
}

/// <summary>
/// SpikeLfp against dense TorchSharp on the Fashion-MNIST MLP (784-1000-10, T = 15, constant current,
/// batch 128), all in one process on <see cref="SyntheticImages"/>, followed by the recurrent workload
/// (<see cref="RecurrentBenchmark"/>) when selected. Every throughput is the median over
/// repeats of a fixed number of batches, after warm-up; where ours and torch are compared, their repeats alternate.
/// Our training's allocations and peak working set are read before libtorch is loaded.
/// </summary>
public static class LfpBenchmark
{
    /// <summary>Training batch (the issue's).</summary>
    public const int TrainBatchSize = 128;
    /// <summary>Inference batch (Evaluator's default).</summary>
    public const int InferBatchSize = 256;
    /// <summary>Simulation steps.</summary>
    public const int Steps = 15;
    /// <summary>Hidden neurons of the benchmark network.</summary>
    public const int Hidden = 1000;
    /// <summary>Hidden spike rate of the measured network (the reference network's on Fashion-MNIST: about 4-5%).</summary>
    public const double RealisticHiddenRate = 0.045;
    internal const int DataBatches = 16;

    /// <summary>Threads given to libtorch (torch.set_num_threads) for the multi-threaded comparisons.</summary>
    internal static int TorchThreads => Environment.ProcessorCount;

    /// <summary>Runs the selected workloads; progress goes to <paramref name="log"/>.</summary>
    public static BenchmarkReport Run(BenchmarkOptions options, TextWriter log)
    {
        ArgumentNullException.ThrowIfNull(options);
        string loadStart = LoadAverage();
        // The MLP first: it reads our training's memory before libtorch is loaded.
        var mlp = options.Workloads.HasFlag(BenchmarkWorkloads.Mlp) ? RunMlp(options, log) : null;
        var recurrent = options.Workloads.HasFlag(BenchmarkWorkloads.Recurrent) ? RecurrentBenchmark.Run(RecurrentBenchmark.Rows, options, log) : null;
        var events = options.Workloads.HasFlag(BenchmarkWorkloads.Events) ? RecurrentBenchmark.Run(RecurrentBenchmark.Events, options, log) : null;
        var lifCnn = options.Workloads.HasFlag(BenchmarkWorkloads.LifCnn) ? RecurrentBenchmark.Run(RecurrentBenchmark.LifCnn, options, log) : null;
        return new BenchmarkReport
        {
            Mlp = mlp,
            Recurrent = recurrent,
            Events = events,
            LifCnn = lifCnn,
            TorchThreads = TorchThreads,
            ProcessorCount = Environment.ProcessorCount,
            OmpWaitPolicy = Environment.GetEnvironmentVariable("OMP_WAIT_POLICY") is { Length: > 0 } policy ? policy : "unset",
            LoadAverageStart = loadStart,
            LoadAverageEnd = LoadAverage(),
            Quick = options.Quick,
        };
    }

    // The 784-1000-10 MLP: every measurement of the class summary.
    private static MlpReport RunMlp(BenchmarkOptions options, TextWriter log)
    {
        var data = new SyntheticImages(DataBatches * TrainBatchSize, options.Seed);
        log.WriteLine($"synthetic data: {data.Count} samples of {SyntheticImages.InputSize} inputs, {data.BackgroundFraction:P1} exactly -1, {SyntheticImages.ClassCount} classes");
        var training = new TrainingOptions { BatchSize = TrainBatchSize, Steps = Steps, Seed = options.Seed };
        var network = SpikingNetwork.Create([SyntheticImages.InputSize, Hidden, SyntheticImages.ClassCount], LifParameters.Default, options.Seed);
        var keys = Enumerable.Range(0, InferBatchSize).Select(i => EpochSchedule.TrainingKey(1, i)).ToArray();

        var trainer = new LfpTrainer(network, training);
        var spikes = new double[network.Layers.Count];
        // A few dozen batches of training, then (synthetic images drive the hidden layer harder than real ones, and
        // a few dozen batches do not bring it down) the first layer is scaled so the hidden layer fires at the
        // reference network's rate on Fashion-MNIST, and a few more batches settle the optimizer.
        int batchIndex = 0;
        for (int i = 0; i < options.PretrainBatches; i++) TrainOne(trainer, data, batchIndex++, keys, spikes);
        double pretrainRate = HiddenRate(spikes, options.PretrainBatches, Hidden);
        double scale = 1;
        if (pretrainRate > RealisticHiddenRate + 0.01)
        {
            scale = ScaleFirstLayerTo(network, RealisticHiddenRate, data, keys);
            Array.Clear(spikes);
            for (int i = 0; i < 5; i++) TrainOne(trainer, data, batchIndex++, keys, spikes);
        }
        int pretrainBatches = batchIndex;
        log.WriteLine($"pre-trained {options.PretrainBatches} batches (hidden spike rate {pretrainRate:P2})" +
            (scale == 1 ? "" : $", first layer scaled by {scale:F3} for {RealisticHiddenRate:P1}, 5 more batches (rate {HiddenRate(spikes, 5, Hidden):P2})"));

        // Ours alone, before libtorch is loaded: allocations and peak working set of training, then the scaling table.
        for (int i = 0; i < 2; i++) TrainOne(trainer, data, batchIndex++, keys, null);
        const int allocationBatches = 4;
        long allBefore = GC.GetTotalAllocatedBytes(precise: true), threadBefore = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < allocationBatches; i++) TrainOne(trainer, data, batchIndex++, keys, null);
        double allocatedAll = (GC.GetTotalAllocatedBytes(precise: true) - allBefore) / (double)allocationBatches;
        double allocatedThread = (GC.GetAllocatedBytesForCurrentThread() - threadBefore) / (double)allocationBatches;
        double peakTraining = PeakWorkingSetMb();
        log.WriteLine($"ours: {allocatedAll:F0} bytes allocated per TrainBatch (all threads), peak working set {peakTraining:F0} MB");

        var scaling = new List<ScalingPoint>();
        foreach (int hidden in new[] { 1000, 4000 })
            foreach (double target in new[] { 0.01, 0.05, 0.20 })
            {
                var point = MeasureScaling(hidden, target, data, training, keys, options);
                scaling.Add(point);
                log.WriteLine($"ours: scaling hidden {hidden}, target {target:P0}: measured {point.SpikeRate:P2}, {point.LfpStepMs:F1} ms per step");
            }

        // Side by side with TorchSharp: repeats alternate between ours and torch, so a change in the machine's load
        // hits both. The dense LFP step is checked against ours first.
        int torchThreads = TorchThreads;
        set_num_threads(torchThreads);
        log.WriteLine($"torch: set_num_threads({torchThreads}) (Environment.ProcessorCount)");
        var checks = new List<FeedbackAgreement>
        {
            FeedbackCheck.Compare(network, data.Batch(0, TrainBatchSize), data.Labels.AsSpan(0, TrainBatchSize), Steps),
        };
        log.WriteLine($"feedback on {checks[0].Network}, max relative difference: ours vs dense float32 {checks[0].MaxRelativeDifference:E2}, " +
            $"ours vs dense float64 {checks[0].OursVsFloat64:E2}, dense float32 vs float64 {checks[0].TorchVsFloat64:E2}");

        double lfpRate, torchLfpRate, hiddenRate;
        using (var dense = new DenseTorchLfp(network.Clone(), training.LearningRate, training.Momentum, training.ClipNorm))
        {
            var inputs = Enumerable.Range(0, DataBatches).Select(b => dense.Input(data.Batch(b * TrainBatchSize, TrainBatchSize), TrainBatchSize)).ToArray();
            int torchBatch = 0, timedBatches = 0;
            for (int i = 0; i < 2; i++, torchBatch++) dense.TrainBatch(inputs[torchBatch % DataBatches], Labels(data, torchBatch), Steps);
            Array.Clear(spikes);
            var (oursSeconds, torchSeconds) = MedianSecondsSideBySide(options.Repeats,
                () =>
                {
                    for (int i = 0; i < options.LfpBatches; i++) TrainOne(trainer, data, batchIndex++, keys, spikes);
                    timedBatches += options.LfpBatches;
                },
                () =>
                {
                    for (int i = 0; i < options.TorchLfpBatches; i++, torchBatch++) dense.TrainBatch(inputs[torchBatch % DataBatches], Labels(data, torchBatch), Steps);
                });
            hiddenRate = HiddenRate(spikes, timedBatches, Hidden);
            lfpRate = options.LfpBatches * TrainBatchSize / oursSeconds;
            torchLfpRate = options.TorchLfpBatches * TrainBatchSize / torchSeconds;
            log.WriteLine($"LFP training: ours {lfpRate:F0} samples/s (hidden spike rate {hiddenRate:P2}), dense torch {torchLfpRate:F0} samples/s");
            foreach (var t in inputs) t.Dispose();
        }

        // The same with one thread each: libtorch's OpenMP threads wait for each other at every operation and suffer
        // far more than .NET's thread pool when the machine is oversubscribed, so this ratio is the steadier one.
        double lfpRateOneThread, torchLfpRateOneThread;
        set_num_threads(1);
        try
        {
            var single = new CpuBackend(1);
            var trainerOneThread = new LfpTrainer(network.Clone(), training, single, new CpuLfpBackend(single));
            using var dense = new DenseTorchLfp(network.Clone(), training.LearningRate, training.Momentum, training.ClipNorm);
            var inputs = Enumerable.Range(0, DataBatches).Select(b => dense.Input(data.Batch(b * TrainBatchSize, TrainBatchSize), TrainBatchSize)).ToArray();
            int oursBatch = 0, torchBatch = 0;
            TrainOne(trainerOneThread, data, oursBatch++, keys, null);
            dense.TrainBatch(inputs[torchBatch % DataBatches], Labels(data, torchBatch++), Steps);
            int oursBatches = Math.Max(1, options.LfpBatches / 3), torchBatches = Math.Max(1, options.TorchLfpBatches / 3);
            var (oursSeconds, torchSeconds) = MedianSecondsSideBySide(options.Repeats,
                () => { for (int i = 0; i < oursBatches; i++) TrainOne(trainerOneThread, data, oursBatch++, keys, null); },
                () => { for (int i = 0; i < torchBatches; i++, torchBatch++) dense.TrainBatch(inputs[torchBatch % DataBatches], Labels(data, torchBatch), Steps); });
            lfpRateOneThread = oursBatches * TrainBatchSize / oursSeconds;
            torchLfpRateOneThread = torchBatches * TrainBatchSize / torchSeconds;
            log.WriteLine($"LFP training, one thread each: ours {lfpRateOneThread:F0} samples/s, dense torch {torchLfpRateOneThread:F0} samples/s");
            foreach (var t in inputs) t.Dispose();
        }
        finally { set_num_threads(torchThreads); }

        double inferRate, torchInferRate;
        var simulator = new Simulator(network, Steps, new ConstantCurrentEncoder());
        var predictions = new int[InferBatchSize];
        int inferBatches = data.Count / InferBatchSize;
        using (var dense = new DenseTorchLfp(network))
        {
            var inputs = Enumerable.Range(0, inferBatches).Select(b => dense.Input(data.Batch(b * InferBatchSize, InferBatchSize), InferBatchSize)).ToArray();
            Action inferOurs = () =>
            {
                for (int i = 0; i < options.InferBatches; i++)
                    simulator.Predict(data.Batch(i % inferBatches * InferBatchSize, InferBatchSize), keys, predictions);
            };
            Action inferTorch = () =>
            {
                for (int i = 0; i < options.TorchInferBatches; i++) dense.Predict(inputs[i % inferBatches], Steps, predictions);
            };
            inferOurs();
            inferTorch();
            var (oursSeconds, torchSeconds) = MedianSecondsSideBySide(options.Repeats, inferOurs, inferTorch);
            inferRate = options.InferBatches * InferBatchSize / oursSeconds;
            torchInferRate = options.TorchInferBatches * InferBatchSize / torchSeconds;
            log.WriteLine($"inference: ours {inferRate:F0} samples/s, dense torch {torchInferRate:F0} samples/s");
            foreach (var t in inputs) t.Dispose();
        }

        double gemmOursGflops, gemmTorchGflops;
        var synapses = network.Layers[0].DenseConnection;
        var gemmInput = data.Batch(0, TrainBatchSize).ToArray();
        using (var x = tensor(gemmInput, [TrainBatchSize, SyntheticImages.InputSize]))
        using (var w = tensor(synapses.Weights, [SyntheticImages.InputSize, Hidden]))
        {
            var gemmOutput = new float[TrainBatchSize * Hidden];
            var parallel = new CpuBackend().Parallelism;
            Action gemmOurs = () =>
            {
                for (int i = 0; i < options.GemmCalls; i++)
                    DenseMath.AffineRows(gemmInput, TrainBatchSize, SyntheticImages.InputSize, synapses, gemmOutput, parallel);
            };
            Action gemmTorch = () =>
            {
                for (int i = 0; i < options.GemmCalls; i++) { using var y = matmul(x, w); }
            };
            gemmOurs();
            gemmTorch();
            var (oursSeconds, torchSeconds) = MedianSecondsSideBySide(options.Repeats, gemmOurs, gemmTorch);
            double gemmFlop = 2.0 * TrainBatchSize * SyntheticImages.InputSize * Hidden * options.GemmCalls;
            gemmOursGflops = gemmFlop / oursSeconds / 1e9;
            gemmTorchGflops = gemmFlop / torchSeconds / 1e9;
            log.WriteLine($"GEMM 128x784 by 784x1000: ours {gemmOursGflops:F1} GFLOP/s, torch.matmul {gemmTorchGflops:F1} GFLOP/s");
        }

        double surrogateRate;
        using (var surrogate = new SurrogateNetwork(network.Layers.Select(l => new SurrogateLayer(
                   l.DenseConnection.ToOutputMajor(), (float[])l.DenseConnection.Bias.Clone(), l.Inputs, l.Size, l.Neurons.Beta, l.Neurons.Threshold)).ToArray(), SurrogateSpec.Default))
        using (var surrogateTrainer = new SurrogateBatchTrainer(surrogate, new SurrogateBatchTrainerOptions(SurrogateOptimizer.Adam)))
        {
            var features = Enumerable.Range(0, DataBatches).Select(b => data.Batch(b * TrainBatchSize, TrainBatchSize).ToArray()).ToArray();
            var labels = Enumerable.Range(0, DataBatches).Select(b => data.Labels.AsSpan(b * TrainBatchSize, TrainBatchSize).ToArray()).ToArray();
            int surrogateBatch = 0;
            for (int i = 0; i < 2; i++, surrogateBatch++) surrogateTrainer.TrainBatch(features[surrogateBatch % DataBatches], labels[surrogateBatch % DataBatches], TrainBatchSize, Steps);
            surrogateRate = options.SurrogateBatches * TrainBatchSize / MedianSeconds(options.Repeats, () =>
            {
                for (int i = 0; i < options.SurrogateBatches; i++, surrogateBatch++)
                    surrogateTrainer.TrainBatch(features[surrogateBatch % DataBatches], labels[surrogateBatch % DataBatches], TrainBatchSize, Steps);
            });
            log.WriteLine($"surrogate BPTT on torch (atan, Adam): {surrogateRate:F0} samples/s");
        }

        return new MlpReport
        {
            LfpTrainSamplesPerSecond = lfpRate,
            LfpDenseTorchSamplesPerSecond = torchLfpRate,
            LfpTrainOneThreadSamplesPerSecond = lfpRateOneThread,
            LfpDenseTorchOneThreadSamplesPerSecond = torchLfpRateOneThread,
            SurrogateTorchSamplesPerSecond = surrogateRate,
            InferSamplesPerSecond = inferRate,
            InferDenseTorchSamplesPerSecond = torchInferRate,
            GemmGflops = gemmOursGflops,
            GemmTorchGflops = gemmTorchGflops,
            PeakWorkingSetMb = peakTraining,
            PeakWorkingSetProcessMb = PeakWorkingSetMb(),
            AllocatedBytesPerBatch = allocatedAll,
            AllocatedBytesPerBatchCallingThread = allocatedThread,
            HiddenSpikeRate = hiddenRate,
            PretrainBatches = pretrainBatches,
            Scaling = scaling,
            FeedbackChecks = checks,
            Method = Describe(options),
        };
    }

    private static string Describe(BenchmarkOptions o) =>
        $"784-{Hidden}-10 LIF (beta 0.9, threshold 1, delayed subtract reset), T={Steps}, constant current, synthetic Fashion-MNIST-shaped data; " +
        $"median over {o.Repeats} repeats (ours and torch alternating) of: LFP {o.LfpBatches} x LfpTrainer.TrainBatch(128) after {o.PretrainBatches} pre-training batches, the first layer scaled for a hidden rate of {RealisticHiddenRate:P1} and 5 more batches; " +
        $"dense torch LFP {o.TorchLfpBatches} x 128 (forward, backward, clip, SGD); one thread each: a third of those batches; surrogate {o.SurrogateBatches} x SurrogateBatchTrainer.TrainBatch(128), atan, Adam 1e-3; " +
        $"inference {o.InferBatches} (ours) / {o.TorchInferBatches} (torch) batches of {InferBatchSize}; GEMM {o.GemmCalls} calls; " +
        $"scaling: median over {o.ScalingRepeats} repeats of {o.ScalingBatches} TrainBatch(128) from a fresh copy of a network whose first-layer weights and bias were scaled for the target rate.";

    internal static void TrainOne(LfpTrainer trainer, IBenchData data, int batchIndex, long[] keys, double[]? spikes)
    {
        int start = batchIndex % DataBatches * TrainBatchSize;
        trainer.TrainBatch(data.Batch(start, TrainBatchSize), data.Labels.AsSpan(start, TrainBatchSize), keys.AsSpan(0, TrainBatchSize), 1, batchIndex, spikes);
    }

    internal static ReadOnlySpan<int> Labels(IBenchData data, int batchIndex)
        => data.Labels.AsSpan(batchIndex % DataBatches * TrainBatchSize, TrainBatchSize);

    private static double HiddenRate(double[] spikes, int batches, int hidden) => HiddenRate(spikes, batches, hidden, Steps);

    // Spikes of the first (hidden) layer per neuron, step and sample of the batches counted in spikes.
    internal static double HiddenRate(double[] spikes, int batches, int hidden, int steps)
        => spikes[0] / ((double)batches * TrainBatchSize * steps * hidden);

    // Scales the first layer of a fresh network for the target rate, then times training steps from fresh copies of it.
    private static ScalingPoint MeasureScaling(int hidden, double target, SyntheticImages data, TrainingOptions training, long[] keys, BenchmarkOptions options)
    {
        var network = SpikingNetwork.Create([SyntheticImages.InputSize, hidden, SyntheticImages.ClassCount], LifParameters.Default, options.Seed + hidden);
        ScaleFirstLayerTo(network, target, data, keys);

        var spikes = new double[2];
        var times = new List<double>();
        for (int r = 0; r < options.ScalingRepeats; r++)
        {
            var trainer = new LfpTrainer(network.Clone(), training);
            TrainOne(trainer, data, 0, keys, null);
            var clock = Stopwatch.StartNew();
            for (int i = 1; i <= options.ScalingBatches; i++) TrainOne(trainer, data, i, keys, spikes);
            times.Add(clock.Elapsed.TotalSeconds / options.ScalingBatches);
        }
        double rate = HiddenRate(spikes, options.ScalingRepeats * options.ScalingBatches, hidden);
        return new ScalingPoint(hidden, target, rate, Median(times) * 1000);
    }

    // Scales the first layer's weights and bias (bisection on the log of the scale) until the hidden layer fires at
    // about the target rate on the first batch; returns the scale.
    private static double ScaleFirstLayerTo(SpikingNetwork network, double target, SyntheticImages data, long[] keys)
    {
        var synapses = network.Layers[0].DenseConnection;
        var weights = (float[])synapses.Weights.Clone();
        var bias = (float[])synapses.Bias.Clone();
        var simulator = new Simulator(network, Steps, new ConstantCurrentEncoder());
        double low = Math.Log(1.0 / 64), high = Math.Log(16);
        for (int i = 0; i < 14; i++)
        {
            double middle = (low + high) / 2;
            Scale(weights, bias, (float)Math.Exp(middle), synapses);
            var trace = simulator.Forward(data.Batch(0, TrainBatchSize), keys.AsSpan(0, TrainBatchSize));
            if (TraceStatistics.SpikeRate(trace, 0) < target) low = middle; else high = middle;
        }
        double scale = Math.Exp((low + high) / 2);
        Scale(weights, bias, (float)scale, synapses);
        return scale;
    }

    private static void Scale(float[] weights, float[] bias, float scale, DenseSynapses target)
    {
        for (int i = 0; i < weights.Length; i++) target.Weights[i] = weights[i] * scale;
        for (int i = 0; i < bias.Length; i++) target.Bias[i] = bias[i] * scale;
    }

    // Alternates repeats of a and b; returns the median seconds of each. Before each timed run, an untimed pause lets
    // the other side's idle threads go to sleep: the command line keeps idle thread-pool workers spinning for some
    // 15-20 ms (its runtimeconfig), which would otherwise take a core from the start of the torch side's run.
    internal static (double A, double B) MedianSecondsSideBySide(int repeats, Action a, Action b)
    {
        var timesA = new List<double>(repeats);
        var timesB = new List<double>(repeats);
        for (int r = 0; r < repeats; r++)
        {
            Thread.Sleep(SettleMilliseconds);
            var clock = Stopwatch.StartNew();
            a();
            timesA.Add(clock.Elapsed.TotalSeconds);
            Thread.Sleep(SettleMilliseconds);
            clock.Restart();
            b();
            timesB.Add(clock.Elapsed.TotalSeconds);
        }
        return (Median(timesA), Median(timesB));
    }

    // Longer than the spinning of idle workers (measured at 15-20 ms for 5,000 rounds).
    private const int SettleMilliseconds = 50;

    private static double MedianSeconds(int repeats, Action run)
    {
        var times = new List<double>(repeats);
        for (int r = 0; r < repeats; r++)
        {
            var clock = Stopwatch.StartNew();
            run();
            times.Add(clock.Elapsed.TotalSeconds);
        }
        return Median(times);
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        int n = values.Count;
        return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
    }

    private static double PeakWorkingSetMb()
    {
        using var process = Process.GetCurrentProcess();
        return process.PeakWorkingSet64 / (1024.0 * 1024.0);
    }

    private static string LoadAverage()
    {
        try { return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)); }
        catch (IOException) { return "unknown"; }
        catch (UnauthorizedAccessException) { return "unknown"; }
    }
}

/// <summary>Runs the dense TorchSharp LFP step and ours on the same weights and batch and compares their feedback.</summary>
public static class FeedbackCheck
{
    /// <summary>
    /// Feedback of every parameter (W, b, and V, b_V of recurrent layers) from <see cref="CpuLfpBackend"/> and from
    /// <see cref="DenseTorchLfp"/> (float32, and float64 as the near-exact answer) on <paramref name="network"/>
    /// (unchanged) for one batch of analog input: constant currents, or the sequences <paramref name="encoder"/>
    /// presents (null: constant current). Each difference is the largest over parameters of max |a - b| / max |b|.
    /// </summary>
    public static FeedbackAgreement Compare(SpikingNetwork network, ReadOnlySpan<float> features, ReadOnlySpan<int> labels, int steps, IInputEncoder? encoder = null)
    {
        var (ours, spikesOurs) = Ours(network, features, labels, steps, encoder);
        var (torch, spikesTorch) = Dense(network, features, labels, steps, ScalarType.Float32, encoder);
        var (exact, spikesExact) = Dense(network, features, labels, steps, ScalarType.Float64, encoder);
        return new FeedbackAgreement(network.Spec, Worst(ours, torch), Worst(ours, exact), Worst(torch, exact), spikesOurs, spikesTorch, spikesExact);
    }

    /// <summary>
    /// Feedback in parameter order (<see cref="DenseTorchLfp.FeedbackInParameterOrder"/>, output-major) and spikes per
    /// layer of the dense TorchSharp step in <paramref name="dtype"/>.
    /// </summary>
    public static (float[][] Feedback, long[] Spikes) Dense(SpikingNetwork network, ReadOnlySpan<float> features, ReadOnlySpan<int> labels, int steps, ScalarType dtype,
        IInputEncoder? encoder = null)
    {
        using var dense = new DenseTorchLfp(network, dtype: dtype);
        using var x = dense.Input(features, labels.Length, encoder ?? new ConstantCurrentEncoder(), steps);
        var spikes = dense.SpikeCounts(x, steps);
        dense.ComputeFeedback(x, labels, steps);
        return (dense.FeedbackInParameterOrder(), spikes);
    }

    /// <summary>
    /// Our feedback in parameter order, weight matrices output-major as <see cref="Dense"/>'s, and spikes per layer,
    /// for input encoded by <paramref name="encoder"/> (null: constant current).
    /// </summary>
    public static (float[][] Feedback, long[] Spikes) Ours(SpikingNetwork network, ReadOnlySpan<float> features, ReadOnlySpan<int> labels, int steps,
        IInputEncoder? encoder = null)
    {
        var keys = Enumerable.Range(0, labels.Length).Select(i => (long)i).ToArray();
        var trace = new Simulator(network, steps, encoder ?? new ConstantCurrentEncoder()).Forward(features, keys);
        var feedback = new Feedback(network);
        new CpuLfpBackend().Backward(network, trace, labels, new RateCodedSpikeReward(), new LfpWorkspace(trace), feedback);
        var spikes = Enumerable.Range(0, network.Layers.Count).Select(k => TraceStatistics.SpikeTotal(trace, k)).ToArray();
        return (OutputMajor(network, feedback.InParameterOrder()), spikes);
    }

    /// <summary>
    /// Arrays in <see cref="SpikingNetwork.Parameters"/>' order (the parameters themselves, or
    /// <see cref="Feedback.InParameterOrder"/>) with every weight array turned into PyTorch's layout: W as [out, in]
    /// (convolutions [outC, inC, kh, kw]), V as [postsynaptic, presynaptic]; biases copied as they are.
    /// </summary>
    public static float[][] OutputMajor(SpikingNetwork network, IReadOnlyList<float[]> inParameterOrder)
    {
        var result = new List<float[]>();
        foreach (var layer in network.Layers)
        {
            result.Add(TorchLayout(layer.Connection, inParameterOrder[result.Count]));
            result.Add((float[])inParameterOrder[result.Count].Clone());
            if (!layer.IsRecurrent) continue;
            result.Add(ToOutputMajor(inParameterOrder[result.Count], layer.Size, layer.Size));
            result.Add((float[])inParameterOrder[result.Count].Clone());
        }
        if (result.Count != inParameterOrder.Count) throw new ArgumentException($"expected {result.Count} arrays in parameter order, got {inParameterOrder.Count}.", nameof(inParameterOrder));
        return result.ToArray();
    }

    private static double Worst(float[][] feedback, float[][] reference)
    {
        double worst = 0;
        for (int i = 0; i < feedback.Length; i++) worst = Math.Max(worst, RelativeDifference(feedback[i], reference[i]));
        return worst;
    }

    /// <summary>max |a - b| / max |b| (0 when both are zero).</summary>
    public static double RelativeDifference(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length) throw new ArgumentException($"lengths differ: {a.Length} and {b.Length}.");
        double difference = 0, scale = 0;
        for (int i = 0; i < a.Length; i++)
        {
            difference = Math.Max(difference, Math.Abs((double)a[i] - b[i]));
            scale = Math.Max(scale, Math.Abs((double)b[i]));
        }
        return scale == 0 ? difference : difference / scale;
    }

    // Weights laid out as connection's weights, in PyTorch's layout (a pool's inner connection decides).
    private static float[] TorchLayout(ISynapses connection, float[] weights)
    {
        if (connection is PooledSynapses pooled) connection = pooled.Inner;
        if (connection is not Conv2dSynapses conv) return ToOutputMajor(weights, connection.Inputs, connection.Outputs);
        var copy = conv.Clone();
        weights.CopyTo(copy.Weights, 0);
        return copy.ToTorchLayout();
    }

    /// <summary>Input-major [in, out] to output-major [out, in].</summary>
    public static float[] ToOutputMajor(float[] inputMajor, int inputs, int outputs)
    {
        var result = new float[inputMajor.Length];
        for (int i = 0; i < inputs; i++)
            for (int j = 0; j < outputs; j++)
                result[j * inputs + i] = inputMajor[i * outputs + j];
        return result;
    }
}
