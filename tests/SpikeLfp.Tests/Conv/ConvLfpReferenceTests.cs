using SpikeLfp.Learning.Lfp;
using SpikeLfp.Learning.Rewards;
using SpikeLfp.Network.Model;
using SpikeLfp.Network.Simulation;
using SpikeLfp.Network.Synapses;
using SpikeLfp.Neurons;
using SpikeLfp.Tests.Support;

namespace SpikeLfp.Tests.Conv;

/// <summary>
/// LFP through a convolutional LIF layer, checked against the definition (../shared/LFP.md, "Forward" and
/// "Backward") computed in double with explicit loops over an unfolded convolution: every synapse of the
/// convolution written out as an entry M[j, i] of a dense matrix, built here from the geometry alone.
/// Forward currents, membranes, spikes, the reward handed down, the input reward and the weight and bias
/// feedback of the optimized (event-driven, partitioned) path must agree to 1e-5.
/// </summary>
[Category("Reference")]
public class ConvLfpReferenceTests
{
    private const int Steps = 6, Batch = 3, InSide = 5, InChannels = 2, OutChannels = 3, Kernel = 3, Classes = 4;
    private static readonly LifParameters Neurons = new(0.9f, 1f);

    // One layer as the definition sees it: z = M x + b over the (pooled) input x, with M[j, i] the weight of the
    // synapse from input i to neuron j and WeightIndex[j, i] its position in the connection's Weights (-1: none).
    private sealed class Unfolded
    {
        public required double[,] M;
        public required int[,] WeightIndex;
        public required int[] BiasIndex;
        public required double[] Bias;
        public PooledSynapses? Pool;
        public int In => M.GetLength(1);
        public int Out => M.GetLength(0);
    }

    private static Unfolded UnfoldConv(Conv2dSynapses conv)
    {
        var m = new double[conv.Outputs, conv.Inputs];
        var index = new int[conv.Outputs, conv.Inputs];
        for (int j = 0; j < conv.Outputs; j++) for (int i = 0; i < conv.Inputs; i++) index[j, i] = -1;
        var bias = new double[conv.Outputs];
        var biasIndex = new int[conv.Outputs];
        for (int oy = 0; oy < conv.OutHeight; oy++)
            for (int ox = 0; ox < conv.OutWidth; ox++)
                for (int oc = 0; oc < conv.OutChannels; oc++)
                {
                    int j = (oy * conv.OutWidth + ox) * conv.OutChannels + oc;
                    bias[j] = conv.Bias[oc];
                    biasIndex[j] = oc;
                    for (int c = 0; c < conv.InChannels; c++)
                        for (int ky = 0; ky < conv.Kernel; ky++)
                            for (int kx = 0; kx < conv.Kernel; kx++)
                            {
                                int y = oy * conv.Stride - conv.Padding + ky, x = ox * conv.Stride - conv.Padding + kx;
                                if (y < 0 || y >= conv.InHeight || x < 0 || x >= conv.InWidth) continue;
                                int i = (y * conv.InWidth + x) * conv.InChannels + c;
                                int w = conv.WeightIndex(oc, c, ky, kx);
                                m[j, i] = conv.Weights[w];
                                index[j, i] = w;
                            }
                }
        return new Unfolded { M = m, WeightIndex = index, Bias = bias, BiasIndex = biasIndex };
    }

    private static Unfolded UnfoldDense(DenseSynapses dense, PooledSynapses? pool)
    {
        var m = new double[dense.Outputs, dense.Inputs];
        var index = new int[dense.Outputs, dense.Inputs];
        for (int j = 0; j < dense.Outputs; j++)
            for (int i = 0; i < dense.Inputs; i++) { m[j, i] = dense[j, i]; index[j, i] = i * dense.Outputs + j; }
        return new Unfolded { M = m, WeightIndex = index, Bias = dense.Bias.Select(b => (double)b).ToArray(), BiasIndex = Enumerable.Range(0, dense.Outputs).ToArray(), Pool = pool };
    }

    // Pooling by the definition: max (first maximum in the window's row-major scan) or mean of each window.
    private static (double[] Pooled, int[] Argmax) PoolByDefinition(PooledSynapses pool, double[] x)
    {
        var pooled = new double[pool.PooledInputs];
        var argmax = new int[pool.PooledInputs];
        for (int py = 0; py < pool.PooledHeight; py++)
            for (int px = 0; px < pool.PooledWidth; px++)
                for (int c = 0; c < pool.Channels; c++)
                {
                    int p = (py * pool.PooledWidth + px) * pool.Channels + c;
                    double best = double.NegativeInfinity, sum = 0;
                    for (int dy = 0; dy < pool.Size; dy++)
                        for (int dx = 0; dx < pool.Size; dx++)
                        {
                            int i = ((py * pool.Size + dy) * pool.InWidth + px * pool.Size + dx) * pool.Channels + c;
                            sum += x[i];
                            if (x[i] > best) { best = x[i]; argmax[p] = i; }
                        }
                    pooled[p] = pool.Pool == PoolKind.Max ? best : sum / (pool.Size * pool.Size);
                }
        return (pooled, argmax);
    }

    // Max pooling routes reward like its gradient (to the argmax); average pooling carries LFP's epsilon rule,
    // as lfprop's composite has it: input i gets x_i / k^2 * R_p / (z_p + eps sign z_p), z_p the window's mean.
    private static double[] Unpool(PooledSynapses pool, double[] pooledReward, int[] argmax, double[] x, double[] pooled)
    {
        var reward = new double[pool.Inputs];
        for (int py = 0; py < pool.PooledHeight; py++)
            for (int px = 0; px < pool.PooledWidth; px++)
                for (int c = 0; c < pool.Channels; c++)
                {
                    int p = (py * pool.PooledWidth + px) * pool.Channels + c;
                    if (pool.Pool == PoolKind.Max) { reward[argmax[p]] += pooledReward[p]; continue; }
                    double stabilized = pooled[p] + (pooled[p] >= 0 ? 1e-6 : -1e-6);
                    for (int dy = 0; dy < pool.Size; dy++)
                        for (int dx = 0; dx < pool.Size; dx++)
                        {
                            int i = ((py * pool.Size + dy) * pool.InWidth + px * pool.Size + dx) * pool.Channels + c;
                            reward[i] += x[i] / (pool.Size * pool.Size) * pooledReward[p] / stabilized;
                        }
                }
        return reward;
    }

    private static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));

    /// <summary>Forward and backward of the whole network by the definition, in double. Arrays are [sample][step][neuron].</summary>
    private sealed class Definition
    {
        public required double[][][][] Current, Membrane, Spikes, Incoming; // [layer][b][t][j]
        public required double[][][] InputReward;                          // [b][t][i]
        public required double[][] WeightFeedback, BiasFeedback;           // [layer][index in the connection's layout]
    }

    private static Definition Compute(SpikingNetwork network, double[][][] input, int[] labels)
    {
        var unfolded = network.Layers.Select(l => l.Connection switch
        {
            Conv2dSynapses conv => UnfoldConv(conv),
            DenseSynapses dense => UnfoldDense(dense, null),
            PooledSynapses { Inner: DenseSynapses dense } pooled => UnfoldDense(dense, pooled),
            _ => throw new NotSupportedException(),
        }).ToArray();
        int layers = unfolded.Length;
        double[][][][] New(Func<int, int> size) => Enumerable.Range(0, layers).Select(k => Enumerable.Range(0, Batch)
            .Select(_ => Enumerable.Range(0, Steps).Select(_ => new double[size(k)]).ToArray()).ToArray()).ToArray();
        var current = New(k => unfolded[k].Out);
        var membrane = New(k => unfolded[k].Out);
        var spikes = New(k => unfolded[k].Out);
        var incoming = New(k => unfolded[k].Out);
        var synapseInput = New(k => unfolded[k].In);   // x_t after pooling
        var argmax = New(k => unfolded[k].In);
        double beta = Neurons.Beta, theta = Neurons.Threshold;

        for (int b = 0; b < Batch; b++)
            for (int k = 0; k < layers; k++)
            {
                var u = unfolded[k];
                for (int t = 0; t < Steps; t++)
                {
                    double[] x = k == 0 ? input[b][t] : spikes[k - 1][b][t];
                    if (u.Pool is not null)
                    {
                        var (pooled, arg) = PoolByDefinition(u.Pool, x);
                        x = pooled;
                        for (int p = 0; p < arg.Length; p++) argmax[k][b][t][p] = arg[p];
                    }
                    synapseInput[k][b][t] = x;
                    for (int j = 0; j < u.Out; j++)
                    {
                        double z = u.Bias[j];
                        for (int i = 0; i < u.In; i++) z += u.M[j, i] * x[i];
                        double previous = t > 0 ? membrane[k][b][t - 1][j] : 0;
                        double reset = previous > theta ? 1 : 0;
                        double v = beta * previous + z - theta * reset;
                        current[k][b][t][j] = z;
                        membrane[k][b][t][j] = v;
                        spikes[k][b][t][j] = v > theta ? 1 : 0;
                    }
                }
            }

        // Rate-coded reward on the output spikes, divided by T (LFP.md, "Rewards").
        int top = layers - 1, half = Steps / 2;
        for (int b = 0; b < Batch; b++)
            for (int c = 0; c < unfolded[top].Out; c++)
            {
                double count = 0;
                for (int t = 0; t < Steps; t++) count += spikes[top][b][t][c];
                for (int t = 0; t < Steps; t++)
                    incoming[top][b][t][c] = (c == labels[b] ? 1 - Sigmoid(count - half) : -spikes[top][b][t][c] * (1 - Sigmoid(Steps - count - half))) / Steps;
            }

        var weightFeedback = network.Layers.Select(l => new double[l.Connection.Weights.Length]).ToArray();
        var biasFeedback = network.Layers.Select(l => new double[l.Connection.Bias.Length]).ToArray();
        var inputReward = Enumerable.Range(0, Batch).Select(_ => Enumerable.Range(0, Steps).Select(_ => new double[network.InputSize]).ToArray()).ToArray();
        for (int b = 0; b < Batch; b++)
            for (int k = top; k >= 0; k--)
            {
                var u = unfolded[k];
                var internalReward = new double[u.Out];
                for (int t = Steps - 1; t >= 0; t--)
                {
                    var rho = new double[u.Out];
                    for (int j = 0; j < u.Out; j++)
                    {
                        double previous = t > 0 ? membrane[k][b][t - 1][j] : 0;
                        double r = incoming[k][b][t][j] + internalReward[j];
                        double d = Math.Abs(previous) + Math.Abs(current[k][b][t][j] - (1 - beta) * previous);
                        rho[j] = r / (d + 1e-6);
                        internalReward[j] = beta * previous * rho[j];
                    }
                    var x = synapseInput[k][b][t];
                    var handed = new double[u.In];
                    for (int j = 0; j < u.Out; j++)
                    {
                        biasFeedback[k][u.BiasIndex[j]] += rho[j];
                        for (int i = 0; i < u.In; i++)
                        {
                            if (u.WeightIndex[j, i] < 0) continue;
                            weightFeedback[k][u.WeightIndex[j, i]] += rho[j] * x[i];
                            handed[i] += x[i] * u.M[j, i] * rho[j];
                        }
                    }
                    if (u.Pool is not null) handed = Unpool(u.Pool, handed, argmax[k][b][t].Select(v => (int)v).ToArray(), k == 0 ? input[b][t] : spikes[k - 1][b][t], x);
                    if (k > 0) incoming[k - 1][b][t] = handed;
                    else inputReward[b][t] = handed;
                }
            }
        for (int k = 0; k < layers; k++)
        {
            var w = network.Layers[k].Connection.Weights;
            var bias = network.Layers[k].Connection.Bias;
            for (int i = 0; i < w.Length; i++) weightFeedback[k][i] *= Math.Abs(w[i]);
            for (int i = 0; i < bias.Length; i++) biasFeedback[k][i] *= Math.Abs(bias[i]);
        }
        return new Definition { Current = current, Membrane = membrane, Spikes = spikes, Incoming = incoming, InputReward = inputReward, WeightFeedback = weightFeedback, BiasFeedback = biasFeedback };
    }

    private static SpikingNetwork TinyNetwork(int stride, int padding, PoolKind? pool, int seed)
    {
        var conv = new Conv2dSynapses(InSide, InSide, InChannels, OutChannels, Kernel, stride, padding);
        var random = new Random(seed);
        // Larger than PyTorch's default bound so that the few-step run has a healthy number of spikes.
        for (int i = 0; i < conv.Weights.Length; i++) conv.Weights[i] = (float)(random.NextDouble() * 1.6 - 0.5);
        for (int i = 0; i < conv.Bias.Length; i++) conv.Bias[i] = (float)(random.NextDouble() * 0.4 - 0.1);
        ISynapses output;
        if (pool is { } kind)
        {
            int pooledInputs = conv.OutHeight / 2 * (conv.OutWidth / 2) * OutChannels;
            var dense = new DenseSynapses(pooledInputs, Classes);
            Fill(dense, random);
            output = new PooledSynapses(dense, conv.OutHeight, conv.OutWidth, OutChannels, kind, 2);
        }
        else
        {
            var dense = new DenseSynapses(conv.Outputs, Classes);
            Fill(dense, random);
            output = dense;
        }
        return new SpikingNetwork([new SpikingLayer(conv, Neurons), new SpikingLayer(output, Neurons)]);
    }

    private static void Fill(DenseSynapses dense, Random random)
    {
        for (int i = 0; i < dense.Weights.Length; i++) dense.Weights[i] = (float)(random.NextDouble() * 2.4 - 0.8);
        for (int i = 0; i < dense.Bias.Length; i++) dense.Bias[i] = (float)(random.NextDouble() * 0.4 - 0.1);
    }

    private static double[] Flat(double[][][] perSampleStep) => perSampleStep.SelectMany(s => s.SelectMany(v => v)).ToArray();

    [TestCase(1, 0, null)]
    [TestCase(1, 1, null)]
    [TestCase(2, 0, null)]
    [TestCase(2, 1, null)]
    [TestCase(1, 1, PoolKind.Max)]
    [TestCase(1, 0, PoolKind.Average)]
    public void Conv_layer_lfp_matches_the_unfolded_definition(int stride, int padding, PoolKind? pool)
    {
        var network = TinyNetwork(stride, padding, pool, seed: 20 + stride * 3 + padding + (pool is null ? 0 : 7 * (int)pool + 1));
        int inputs = network.InputSize;
        var random = new Random(5);
        var timeMajor = new double[Steps * Batch * inputs];
        for (int i = 0; i < timeMajor.Length; i++) timeMajor[i] = random.NextDouble() < 0.35 ? 1 : 0;
        var input = Enumerable.Range(0, Batch).Select(b => Enumerable.Range(0, Steps)
            .Select(t => Enumerable.Range(0, inputs).Select(i => timeMajor[(t * Batch + b) * inputs + i]).ToArray()).ToArray()).ToArray();
        int[] labels = [1, 3, 0];

        var simulator = new Simulator(network, Steps, new ReplayEncoder(timeMajor, Steps, Batch, inputs));
        var trace = simulator.Forward(new float[Batch * inputs], Enumerable.Range(0, Batch).Select(i => (long)i).ToArray());
        var workspace = new LfpWorkspace(trace, keepInputReward: true);
        var feedback = new Feedback(network);
        new CpuLfpBackend().Backward(network, trace, labels, new RateCodedSpikeReward(), workspace, feedback);

        var expected = Compute(network, input, labels);
        for (int k = 0; k < 2; k++)
        {
            var lt = trace.Layers[k];
            int n = lt.Size;
            for (int b = 0; b < Batch; b++)
                for (int t = 0; t < Steps; t++)
                {
                    var fired = Enumerable.Range(0, n).Where(j => expected.Spikes[k][b][t][j] != 0).ToArray();
                    Assert.That(lt.Spikes.Fired(b, t).ToArray(), Is.EqualTo(fired), $"layer {k} spikes, sample {b}, step {t}");
                }
            Close.AssertAll(lt.Current.AsSpan(0, Batch * Steps * n).ToArray(), Flat(expected.Current[k]), $"layer {k} current");
            Close.AssertAll(lt.Membrane.AsSpan(0, Batch * Steps * n).ToArray(), Flat(expected.Membrane[k]), $"layer {k} membrane");
            Close.AssertAll(workspace.Incoming[k].AsSpan(0, Batch * Steps * n).ToArray(), Flat(expected.Incoming[k]), $"layer {k} reward at the spikes");
            Close.AssertAll(feedback.Weights[k], expected.WeightFeedback[k], $"layer {k} weight feedback");
            Close.AssertAll(feedback.Bias[k], expected.BiasFeedback[k], $"layer {k} bias feedback");
        }
        Close.AssertAll(workspace.InputReward.AsSpan(0, Batch * Steps * inputs).ToArray(), Flat(expected.InputReward), "input reward");

        int hiddenSpikes = Enumerable.Range(0, Batch).Sum(b => Enumerable.Range(0, Steps).Sum(t => trace.Layers[0].Spikes.Fired(b, t).Length));
        int outputSpikes = Enumerable.Range(0, Batch).Sum(b => Enumerable.Range(0, Steps).Sum(t => trace.Layers[1].Spikes.Fired(b, t).Length));
        Assert.That(hiddenSpikes, Is.GreaterThan(0), "the conv layer must spike for the check to mean anything");
        Assert.That(outputSpikes, Is.GreaterThan(0), "the output layer must spike for the check to mean anything");
        Assert.That(feedback.Weights[0].Count(v => v != 0), Is.GreaterThan(feedback.Weights[0].Length / 2), "most conv weights receive feedback");
    }

    [TestCase(true)]
    [TestCase(false)]
    public void Conv_with_a_1x1_kernel_on_a_1x1_image_equals_the_dense_path(bool spikingInput)
    {
        const int inputs = 7, hidden = 9;
        var dense = SpikingNetwork.Create([inputs, hidden, Classes], Neurons, seed: 3);
        foreach (var layer in dense.Layers) VectorMath.Scale(2.5f, layer.Connection.Weights);
        var conv = new Conv2dSynapses(1, 1, inputs, hidden, kernel: 1);
        // [inC, 0, 0, outC] is exactly the dense input-major [input, neuron] layout.
        dense.Layers[0].Connection.Weights.CopyTo(conv.Weights, 0);
        dense.Layers[0].Connection.Bias.CopyTo(conv.Bias, 0);
        var convNetwork = new SpikingNetwork([new SpikingLayer(conv, Neurons), new SpikingLayer(dense.Layers[1].Connection.Clone(), Neurons)]);

        var random = new Random(9);
        var timeMajor = new double[Steps * Batch * inputs];
        for (int i = 0; i < timeMajor.Length; i++) timeMajor[i] = random.NextDouble() < 0.4 ? 1 : 0;
        var features = Enumerable.Range(0, Batch * inputs).Select(_ => (float)random.NextDouble()).ToArray();
        int[] labels = [2, 0, 1];

        (ForwardTrace Trace, LfpWorkspace Workspace, Feedback Feedback) Run(SpikingNetwork network)
        {
            var encoder = spikingInput ? (Network.Encoding.IInputEncoder)new ReplayEncoder(timeMajor, Steps, Batch, inputs) : new Network.Encoding.ConstantCurrentEncoder();
            var trace = new Simulator(network, Steps, encoder).Forward(features, Enumerable.Range(0, Batch).Select(i => (long)i).ToArray());
            var workspace = new LfpWorkspace(trace, keepInputReward: true);
            var feedback = new Feedback(network);
            new CpuLfpBackend().Backward(network, trace, labels, new RateCodedSpikeReward(), workspace, feedback);
            return (trace, workspace, feedback);
        }

        var a = Run(dense);
        var b = Run(convNetwork);
        for (int k = 0; k < 2; k++)
            for (int s = 0; s < Batch; s++)
                for (int t = 0; t < Steps; t++)
                    Assert.That(b.Trace.Layers[k].Spikes.Fired(s, t).ToArray(), Is.EqualTo(a.Trace.Layers[k].Spikes.Fired(s, t).ToArray()), $"layer {k} spikes, sample {s}, step {t}");
        Assert.That(a.Trace.Layers[0].Spikes.Fired(0, Steps - 1).Length + a.Trace.Layers[0].Spikes.Fired(1, Steps - 1).Length, Is.GreaterThan(0), "the hidden layer spikes");
        for (int k = 0; k < 2; k++)
        {
            Close.AssertAll(b.Trace.Layers[k].Membrane, a.Trace.Layers[k].Membrane.Select(v => (double)v).ToArray(), $"layer {k} membrane");
            Close.AssertAll(b.Feedback.Weights[k], a.Feedback.Weights[k].Select(v => (double)v).ToArray(), $"layer {k} weight feedback");
            Close.AssertAll(b.Feedback.Bias[k], a.Feedback.Bias[k].Select(v => (double)v).ToArray(), $"layer {k} bias feedback");
        }
        Close.AssertAll(b.Workspace.InputReward, a.Workspace.InputReward.Select(v => (double)v).ToArray(), "input reward");
        Assert.That(a.Feedback.Weights[0].Count(v => v != 0), Is.GreaterThan(0), "feedback reaches the first layer");
        if (spikingInput)
            Assert.That(b.Feedback.Weights[0], Is.EqualTo(a.Feedback.Weights[0]).AsCollection, "spike feedback is summed in the same order: bit for bit");
    }
}
