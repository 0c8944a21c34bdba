using System.Diagnostics;
using Newtonsoft.Json;
using SpikeLfp.Gpu;
using SpikeLfp.Gpu.Agreement;
using SpikeLfp.Learning.Training;
using SpikeLfp.Network.Encoding;
using SpikeLfp.Network.Model;
using SpikeLfp.Neurons;

// spikelfp-gpu-check [--cpu] [--quick]
// 1. Agreement: every GPU kernel against the CPU backend (same spikes, values to 1e-5) with the tiled product
//    (bit-compatible sums): LIF and CubaLIF neurons, every reset mode, feed-forward and recurrent layers; device
//    training and the host trainer on the GPU backend against the CPU trainer; then the Reference fixtures through the
//    GPU backend; with cuBLAS too when it loads.
// 2. Benchmarks (CUDA only): LFP training samples/s on the Fashion-MNIST MLP shape, and forward + LFP backward
//    on the Open Neuromorphic shape. Prints one JSON document; exit 0 when every agreement check passed.
// Without CUDA (or with --cpu) the agreement part runs on ILGPU's CPU accelerator and the benchmarks are skipped.
bool forceCpu = args.Contains("--cpu"), quick = args.Contains("--quick");
var report = new Dictionary<string, object?>();
bool cuda = !forceCpu && GpuDevice.CudaAvailable();
if (!cuda) Console.Error.WriteLine(forceCpu ? "--cpu: running on ILGPU's CPU accelerator; benchmarks skipped." : "No CUDA device found: running the agreement checks on ILGPU's CPU accelerator; benchmarks skipped.");
using var device = cuda ? GpuDevice.OpenCuda() : GpuDevice.OpenCpu();
report["device"] = device.Name;
report["cuda"] = cuda;
Console.Error.WriteLine($"device: {device.Name}");
var clock = Stopwatch.StartNew();

var agreement = new Dictionary<string, object>();
bool allPassed = true;
using (var exact = new GpuBackend(device.Accelerator, new GpuBackendOptions { UseCuBlas = false }))
{
    allPassed &= Run(agreement, "tiled", exact);
}
using (var blas = cuda ? new GpuBackend(device.Accelerator) : null)
{
    report["cublas"] = blas?.UsesCuBlas ?? false;
    if (blas is { UsesCuBlas: false }) report["cublas_unavailable"] = blas.CuBlasUnavailableReason;
    if (blas is { UsesCuBlas: true }) Run(agreement, "cublas", blas); // informational: sums in another order may move a borderline spike
}
report["agreement"] = agreement;
report["agreement_passed"] = allPassed;
report["agreement_seconds"] = Math.Round(clock.Elapsed.TotalSeconds, 1);

if (cuda)
{
    var benchmarks = new List<object>();
    foreach (bool useCuBlas in new[] { false, true })
    {
        using var backend = new GpuBackend(device.Accelerator, new GpuBackendOptions { UseCuBlas = useCuBlas });
        if (useCuBlas && !backend.UsesCuBlas) continue;
        string products = backend.UsesCuBlas ? "cublas" : "tiled";
        benchmarks.Add(Benchmark(backend, products, "fashion-mnist-mlp", [784, 1000, 10], batch: 128, steps: 15, "current", quick ? 2 : 8));
        foreach (int n in new[] { 4096, 16384 })
            benchmarks.Add(Benchmark(backend, products, $"open-neuromorphic-n{n}", [n, n], batch: 16, steps: 500, "rate", quick ? 1 : 3));
    }
    report["benchmarks"] = benchmarks;
}
else report["benchmarks"] = "skipped: no CUDA device";
report["total_seconds"] = Math.Round(clock.Elapsed.TotalSeconds, 1);
Console.WriteLine(JsonConvert.SerializeObject(report, Formatting.Indented));
return allPassed ? 0 : 1;

static bool Run(Dictionary<string, object> results, string products, GpuBackend backend)
{
    bool passed = true;
    void Record(string name, Func<List<string>> check)
    {
        List<string> failures;
        try { failures = check(); }
        catch (Exception e) { failures = [$"{e.GetType().Name}: {e.Message}"]; }
        results[$"{products}/{name}"] = failures.Count == 0 ? "pass" : failures;
        passed &= failures.Count == 0;
        Console.Error.WriteLine($"{products}/{name}: {(failures.Count == 0 ? "pass" : string.Join("; ", failures))}");
    }
    foreach (var s in Scenario.All.Concat(Scenario.Temporal)) Record($"kernels/{s.Name}", () => BackendAgreement.ForwardAndBackward(backend, s));
    Scenario Temporal(string name) => Scenario.Temporal.Single(s => s.Name == name);
    var trained = new[] { Scenario.All[0], Scenario.All[4], Temporal("recurrent-lif-rate"), Temporal("recurrent-cuba-current-zero-all"), Temporal("recurrent-cuba-rows-zero-all") };
    foreach (string optimizer in new[] { "sgd", "adam" })
        foreach (var s in trained)
            Record($"training/{optimizer}/{s.Name}", () => BackendAgreement.TrainingSteps(backend, s, optimizer));
    foreach (var s in new[] { Scenario.All[4], Temporal("recurrent-cuba-current-zero-all"), Temporal("li-readout-recurrent-cuba-rate") })
        Record($"host-trainer/{s.Name}", () => BackendAgreement.HostTrainerSteps(backend, s));
    foreach (var (name, spiking) in new[] { ("lfp_snn_mlp", false), ("lfp_snn_mlp_spiking_input", true) })
        Record($"reference/{name}", () => BackendAgreement.ReferenceFixture(backend, Embedded(name), spiking));
    return passed;
}

static string Embedded(string name)
{
    using var stream = typeof(Scenario).Assembly.GetManifestResourceStream(name + ".json") ?? throw new InvalidOperationException($"fixture {name} is not embedded");
    using var reader = new StreamReader(stream);
    return reader.ReadToEnd();
}

// Times whole device-resident LFP steps (forward, reward, backward, clipping, SGD update); each step ends with the
// download of its predictions and rewards, and the clock stops after Synchronize.
static object Benchmark(GpuBackend backend, string products, string name, int[] sizes, int batch, int steps, string encoder, int repeats)
{
    try
    {
        var network = SpikingNetwork.Create(sizes, LifParameters.Default, seed: 1);
        var options = new TrainingOptions { Steps = steps, BatchSize = batch, Encoder = InputEncoders.Parse(encoder) };
        using var trainer = new GpuLfpTrainer(backend, network, options);
        var random = new Random(2);
        var features = new float[batch * sizes[0]];
        for (int i = 0; i < features.Length; i++) features[i] = (float)(random.NextDouble() * 2 - 1);
        var labels = Enumerable.Range(0, batch).Select(_ => random.Next(sizes[^1])).ToArray();
        var keys = Enumerable.Range(0, batch).Select(i => (long)i).ToArray();
        trainer.TrainBatch(features, labels, keys); // compiles nothing new, but warms caches and allocations
        backend.Synchronize();
        var times = new List<double>();
        for (int r = 0; r < repeats; r++)
        {
            var watch = Stopwatch.StartNew();
            trainer.TrainBatch(features, labels, keys);
            backend.Synchronize();
            times.Add(watch.Elapsed.TotalMilliseconds);
        }
        double median = times.Order().ElementAt(times.Count / 2);
        Console.Error.WriteLine($"{products}/{name}: median {median:F2} ms per batch of {batch}");
        return new { name, products, sizes, batch, steps, encoder, step = "forward + LFP backward + clip + SGD update", repeats, median_ms = Math.Round(median, 3), min_ms = Math.Round(times.Min(), 3), samples_per_second = Math.Round(batch * 1000.0 / median, 1) };
    }
    catch (Exception e)
    {
        Console.Error.WriteLine($"{products}/{name}: {e.GetType().Name}: {e.Message}");
        return new { name, products, error = $"{e.GetType().Name}: {e.Message}" };
    }
}
