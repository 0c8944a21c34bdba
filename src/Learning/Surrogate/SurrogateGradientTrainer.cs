using System.Diagnostics;
using SpikeLfp.Data;
using SpikeLfp.Learning.Training;
using SpikeLfp.Network;
using SpikeLfp.Network.Backends;
using SpikeLfp.Network.Encoding;
using SpikeLfp.Network.Model;
using SpikeLfp.Network.Simulation;
using static TorchSharp.torch;

namespace SpikeLfp.Learning.Surrogate;

/// <summary>
/// Settings of surrogate-gradient training of a <see cref="SpikingNetwork"/>, with the baseline's reference
/// defaults: T = 15 steps, batch 32, Adam lr 1e-3, snntorch's <c>ce_rate_loss</c>, atan surrogate (alpha 2).
/// </summary>
public sealed record SurrogateGradientOptions
{
    /// <summary>Simulation steps per sample.</summary>
    public int Steps { get; init; } = 15;
    /// <summary>Samples per update.</summary>
    public int BatchSize { get; init; } = 32;
    /// <summary>Seed of the data order (<see cref="EpochSchedule"/>) and of torch's generator.</summary>
    public int Seed { get; init; }
    /// <summary>The spike derivative of the backward pass.</summary>
    public SurrogateSpec Surrogate { get; init; } = SurrogateSpec.Default;
    /// <summary>Optimizer (Adam 1e-3 by default, or SGD) and loss.</summary>
    public SurrogateBatchTrainerOptions Trainer { get; init; } = new();
    /// <summary>Samples per batch when evaluating (does not change results).</summary>
    public int EvaluationBatchSize { get; init; } = Evaluator.DefaultBatchSize;

    /// <summary>
    /// Threads of torch's intra-op pool, set process-wide when the trainer is created; 0 leaves torch's
    /// setting alone. Default 1: on the small networks SpikeLfp trains, torch's per-op threading costs more
    /// than it saves, and one thread makes float reductions independent of the machine's core count,
    /// so a seed gives the same numbers everywhere. Raise it for wide layers (e.g. 784-1000-10, batch 128).
    /// </summary>
    public int TorchThreads { get; init; } = 1;

    /// <summary>Checks every value; throws <see cref="ArgumentException"/> naming the first bad one.</summary>
    public void Validate()
    {
        if (Steps < 1) throw new ArgumentException($"steps must be a positive integer, got {Steps}.");
        if (BatchSize < 1) throw new ArgumentException($"batch size must be a positive integer, got {BatchSize}.");
        if (EvaluationBatchSize < 1) throw new ArgumentException($"evaluation batch size must be a positive integer, got {EvaluationBatchSize}.");
        if (TorchThreads < 0) throw new ArgumentException($"torch threads must be >= 0, got {TorchThreads}.");
        ArgumentNullException.ThrowIfNull(Surrogate);
        ArgumentNullException.ThrowIfNull(Trainer);
        if (!double.IsFinite(Trainer.LearningRate) || Trainer.LearningRate <= 0)
            throw new ArgumentException($"learning rate must be a finite number > 0, got {Trainer.LearningRate}.");
        if (!double.IsFinite(Trainer.Momentum) || Trainer.Momentum < 0 || Trainer.Momentum >= 1)
            throw new ArgumentException($"momentum must be in [0, 1), got {Trainer.Momentum}.");
    }
}

/// <summary>
/// Trains a <see cref="SpikingNetwork"/> with surrogate-gradient BPTT, epoch by epoch, the way
/// <see cref="LfpTrainer"/> trains it with LFP: same data order (<see cref="EpochSchedule"/>), same batch
/// size, the same analog input encoder (constant current or an analog sequence such as rows, see
/// <see cref="SurrogateInput"/>), and the same <see cref="EpochMetrics"/>. LIF and current-based LIF layers, any
/// reset, and recurrent layers are trained alike (V and b_V included). After every epoch the weights go
/// back into the <see cref="SpikingNetwork"/> and test accuracy is measured by <see cref="Evaluator"/> on the
/// ordinary simulator, so both rules are scored by the same code. Deterministic for a seed
/// (see <see cref="SurrogateGradientOptions.TorchThreads"/>).
/// </summary>
public sealed class SurrogateGradientTrainer : IDisposable
{
    private readonly SurrogateNetwork _surrogate;
    private readonly SurrogateBatchTrainer _trainer;
    private readonly IComputeBackend? _backend;
    private readonly SurrogateInput _input;

    /// <summary>
    /// Creates a trainer whose surrogate network starts from <paramref name="network"/>'s current weights;
    /// <paramref name="network"/> receives the trained weights after every epoch.
    /// </summary>
    /// <param name="network">The model to train (its weights are overwritten after each epoch).</param>
    /// <param name="options">Settings.</param>
    /// <param name="backend">Where evaluation runs (default: a new CPU backend on all cores).</param>
    /// <param name="encoder">How samples reach the first layer, in training and evaluation alike (default: constant
    /// current); <see cref="RowsEncoder.For"/> for sequential rows. Spiking encoders are refused.</param>
    /// <exception cref="ArgumentException">The encoder does not fit the first layer.</exception>
    /// <exception cref="NotSupportedException">The network has synapses or neurons the surrogate baseline does not model.</exception>
    public SurrogateGradientTrainer(SpikingNetwork network, SurrogateGradientOptions options, IComputeBackend? backend = null, IInputEncoder? encoder = null)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Options = options;
        Network = network;
        _backend = backend;
        _input = new SurrogateInput(encoder ?? new ConstantCurrentEncoder(), network.InputSize);
        CheckSize(network, options.BatchSize, options.Steps);
        if (options.TorchThreads > 0) TorchSharp.torch.set_num_threads(options.TorchThreads);
        // Nothing in this rule draws random numbers today; seeding keeps it deterministic if something does.
        TorchSharp.torch.manual_seed(options.Seed);
        _surrogate = SurrogateModel.ToSurrogate(network, options.Surrogate);
        _trainer = new SurrogateBatchTrainer(_surrogate, options.Trainer);
    }

    /// <summary>
    /// Float32 values one training batch holds per sample, step and neuron of a layer at its peak: what the forward pass
    /// keeps for BPTT (the surrogate's argument, the spikes per step and stacked, the stacked membranes), the gradients and
    /// temporaries of the backward pass, and what torch's allocator keeps cached. Measured, not derived: peak resident
    /// memory of <c>compare --model 64-1000-10 --steps 100</c> grew by 70.5 KB per sample and step from batch 128 to 256,
    /// about 17 values per hidden neuron.
    /// </summary>
    public const int KeptValuesPerNeuron = 16;

    /// <summary>
    /// Bytes one training batch of <paramref name="batch"/> samples and <paramref name="steps"/> steps takes through its
    /// backward pass, estimated in 64 bits before anything is allocated: <see cref="KeptValuesPerNeuron"/> float32
    /// values per (sample, step, neuron) of every layer, plus every layer's input at every step (what the weighted sum
    /// saves for its gradient). BPTT keeps every step alive until the backward pass, so this is several times the
    /// simulator's trace of the same batch.
    /// </summary>
    public static long TrainingBytes(SpikingNetwork network, long batch, long steps)
    {
        ArgumentNullException.ThrowIfNull(network);
        long perSampleStep = network.Layers.Sum(l => (long)KeptValuesPerNeuron * l.Size + l.Inputs);
        return batch * steps * perSampleStep * sizeof(float);
    }

    /// <summary>
    /// Throws before the surrogate network is built when one training batch would keep more than
    /// <see cref="ForwardTrace.MemoryFraction"/> of the memory available to this process (<see cref="TrainingBytes"/>).
    /// </summary>
    /// <exception cref="SizeLimitException">The message names the size and the limit.</exception>
    public static void CheckSize(SpikingNetwork network, int batch, int steps)
    {
        long bytes = TrainingBytes(network, batch, steps);
        long budget = (long)(SizeLimitException.AvailableMemoryBytes * ForwardTrace.MemoryFraction);
        if (bytes > budget)
            throw new SizeLimitException($"surrogate-gradient training (BPTT) of {network.Spec} with batch {batch} x {steps} steps keeps about {SizeLimitException.Describe(bytes)} of activations for its backward pass, more than the limit of {SizeLimitException.Describe(budget)} (half of this machine's {SizeLimitException.Describe(SizeLimitException.AvailableMemoryBytes)}); use a smaller batch, fewer steps or neurons.");
    }

    /// <summary>The model; holds the weights of the last finished epoch.</summary>
    public SpikingNetwork Network { get; }

    /// <summary>Settings.</summary>
    public SurrogateGradientOptions Options { get; }

    /// <summary>The input encoder of training and evaluation.</summary>
    public IInputEncoder Encoder => _input.Encoder;

    /// <summary>Features per sample the trainer expects: the network's inputs, or whole images for a sequence encoder.</summary>
    public int FeatureCount => _input.FeatureCount;

    /// <summary>
    /// Trains one epoch (1-based <paramref name="epoch"/>) and evaluates on <paramref name="test"/>.
    /// <see cref="EpochMetrics.MeanObjective"/> holds the mean training loss per sample (the surrogate rule
    /// minimises a loss; it has no reward). Train accuracy and spike rates come from the forward pass of each
    /// batch before its update, as in <see cref="LfpTrainer"/>; <see cref="EpochMetrics.Seconds"/> includes
    /// the evaluation, <see cref="EpochMetrics.SamplesPerSecond"/> counts training only.
    /// </summary>
    /// <exception cref="NumericalInstabilityException">The loss or the weights became NaN or infinite.</exception>
    public EpochMetrics TrainEpoch(Dataset train, Dataset test, int epoch, IProgress<int>? progress = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(test);
        if (train.FeatureCount != FeatureCount)
            throw new ArgumentException($"the data set has {train.FeatureCount} features per sample but the model and encoder expect {FeatureCount}.");
        if (train.ClassCount > Network.OutputSize)
            throw new ArgumentException($"the data set has {train.ClassCount} classes but the model has only {Network.OutputSize} output neurons.");
        var clock = Stopwatch.StartNew();
        int steps = Options.Steps, features = train.FeatureCount;
        int[] order = EpochSchedule.Order(train.Count, Options.Seed, epoch);
        var spikeTotals = new double[Network.Layers.Count];
        long correct = 0;
        double lossTotal = 0;
        float[]? x = null;
        int[]? labels = null;
        long[]? keys = null;
        int batchIndex = 0;
        for (int start = 0; start < train.Count; start += Options.BatchSize, batchIndex++)
        {
            cancellation.ThrowIfCancellationRequested();
            int count = Math.Min(Options.BatchSize, train.Count - start);
            // SurrogateNetwork takes whole arrays: one buffer per batch size (the last batch may be short).
            if (x is null || labels!.Length != count) { x = new float[count * features]; labels = new int[count]; keys = new long[count]; }
            for (int i = 0; i < count; i++)
            {
                int index = order[start + i];
                train.Sample(index).CopyTo(x.AsSpan(i * features, features));
                labels[i] = train.Labels[index];
                keys![i] = EpochSchedule.TrainingKey(epoch, index);
            }
            int[] batchLabels = labels;
            using var input = _input.Encode(x, keys, count, steps, _surrogate.DType);
            double loss = _trainer.TrainBatch(input, labels, steps, trace =>
            {
                correct += Hits(trace, batchLabels);
                for (int k = 0; k < spikeTotals.Length; k++)
                {
                    using Tensor total = trace.Spikes[k].detach().sum(ScalarType.Float64);
                    spikeTotals[k] += total.item<double>();
                }
            });
            if (!double.IsFinite(loss))
                throw new NumericalInstabilityException($"non-finite surrogate loss at epoch {epoch}, batch {batchIndex + 1}; lower the learning rate or check the input.");
            lossTotal += loss * count;
            progress?.Report(start + count);
        }
        double trainSeconds = clock.Elapsed.TotalSeconds;
        SurrogateModel.CopyWeights(_surrogate, Network);
        string? bad = FirstNonFiniteLayer();
        if (bad is not null)
            throw new NumericalInstabilityException($"non-finite weights in layer {bad} after epoch {epoch}; lower the learning rate.");
        double testAccuracy = Evaluator.Accuracy(Network, test, steps, Encoder, Options.EvaluationBatchSize, _backend);
        var rates = new Dictionary<string, double>();
        for (int k = 0; k < Network.Layers.Count; k++)
            rates[Network.LayerName(k)] = spikeTotals[k] / ((double)train.Count * steps * Network.Layers[k].Size);
        return new EpochMetrics(epoch, correct / (double)train.Count, testAccuracy, lossTotal / train.Count, rates,
            clock.Elapsed.TotalSeconds, train.Count / trainSeconds);
    }

    /// <summary>The optimizer's state after the last batch (see <see cref="SurrogateBatchTrainer.SaveOptimizerState"/>).</summary>
    public Optimizers.OptimizerState SaveOptimizerState() => _trainer.SaveOptimizerState();

    /// <summary>Restores optimizer state saved by <see cref="SaveOptimizerState"/> from a trainer with the same options.</summary>
    /// <exception cref="ArgumentException">Another optimizer's state, or arrays that do not fit the parameters.</exception>
    public void LoadOptimizerState(Optimizers.OptimizerState state) => _trainer.LoadOptimizerState(state);

    // Prediction = argmax of output spike counts; torch's argmax returns the first maximum, so ties go to
    // the lower class exactly as in TraceStatistics.Predictions.
    private static int Hits(SurrogateTrace trace, int[] labels)
    {
        using Tensor counts = trace.OutputSpikes.detach().sum(0L);
        using Tensor winners = counts.argmax(1L);
        long[] predicted = winners.data<long>().ToArray();
        int hits = 0;
        for (int i = 0; i < labels.Length; i++) if (predicted[i] == labels[i]) hits++;
        return hits;
    }

    private string? FirstNonFiniteLayer()
    {
        for (int k = 0; k < Network.Layers.Count; k++)
        {
            if (Network.Layers[k].Parameters().Any(p => p.Any(w => !float.IsFinite(w))))
                return Network.LayerName(k);
        }
        return null;
    }

    /// <summary>Frees the surrogate network and its optimizer state.</summary>
    public void Dispose()
    {
        _trainer.Dispose();
        _surrogate.Dispose();
    }
}
