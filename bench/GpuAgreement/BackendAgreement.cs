using Newtonsoft.Json.Linq;
using SpikeLfp.Gpu;
using SpikeLfp.Learning.Lfp;
using SpikeLfp.Learning.Rewards;
using SpikeLfp.Learning.Training;
using SpikeLfp.Network.Backends;
using SpikeLfp.Network.Encoding;
using SpikeLfp.Network.Model;
using SpikeLfp.Network.Simulation;
using SpikeLfp.Neurons;
using SpikeLfp.Tests.Support;

namespace SpikeLfp.Gpu.Agreement;

/// <summary>
/// A small network and batch on which the GPU backend is compared with the CPU backend: LIF neurons, or CubaLIF ones
/// when <see cref="Alpha"/> is set; the layers listed in <see cref="Recurrent"/> (0-based) have recurrent synapses.
/// </summary>
public sealed record Scenario(string Name, int[] Sizes, LifParameters Neurons, string Encoder, int Batch, int Steps, int Seed = 7)
{
    /// <summary>CubaLIF's synaptic decay; null for LIF neurons.</summary>
    public float? Alpha { get; init; }

    /// <summary>Indices of the layers with recurrent synapses.</summary>
    public int[] Recurrent { get; init; } = [];

    /// <summary>Rows per sample for the rows encoder (each of the first layer's width); 0 for other encoders.</summary>
    public int Rows { get; init; }

    /// <summary>True when the output layer is a non-spiking LI readout (trained with the readout's softmax reward).</summary>
    public bool LiReadout { get; init; }

    /// <summary>The reward LFP places on the output: rate-coded on spikes, the readout softmax reward on an LI readout.</summary>
    public ISpikeReward Reward() => LiReadout ? new ReadoutSoftmaxReward() : new RateCodedSpikeReward();

    /// <summary>Features per sample: the first layer's inputs, or all rows together for the rows encoder.</summary>
    public int FeatureCount => Encoder == "rows" ? Rows * Sizes[0] : Sizes[0];

    /// <summary>The scenario's encoder, seeded.</summary>
    public IInputEncoder CreateEncoder(ulong seed) => InputEncoders.Create(InputEncoders.Parse(Encoder), seed, FeatureCount, Sizes[0]);

    /// <summary>Features in [-1, 1], seeded; a few exact zeros so skipped inputs are exercised.</summary>
    public float[] Features()
    {
        var random = new Random(Seed + 1);
        var x = new float[Batch * FeatureCount];
        for (int i = 0; i < x.Length; i++) x[i] = i % 7 == 3 ? 0f : (float)(random.NextDouble() * 2 - 1);
        return x;
    }

    /// <summary>Labels cycling through the classes.</summary>
    public int[] Labels() => Enumerable.Range(0, Batch).Select(b => (b * 3 + 1) % Sizes[^1]).ToArray();

    /// <summary>Sample keys.</summary>
    public long[] Keys() => Enumerable.Range(0, Batch).Select(b => 1000L + b).ToArray();

    /// <summary>The network, with weights scaled up so hidden layers spike often (recurrent weights too, so they matter).</summary>
    public SpikingNetwork Network()
    {
        NeuronModel neuron = Alpha is { } alpha ? new CubaLifNeuron(Neurons, alpha) : new LifNeuron(Neurons);
        int outputLayer = Sizes.Length - 2;
        var spec = new NetworkSpec(Sizes[0], Sizes.Skip(1).Select((size, k) =>
            new LayerSpec(size, LiReadout && k == outputLayer ? new LiNeuron(Neurons) : neuron, Recurrent.Contains(k))).ToArray());
        var network = SpikingNetwork.Create(spec, Seed);
        foreach (var layer in network.Layers)
        {
            for (int i = 0; i < layer.DenseConnection.Weights.Length; i++) layer.DenseConnection.Weights[i] *= 3f;
            for (int j = 0; j < layer.DenseConnection.Bias.Length; j++) layer.DenseConnection.Bias[j] = layer.DenseConnection.Bias[j] * 2f + 0.4f;
            if (layer.Recurrent is { } recurrent)
                for (int i = 0; i < recurrent.Weights.Length; i++) recurrent.Weights[i] *= 2f;
        }
        return network;
    }

    /// <summary>The standard set: every reset mode, analog and spiking input, two and three layers.</summary>
    public static IReadOnlyList<Scenario> All { get; } =
    [
        new("current-subtract-delayed", [12, 20, 5], new LifParameters(0.9f, 1f), "current", 3, 7),
        new("current-subtract-immediate", [12, 20, 5], new LifParameters(0.8f, 1f, ResetMode.Subtract, delayedReset: false), "current", 3, 7),
        new("current-zero-delayed", [12, 20, 5], new LifParameters(0.85f, 0.9f, ResetMode.Zero), "current", 3, 7),
        new("current-zero-immediate", [12, 20, 5], new LifParameters(0.85f, 1f, ResetMode.Zero, delayedReset: false), "current", 3, 7),
        new("rate-three-layers", [10, 18, 14, 4], new LifParameters(0.9f, 1f), "rate", 4, 6),
        new("latency-zero", [10, 17, 4], new LifParameters(0.9f, 0.5f, ResetMode.Zero), "latency", 3, 10),
    ];

    /// <summary>
    /// What docs/lfp-temporal.md adds: CubaLIF neurons, the zero-all reset, recurrent layers (hidden, output, and a first
    /// layer under a constant current, whose W x + b is kept apart as ForwardTrace.InputDrive) and analog sequences
    /// (rows; the last scenario has more steps than rows, so its last steps present zeros).
    /// </summary>
    public static IReadOnlyList<Scenario> Temporal { get; } =
    [
        new("cuba-current-zero-all", [12, 20, 5], new LifParameters(0.85f, 1f, ResetMode.ZeroAll), "current", 3, 7) { Alpha = 0.6f },
        new("cuba-rate-subtract-immediate", [10, 18, 14, 4], new LifParameters(0.9f, 1f, ResetMode.Subtract, delayedReset: false), "rate", 3, 6) { Alpha = 0.5f },
        new("lif-rate-zero-all", [10, 17, 4], new LifParameters(0.9f, 0.8f, ResetMode.ZeroAll), "rate", 3, 8, Seed: 3),
        new("recurrent-lif-rate", [16, 12, 4], new LifParameters(0.9f, 1f), "rate", 3, 7) { Recurrent = [0] },
        new("recurrent-cuba-current-zero-all", [12, 20, 5], new LifParameters(0.85f, 1f, ResetMode.ZeroAll), "current", 3, 7) { Alpha = 0.5f, Recurrent = [0, 1] },
        new("recurrent-cuba-latency-zero", [10, 14, 4], new LifParameters(0.8f, 0.7f, ResetMode.Zero), "latency", 3, 8) { Alpha = 0.4f, Recurrent = [1] },
        new("rows-lif", [6, 12, 4], new LifParameters(0.9f, 1f), "rows", 3, 6) { Rows = 6 },
        new("recurrent-cuba-rows-zero-all", [6, 12, 4], new LifParameters(0.85f, 1f, ResetMode.ZeroAll), "rows", 3, 7) { Alpha = 0.5f, Recurrent = [0], Rows = 5 },
        new("li-readout-current", [12, 20, 5], new LifParameters(0.9f, 1f), "current", 3, 7) { LiReadout = true },
        new("li-readout-recurrent-cuba-rate", [10, 14, 4], new LifParameters(0.85f, 1f), "rate", 3, 8) { Alpha = 0.5f, Recurrent = [0], LiReadout = true },
    ];
}

/// <summary>
/// GPU-versus-CPU comparisons shared by the NUnit tests (ILGPU's CPU accelerator) and the device check
/// (a real GPU). Each returns the list of disagreements; empty means agreement: identical spikes, and every value
/// within 1e-5 of the CPU's under the Reference tolerance rule.
/// </summary>
public static class BackendAgreement
{
    /// <summary>
    /// Forward (currents, membranes, synaptic currents, spikes) and backward (reward, normalised reward, internal and
    /// synaptic reward, input reward, feedback of every parameter) on both backends; the GPU backward runs both on its
    /// own resident trace and on a trace uploaded from the CPU backend.
    /// </summary>
    public static List<string> ForwardAndBackward(GpuBackend gpu, Scenario s)
    {
        var failures = new List<string>();
        var network = s.Network();
        var encoder = s.CreateEncoder(11);
        float[] features = s.Features();
        long[] keys = s.Keys();
        int[] labels = s.Labels();

        var cpuTrace = new ForwardTrace(network, s.Batch, s.Steps, encoder.Kind);
        var gpuTrace = new ForwardTrace(network, s.Batch, s.Steps, encoder.Kind);
        new CpuBackend(2).Forward(network, features, keys, encoder, cpuTrace);
        gpu.Forward(network, features, keys, encoder, gpuTrace);
        CompareTraces(cpuTrace, gpuTrace, s.Name, failures);

        var (cpuWs, cpuFb, cpuReward) = Backward(new CpuLfpBackend(new CpuBackend(2)), network, cpuTrace, labels, s.Reward());
        var (gpuWs, gpuFb, gpuReward) = Backward(gpu, network, gpuTrace, labels, s.Reward());
        CompareBackward(cpuWs, cpuFb, cpuReward, gpuWs, gpuFb, gpuReward, network, s.Batch, $"{s.Name} backward", failures);
        var (upWs, upFb, upReward) = Backward(gpu, network, cpuTrace, labels, s.Reward());
        CompareBackward(cpuWs, cpuFb, cpuReward, upWs, upFb, upReward, network, s.Batch, $"{s.Name} backward on an uploaded trace", failures);
        return failures;
    }

    /// <summary>
    /// The GPU backward on a trace this backend filled and the CPU backend then filled again with the same samples in
    /// another order (equal spike totals): it must use the trace as last filled, as the CPU backward does.
    /// </summary>
    public static List<string> RefilledTrace(GpuBackend gpu, Scenario s)
    {
        var failures = new List<string>();
        var network = s.Network();
        var encoder = s.CreateEncoder(11);
        int n = s.FeatureCount;
        float[] features = s.Features();
        long[] keys = s.Keys();
        int[] labels = s.Labels();
        // Samples 0 and 1 swapped: the same spike totals, other content (and other labels per position).
        float[] swapped = [.. features.AsSpan(n, n), .. features.AsSpan(0, n), .. features.AsSpan(2 * n)];
        long[] swappedKeys = [keys[1], keys[0], .. keys.AsSpan(2)];
        int[] swappedLabels = [labels[1], labels[0], .. labels.AsSpan(2)];

        var trace = new ForwardTrace(network, s.Batch, s.Steps, encoder.Kind);
        gpu.Forward(network, features, keys, encoder, trace);
        new CpuBackend(2).Forward(network, swapped, swappedKeys, encoder, trace);
        var (cpuWs, cpuFb, cpuReward) = Backward(new CpuLfpBackend(new CpuBackend(2)), network, trace, swappedLabels, s.Reward());
        var (gpuWs, gpuFb, gpuReward) = Backward(gpu, network, trace, swappedLabels, s.Reward());
        CompareBackward(cpuWs, cpuFb, cpuReward, gpuWs, gpuFb, gpuReward, network, s.Batch, $"{s.Name} backward on a trace refilled by the CPU", failures);
        return failures;
    }

    /// <summary>
    /// One training step with everything on the device (<see cref="GpuLfpTrainer"/>) against <see cref="LfpTrainer"/>:
    /// correct predictions, reward, spike totals and the updated weights (two steps, so momentum and Adam moments matter).
    /// </summary>
    public static List<string> TrainingSteps(GpuBackend gpu, Scenario s, string optimizer)
    {
        var failures = new List<string>();
        var options = new TrainingOptions { Steps = s.Steps, BatchSize = s.Batch, Optimizer = SpikeLfp.Learning.Optimizers.OptimizerFactory.Parse(optimizer), LearningRate = optimizer == "adam" ? 0.01f : 0.2f, Encoder = InputEncoders.Parse(s.Encoder), Seed = 3, ClipNorm = 0.5f };
        var cpuNetwork = s.Network();
        var gpuNetwork = s.Network();
        var cpu = new LfpTrainer(cpuNetwork, options, new CpuBackend(2), new CpuLfpBackend(new CpuBackend(2)), encoder: s.CreateEncoder((ulong)options.Seed));
        using var device = new GpuLfpTrainer(gpu, gpuNetwork, options, s.CreateEncoder((ulong)options.Seed));
        float[] features = s.Features();
        int[] labels = s.Labels();
        long[] keys = s.Keys();
        for (int step = 0; step < 2; step++)
        {
            var totals = new double[cpuNetwork.Layers.Count];
            var (cpuReward, cpuCorrect) = cpu.TrainBatch(features, labels, keys, 1, step, totals);
            var (gpuReward, gpuCorrect, gpuTotals) = device.TrainBatch(features, labels, keys);
            string what = $"{s.Name} {optimizer} step {step + 1}";
            if (cpuCorrect != gpuCorrect) failures.Add($"{what}: {gpuCorrect} correct on the GPU, {cpuCorrect} on the CPU");
            if (!totals.Select(t => (long)t).SequenceEqual(gpuTotals)) failures.Add($"{what}: spike totals {string.Join(",", gpuTotals)} on the GPU, {string.Join(",", totals)} on the CPU");
            Tolerance.Check([(float)gpuReward], [cpuReward], $"{what}: reward", failures);
        }
        device.CopyWeightsTo();
        CompareParameters(cpuNetwork, gpuNetwork, $"{s.Name} {optimizer}", failures);
        return failures;
    }

    /// <summary>
    /// <see cref="LfpTrainer"/> with the GPU backend for simulation and LFP (what <c>train --device gpu</c> runs, with
    /// the training workspace, not the diagnostic one) against the same trainer on the CPU: two SGD steps.
    /// </summary>
    public static List<string> HostTrainerSteps(GpuBackend gpu, Scenario s)
    {
        var failures = new List<string>();
        var options = new TrainingOptions { Steps = s.Steps, BatchSize = s.Batch, LearningRate = 0.2f, Encoder = InputEncoders.Parse(s.Encoder), Seed = 3, ClipNorm = 0.5f };
        var cpuNetwork = s.Network();
        var gpuNetwork = s.Network();
        var cpu = new LfpTrainer(cpuNetwork, options, new CpuBackend(2), new CpuLfpBackend(new CpuBackend(2)), encoder: s.CreateEncoder((ulong)options.Seed));
        var onGpu = new LfpTrainer(gpuNetwork, options, gpu, gpu, encoder: s.CreateEncoder((ulong)options.Seed));
        for (int step = 0; step < 2; step++)
        {
            var (cpuReward, cpuCorrect) = cpu.TrainBatch(s.Features(), s.Labels(), s.Keys(), 1, step);
            var (gpuReward, gpuCorrect) = onGpu.TrainBatch(s.Features(), s.Labels(), s.Keys(), 1, step);
            if (cpuCorrect != gpuCorrect) failures.Add($"{s.Name} host trainer step {step + 1}: {gpuCorrect} correct on the GPU, {cpuCorrect} on the CPU");
            Tolerance.Check([(float)gpuReward], [cpuReward], $"{s.Name} host trainer step {step + 1}: reward", failures);
        }
        CompareParameters(cpuNetwork, gpuNetwork, $"{s.Name} host trainer", failures);
        return failures;
    }

    // Every trainable array (recurrent weights and biases included), in SpikingNetwork.Parameters' order.
    private static void CompareParameters(SpikingNetwork cpu, SpikingNetwork gpu, string what, List<string> failures)
    {
        var expected = cpu.Parameters();
        var actual = gpu.Parameters();
        for (int p = 0; p < expected.Count; p++)
            Tolerance.Check(actual[p], ToDouble(expected[p]), $"{what}: parameter array {p}", failures);
    }

    /// <summary>
    /// A reference fixture (lfp_snn_mlp*.json) through the GPU backend: every spike, and membranes, reward, input
    /// reward and feedback within the Reference tolerance.
    /// </summary>
    public static List<string> ReferenceFixture(GpuBackend gpu, string json, bool spikingInput)
    {
        var failures = new List<string>();
        var root = JObject.Parse(json);
        double[] Array(string path) => Flatten(root.SelectToken(path + ".data")!).ToArray();
        int Int(string path) => root.SelectToken(path)!.Value<int>();
        int steps = Int("sizes.T"), batch = Int("sizes.batch"), nIn = Int("sizes.n_in");
        var p = new LifParameters((float)root.SelectToken("params.beta")!.Value<double>(), (float)root.SelectToken("params.threshold")!.Value<double>());
        var layers = new List<SpikingLayer>();
        foreach (var (w, b) in new[] { ("W1", "b1"), ("W2", "b2") })
        {
            var shape = root.SelectToken(w + ".shape")!.Values<int>().ToArray();
            var layer = new SpikingLayer(shape[1], shape[0], p);
            layer.DenseConnection.FromOutputMajor(Array(w).Select(v => (float)v).ToArray());
            Array(b).Select(v => (float)v).ToArray().CopyTo(layer.DenseConnection.Bias, 0);
            layers.Add(layer);
        }
        var network = new SpikingNetwork(layers);
        IInputEncoder encoder = spikingInput ? new ReplayEncoder(Array("x"), steps, batch, nIn) : new ConstantCurrentEncoder();
        float[] features = spikingInput ? new float[batch * nIn] : Array("x").Select(v => (float)v).ToArray();
        var trace = new ForwardTrace(network, batch, steps, spikingInput);
        gpu.Forward(network, features, Enumerable.Range(0, batch).Select(i => (long)i).ToArray(), encoder, trace);
        var labels = Array("labels").Select(v => (int)v).ToArray();
        var workspace = new LfpWorkspace(trace, keepInputReward: true);
        var feedback = new Feedback(network);
        gpu.Backward(network, trace, labels, new RateCodedSpikeReward(), workspace, feedback);

        foreach (var (k, name) in new[] { (0, "hidden"), (1, "output") })
        {
            var lt = trace.Layers[k];
            var spikes = Layouts.TimeMajorToSampleMajor(Array($"forward.{name}_spikes"), steps, batch, lt.Size);
            for (int b = 0; b < batch; b++)
                for (int t = 0; t < steps; t++)
                {
                    var expected = Enumerable.Range(0, lt.Size).Where(i => spikes[(b * steps + t) * lt.Size + i] != 0);
                    if (!lt.Spikes.Fired(b, t).ToArray().SequenceEqual(expected)) failures.Add($"{name} spikes differ at sample {b}, step {t}");
                }
            var membrane = Layouts.TimeMajorToSampleMajor(Array($"forward.{name}_membrane"), steps, batch, lt.Size);
            Tolerance.Check(lt.Membrane.AsSpan(0, membrane.Length).ToArray(), membrane, $"{name} membrane", failures);
        }
        int nOut = network.OutputSize;
        var reward = Layouts.TimeMajorToSampleMajor(Array("reward"), steps, batch, nOut);
        Tolerance.Check(workspace.Incoming[1].AsSpan(0, reward.Length).ToArray(), reward, "reward", failures);
        double[] inputReward = Array("input_reward");
        if (spikingInput) inputReward = Layouts.TimeMajorToSampleMajor(inputReward, steps, batch, nIn);
        Tolerance.Check(workspace.InputReward.AsSpan(0, inputReward.Length).ToArray(), inputReward, "input_reward", failures);
        for (int k = 0; k < 2; k++)
        {
            var syn = network.Layers[k].DenseConnection;
            var fw = Array($"feedback.W{k + 1}");
            var inputMajor = new double[fw.Length];
            for (int o = 0; o < syn.Outputs; o++)
                for (int i = 0; i < syn.Inputs; i++) inputMajor[i * syn.Outputs + o] = fw[o * syn.Inputs + i];
            Tolerance.Check(feedback.Weights[k], inputMajor, $"feedback W{k + 1}", failures);
            Tolerance.Check(feedback.Bias[k], Array($"feedback.b{k + 1}"), $"feedback b{k + 1}", failures);
        }
        return failures;
    }

    private static (LfpWorkspace, Feedback, float) Backward(ILfpBackend lfp, SpikingNetwork network, ForwardTrace trace, int[] labels, ISpikeReward spikeReward)
    {
        var workspace = new LfpWorkspace(trace, keepInputReward: true);
        var feedback = new Feedback(network);
        float reward = lfp.Backward(network, trace, labels, spikeReward, workspace, feedback);
        return (workspace, feedback, reward);
    }

    private static void CompareTraces(ForwardTrace cpu, ForwardTrace gpu, string name, List<string> failures)
    {
        if (cpu.InputSpikes is not null) CompareSpikes(cpu.InputSpikes, gpu.InputSpikes!, cpu.Batch, $"{name}: input spikes", failures);
        for (int k = 0; k < cpu.Layers.Length; k++)
        {
            var c = cpu.Layers[k];
            var g = gpu.Layers[k];
            int perSample = cpu.Steps * c.Size;
            if (c.IsSpiking) CompareSpikes(c.Spikes, g.Spikes, cpu.Batch, $"{name}: layer {k} spikes", failures);
            else if (g.Spikes.Total(cpu.Batch) != 0) failures.Add($"{name}: layer {k} is a non-spiking readout but fired on the GPU");
            int currents = cpu.Batch * (c.ConstantCurrent ? c.Size : perSample);
            Tolerance.Check(g.Current.AsSpan(0, currents).ToArray(), ToDouble(c.Current.AsSpan(0, currents)), $"{name}: layer {k} current", failures);
            Tolerance.Check(g.Membrane.AsSpan(0, cpu.Batch * perSample).ToArray(), ToDouble(c.Membrane.AsSpan(0, cpu.Batch * perSample)), $"{name}: layer {k} membrane", failures);
            if (c.HasSynapticCurrent)
                Tolerance.Check(g.Synaptic.AsSpan(0, cpu.Batch * perSample).ToArray(), ToDouble(c.Synaptic.AsSpan(0, cpu.Batch * perSample)), $"{name}: layer {k} synaptic current", failures);
        }
        int drive = cpu.Batch * cpu.Layers[0].Size;
        if (cpu.InputDrive.Length > 0)
            Tolerance.Check(gpu.InputDrive.AsSpan(0, drive).ToArray(), ToDouble(cpu.InputDrive.AsSpan(0, drive)), $"{name}: input drive", failures);
    }

    private static void CompareSpikes(SpikeTrain cpu, SpikeTrain gpu, int batch, string what, List<string> failures)
    {
        int differing = 0;
        for (int b = 0; b < batch; b++)
            for (int t = 0; t < cpu.Steps; t++)
                if (!cpu.Fired(b, t).SequenceEqual(gpu.Fired(b, t))) differing++;
        if (differing > 0) failures.Add($"{what}: {differing} (sample, step) slots differ");
        else if (cpu.Total(batch) == 0) failures.Add($"{what}: no spikes at all (the scenario tests nothing)");
    }

    private static void CompareBackward(LfpWorkspace cw, Feedback cf, float cr, LfpWorkspace gw, Feedback gf, float gr, SpikingNetwork network, int batch, string name, List<string> failures)
    {
        Tolerance.Check([gr], [cr], $"{name}: total reward", failures);
        Tolerance.Check(gw.SampleReward.AsSpan(0, batch).ToArray(), ToDouble(cw.SampleReward.AsSpan(0, batch)), $"{name}: sample reward", failures);
        for (int k = 0; k < network.Layers.Count; k++)
        {
            int n = batch * cw.Steps * network.Layers[k].Size;
            Tolerance.Check(gw.Incoming[k].AsSpan(0, n).ToArray(), ToDouble(cw.Incoming[k].AsSpan(0, n)), $"{name}: layer {k} incoming reward", failures);
            Tolerance.Check(gw.NormalizedReward[k].AsSpan(0, n).ToArray(), ToDouble(cw.NormalizedReward[k].AsSpan(0, n)), $"{name}: layer {k} rho", failures);
            int m = batch * network.Layers[k].Size;
            Tolerance.Check(gw.Internal[k].AsSpan(0, m).ToArray(), ToDouble(cw.Internal[k].AsSpan(0, m)), $"{name}: layer {k} internal reward", failures);
            Tolerance.Check(gf.Weights[k], ToDouble(cf.Weights[k]), $"{name}: layer {k} weight feedback", failures);
            Tolerance.Check(gf.Bias[k], ToDouble(cf.Bias[k]), $"{name}: layer {k} bias feedback", failures);
            if (cw.SynapticReward[k].Length > 0)
                Tolerance.Check(gw.SynapticReward[k].AsSpan(0, m).ToArray(), ToDouble(cw.SynapticReward[k].AsSpan(0, m)), $"{name}: layer {k} synaptic reward", failures);
            if (network.Layers[k].IsRecurrent)
            {
                Tolerance.Check(gf.RecurrentWeights[k], ToDouble(cf.RecurrentWeights[k]), $"{name}: layer {k} recurrent weight feedback", failures);
                Tolerance.Check(gf.RecurrentBias[k], ToDouble(cf.RecurrentBias[k]), $"{name}: layer {k} recurrent bias feedback", failures);
            }
        }
        Tolerance.Check(gw.InputReward, ToDouble(cw.InputReward), $"{name}: input reward", failures);
    }

    private static double[] ToDouble(ReadOnlySpan<float> x)
    {
        var result = new double[x.Length];
        for (int i = 0; i < x.Length; i++) result[i] = x[i];
        return result;
    }

    private static IEnumerable<double> Flatten(JToken token) => token is JArray a ? a.SelectMany(Flatten) : [token.Value<double>()];
}

/// <summary>
/// The Reference tolerance of Close.AssertAll (tests/SpikeLfp.Tests/Support/Fixture.cs), restated without NUnit so
/// the device check can run it: |a - e| &lt;= 1e-5 max(|e|, 1e-2 max|expected|).
/// </summary>
public static class Tolerance
{
    /// <summary>Adds a line to <paramref name="failures"/> for the first element out of tolerance (and the count).</summary>
    public static void Check(IReadOnlyList<float> actual, IReadOnlyList<double> expected, string what, List<string> failures, double relative = 1e-5)
    {
        if (actual.Count != expected.Count) { failures.Add($"{what}: length {actual.Count}, expected {expected.Count}"); return; }
        double floor = 1e-2 * (expected.Count == 0 ? 0 : expected.Max(Math.Abs));
        int bad = 0;
        string? first = null;
        for (int i = 0; i < expected.Count; i++)
        {
            double e = expected[i], a = actual[i], allowed = relative * Math.Max(Math.Abs(e), floor);
            if (Math.Abs(a - e) > allowed || double.IsNaN(a) != double.IsNaN(e))
            {
                bad++;
                first ??= $"[{i}]: got {a:R}, expected {e:R} (error {Math.Abs(a - e):E2}, allowed {allowed:E2})";
            }
        }
        if (bad > 0) failures.Add($"{what}: {bad} of {expected.Count} out of tolerance, first {first}");
    }
}
