using Newtonsoft.Json.Linq;
using SpikeLfp.Data;
using SpikeLfp.Learning.Experiments;
using SpikeLfp.Learning.Lfp;
using SpikeLfp.Learning.Training;
using SpikeLfp.Network.Backends;
using SpikeLfp.Network.Encoding;
using SpikeLfp.Network.Model;
using SpikeLfp.Network.Simulation;

namespace SpikeLfp.Learning.Surrogate;

/// <summary>One training run of one rule from one seed's initial weights.</summary>
/// <param name="Rule">The rule.</param>
/// <param name="Seed">Seed of the initial weights and the data order.</param>
/// <param name="InitialTestAccuracy">Test accuracy of the untrained network (the same for every rule of a seed).</param>
/// <param name="Epochs">Per-epoch metrics.</param>
/// <param name="HiddenSpikeRate">Spike rate of the hidden layers of the trained network on the test set
/// (see <see cref="RuleComparison.MeasureTestActivity"/>); null when the network has no hidden layer.</param>
/// <param name="NearZeroWeightFraction">See <see cref="RuleComparison.NearZeroWeightFraction"/>.</param>
/// <param name="TestSynapses">Synaptic work of the trained network on the test set (see <see cref="RuleComparison.MeasureTestActivity"/>).</param>
public sealed record RuleRun(TrainingRule Rule, int Seed, double InitialTestAccuracy, IReadOnlyList<EpochMetrics> Epochs,
    double? HiddenSpikeRate, double NearZeroWeightFraction, SynapticCost TestSynapses)
{
    /// <summary>Test accuracy after the last epoch.</summary>
    public double TestAccuracy => Epochs[^1].TestAccuracy;

    /// <summary>The trained network (set by <see cref="RuleComparison.Train"/>; null for a run built elsewhere).</summary>
    public SpikingNetwork? Trained { get; init; }

    /// <summary>Wall-clock seconds of the run: training plus the per-epoch test evaluation.</summary>
    public double Seconds => Epochs.Sum(e => e.Seconds);

    /// <summary>Seconds spent on training alone (recovered from each epoch's samples/s).</summary>
    public double TrainingSeconds(int trainCount) => Epochs.Sum(e => trainCount / e.SamplesPerSecond);
}

/// <summary>What a trained network does on the test set: hidden spike rate (null without hidden layers) and synaptic work.</summary>
public sealed record TestActivity(double? HiddenSpikeRate, SynapticCost Synapses);

/// <summary>One row of the comparison: a rule's runs over every seed, summarised.</summary>
public sealed record ComparisonRow(TrainingRule Rule, IReadOnlyList<RuleRun> Runs, int TrainCount)
{
    /// <summary>Seeds in run order.</summary>
    public IReadOnlyList<int> Seeds => Runs.Select(r => r.Seed).ToArray();

    /// <summary>Final test accuracy per seed.</summary>
    public IReadOnlyList<double> TestAccuracyPerSeed => Runs.Select(r => r.TestAccuracy).ToArray();

    /// <summary>Mean final test accuracy over seeds.</summary>
    public double TestAccuracyMean => TestAccuracyPerSeed.Average();

    /// <summary>Sample standard deviation of the final test accuracy over seeds (0 for one seed).</summary>
    public double TestAccuracySpread => new SeedSpread(TestAccuracyPerSeed).StandardDeviation;

    /// <summary>Mean wall-clock seconds per run (training plus per-epoch evaluation).</summary>
    public double Seconds => Runs.Average(r => r.Seconds);

    /// <summary>Training throughput over all seeds: samples trained / seconds spent training (evaluation excluded).</summary>
    public double SamplesPerSecond => Runs.Sum(r => (double)TrainCount * r.Epochs.Count) / Runs.Sum(r => r.TrainingSeconds(TrainCount));

    /// <summary>Mean over seeds of the hidden layers' test-set spike rate; null without hidden layers.</summary>
    public double? HiddenSpikeRate => Runs.All(r => r.HiddenSpikeRate is not null) ? Runs.Average(r => r.HiddenSpikeRate!.Value) : null;

    /// <summary>Mean over seeds of the fraction of near-zero weights.</summary>
    public double NearZeroWeightFraction => Runs.Average(r => r.NearZeroWeightFraction);

    /// <summary>Mean over seeds of the synaptic operations per test sample (spike accumulates plus input multiply-accumulates).</summary>
    public double SynapticOperationsPerSample => Runs.Average(r => r.TestSynapses.OperationsPerSample);

    /// <summary>Mean over seeds of the spike-triggered accumulates per test sample.</summary>
    public double SpikeAccumulatesPerSample => Runs.Average(r => r.TestSynapses.SpikeAccumulatesPerSample);

    /// <summary>Mean over seeds of the input layer's multiply-accumulates per test sample.</summary>
    public double InputMultiplyAccumulatesPerSample => Runs.Average(r => r.TestSynapses.InputMultiplyAccumulatesPerSample);

    /// <summary>Mean over seeds of <see cref="SynapticCost.EstimatedPicojoulesPerSample"/>.</summary>
    public double EstimatedPicojoulesPerSample => Runs.Average(r => r.TestSynapses.EstimatedPicojoulesPerSample);

    /// <summary>Multiply-accumulates of one pass of a non-spiking network of the same shape.</summary>
    public long DenseMultiplyAccumulates => Runs[0].TestSynapses.DenseMultiplyAccumulates;

    /// <summary><see cref="SynapticCost.DensePicojoulesPerSample"/>: the energy estimate of that pass.</summary>
    public double DenseEstimatedPicojoules => Runs[0].TestSynapses.DensePicojoulesPerSample;

    /// <summary>The row object of comparison.json: the keys issue 3 documents, the curves per seed, then the synaptic work on the test set.</summary>
    public JObject ToJson() => new()
    {
        ["rule"] = Rule.Name,
        ["surrogate"] = Rule.SurrogateName,
        ["seeds"] = new JArray(Seeds),
        ["test_accuracy_mean"] = TestAccuracyMean,
        ["test_accuracy_per_seed"] = new JArray(TestAccuracyPerSeed),
        // Per seed, the test accuracy after each epoch: the training curves a sweep's collect draws.
        ["test_accuracy_by_epoch"] = new JArray(Runs.Select(r => new JArray(r.Epochs.Select(e => e.TestAccuracy)))),
        ["seconds"] = Seconds,
        ["samples_per_second"] = SamplesPerSecond,
        ["hidden_spike_rate"] = HiddenSpikeRate,
        ["near_zero_weight_fraction"] = NearZeroWeightFraction,
        ["synaptic_operations_per_sample"] = SynapticOperationsPerSample,
        ["spike_accumulates_per_sample"] = SpikeAccumulatesPerSample,
        ["input_multiply_accumulates_per_sample"] = InputMultiplyAccumulatesPerSample,
        ["dense_multiply_accumulates_per_sample"] = DenseMultiplyAccumulates,
    };
}

/// <summary>
/// Trains several rules from identical initial weights and data order and measures them with the same code:
/// test accuracy by <see cref="Evaluator"/> on the ordinary simulator, spike rates by the simulator, weight
/// statistics on the exported <see cref="SpikingNetwork"/>.
/// </summary>
public static class RuleComparison
{
    /// <summary>A weight counts as near zero when |w| &lt; this fraction of the largest |w| of its layer.</summary>
    public const double NearZeroRelativeThreshold = 1e-3;

    /// <summary>
    /// Trains a copy of <paramref name="initial"/> with <paramref name="rule"/> for <paramref name="epochs"/> epochs.
    /// LFP uses <paramref name="lfp"/>; the surrogate baseline uses <paramref name="surrogate"/> with the rule's
    /// spike derivative. Both must agree on steps, batch size and seed (the shared data order).
    /// </summary>
    /// <param name="rule">The rule to train.</param>
    /// <param name="initial">The initial network (not modified; a copy is trained).</param>
    /// <param name="data">Training and test sets.</param>
    /// <param name="epochs">Passes over the training set.</param>
    /// <param name="lfp">LFP settings (also the source of steps, batch size, seed and the input encoder both rules use,
    /// see <see cref="CreateEncoder"/>).</param>
    /// <param name="encoder">The input both rules train on, when the options cannot name it (recorded spikes,
    /// <see cref="RecordedSpikeEncoder"/>); its name must be the options' encoder.</param>
    /// <param name="surrogate">Surrogate settings; its <see cref="SurrogateGradientOptions.Surrogate"/> is replaced by the rule's.</param>
    /// <param name="backend">Where simulation runs (default: a new CPU backend on all cores).</param>
    /// <param name="lfpBackend">Where the LFP backward runs (default: the CPU backend matching <paramref name="backend"/>).</param>
    /// <param name="onEpoch">Called after each epoch (for progress output).</param>
    /// <param name="progress">Creates a per-epoch progress sink from the epoch number (may return null).</param>
    /// <param name="cancellation">Stops training between batches: an LFP run then throws <see cref="LfpRunStoppedException"/>
    /// with its checkpoint, a surrogate run a <see cref="SurrogateRunStoppedException"/> with the checkpoint of its last
    /// finished epoch.</param>
    /// <param name="lfpResume">A checkpoint of this LFP run taken when it was stopped: it continues from there, bit-identically.</param>
    /// <param name="surrogateResume">A checkpoint of this surrogate run (<see cref="SurrogateRunStoppedException"/>): it continues
    /// from the epoch after it, bit-identically.</param>
    /// <exception cref="ArgumentException">A checkpoint that is not of this run (rule, seed, steps, batch, encoder, model).</exception>
    public static RuleRun Train(TrainingRule rule, SpikingNetwork initial, DatasetSplit data, int epochs,
        TrainingOptions lfp, SurrogateGradientOptions surrogate, IComputeBackend? backend = null, ILfpBackend? lfpBackend = null,
        Action<EpochMetrics>? onEpoch = null, Func<int, IProgress<int>?>? progress = null, CancellationToken cancellation = default,
        IInputEncoder? encoder = null, Checkpoint? lfpResume = null, Checkpoint? surrogateResume = null)
    {
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentNullException.ThrowIfNull(initial);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(lfp);
        ArgumentNullException.ThrowIfNull(surrogate);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(epochs);
        if (lfp.Steps != surrogate.Steps || lfp.BatchSize != surrogate.BatchSize || lfp.Seed != surrogate.Seed)
            throw new ArgumentException("LFP and surrogate settings must share steps, batch size and seed.");
        encoder ??= CreateEncoder(lfp, data.Train, initial);
        if (encoder.Name != lfp.Encoder.Name()) throw new ArgumentException($"the encoder is '{encoder.Name}' but the LFP options name '{lfp.Encoder.Name()}'.", nameof(encoder));

        if (lfpResume is not null && rule.Surrogate is not null) throw new ArgumentException("an LFP checkpoint resumes the LFP rule only.", nameof(lfpResume));
        if (lfpResume is not null) CheckResumes(lfpResume, rule, initial, lfp, epochs);
        if (surrogateResume is not null)
        {
            if (rule.Surrogate is null) throw new ArgumentException("a surrogate checkpoint resumes a surrogate rule only.", nameof(surrogateResume));
            CheckResumes(surrogateResume, rule, initial, lfp, epochs);
        }
        SpikingNetwork network = initial.Clone();
        double initialAccuracy = Evaluator.Accuracy(network, data.Test, lfp.Steps, encoder, lfp.EvaluationBatchSize, backend);
        var metrics = new List<EpochMetrics>(epochs);
        if (rule.Surrogate is null)
        {
            if (lfpResume is not null) network = lfpResume.Network.Clone();
            var trainer = new LfpTrainer(network, lfp, backend, lfpBackend ?? (backend is CpuBackend cpu ? new CpuLfpBackend(cpu) : null), encoder: encoder);
            if (lfpResume is not null)
            {
                lfpResume.RestoreOptimizer(trainer);
                metrics.AddRange(lfpResume.Metrics);
            }
            EpochProgress? current = lfpResume?.InProgress;
            for (int epoch = metrics.Count + 1; epoch <= epochs; epoch++)
            {
                current ??= new EpochProgress(epoch, network.Layers.Count);
                try { Record(trainer.TrainEpoch(data.Train, data.Test, current, progress?.Invoke(epoch), cancellation)); }
                catch (OperationCanceledException) { throw new LfpRunStoppedException(Checkpoint.Of(trainer, metrics, current, new Dictionary<string, string>())); }
                current = null;
            }
        }
        else
        {
            if (surrogateResume is not null) network = surrogateResume.Network.Clone();
            using var trainer = new SurrogateGradientTrainer(network, surrogate with { Surrogate = rule.Surrogate }, backend, encoder);
            Checkpoint? finished = surrogateResume;
            if (surrogateResume is not null)
            {
                trainer.LoadOptimizerState(surrogateResume.Optimizer);
                metrics.AddRange(surrogateResume.Metrics);
            }
            for (int epoch = metrics.Count + 1; epoch <= epochs; epoch++)
            {
                try { Record(trainer.TrainEpoch(data.Train, data.Test, epoch, progress?.Invoke(epoch), cancellation)); }
                catch (OperationCanceledException) { throw new SurrogateRunStoppedException(finished); }
                // Taken at every epoch boundary (weights, optimizer, metrics: small next to an epoch's work), so a stop
                // inside the next epoch keeps this one.
                if (epoch < epochs) finished = SurrogateCheckpoint(rule, trainer, lfp, metrics);
            }
        }
        var activity = MeasureTestActivity(network, data.Test, lfp.Steps, lfp.EvaluationBatchSize, backend, encoder);
        return new RuleRun(rule, lfp.Seed, initialAccuracy, metrics, activity.HiddenSpikeRate, NearZeroWeightFraction(network), activity.Synapses) { Trained = network };

        void Record(EpochMetrics m)
        {
            metrics.Add(m);
            onEpoch?.Invoke(m);
        }
    }

    /// <summary>
    /// The checkpoint of a surrogate run after <paramref name="metrics"/> (its finished epochs) in the checkpoint format
    /// of LFP runs: options are <paramref name="lfp"/>'s steps, batch, seed and encoder with the surrogate's optimizer,
    /// learning rate and momentum; the optimizer buffers are torch's (<see cref="SurrogateBatchTrainer.SaveOptimizerState"/>).
    /// </summary>
    public static Checkpoint SurrogateCheckpoint(TrainingRule rule, SurrogateGradientTrainer trainer, TrainingOptions lfp, IReadOnlyList<EpochMetrics> metrics)
    {
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentNullException.ThrowIfNull(trainer);
        var optimizer = trainer.SaveOptimizerState();
        var t = trainer.Options.Trainer;
        var options = lfp with { Optimizer = optimizer.Kind, LearningRate = (float)t.LearningRate, Momentum = (float)t.Momentum, ClipNorm = 0f };
        return new Checkpoint(rule, options, trainer.Network.Clone(), optimizer, metrics.ToArray(), null, new Dictionary<string, string>());
    }

    // A checkpoint continues this run only: same rule, the run's seed, steps, batch and encoder, the same model, epochs left.
    private static void CheckResumes(Checkpoint resume, TrainingRule rule, SpikingNetwork initial, TrainingOptions lfp, int epochs)
    {
        string what = $"the checkpoint of {resume.Rule.Key}";
        if (resume.Rule != rule) throw new ArgumentException($"{what} cannot continue rule {rule.Key}.");
        var o = resume.Options;
        if (o.Seed != lfp.Seed || o.Steps != lfp.Steps || o.BatchSize != lfp.BatchSize || o.Encoder != lfp.Encoder)
            throw new ArgumentException($"{what} is of seed {o.Seed}, T={o.Steps}, batch {o.BatchSize}, encoder {o.Encoder.Name()}; this run has seed {lfp.Seed}, T={lfp.Steps}, batch {lfp.BatchSize}, encoder {lfp.Encoder.Name()}.");
        if (resume.Network.Spec != initial.Spec) throw new ArgumentException($"{what} holds model {resume.Network.Spec}, this run trains {initial.Spec}.");
        if (resume.CompletedEpochs >= epochs) throw new ArgumentException($"{what} has {resume.CompletedEpochs} finished epochs, not fewer than the run's {epochs}.");
    }

    /// <summary>
    /// The input encoder both rules of a comparison train and are measured with: the one <paramref name="lfp"/> names
    /// (rows are sized from <paramref name="data"/>'s features and <paramref name="network"/>'s first layer, see
    /// <see cref="InputEncoders.Create"/>). Both rules see the same input: spike encoders are seeded by sample key.
    /// </summary>
    /// <exception cref="ArgumentException">The encoder is unknown, or rows do not fit the sizes.</exception>
    public static IInputEncoder CreateEncoder(TrainingOptions lfp, Dataset data, SpikingNetwork network)
    {
        ArgumentNullException.ThrowIfNull(lfp);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(network);
        return InputEncoders.Create(lfp.Encoder, (ulong)lfp.Seed, data.FeatureCount, network.InputSize);
    }

    /// <summary>
    /// One pass over <paramref name="data"/> (every sample from rest, input by <paramref name="encoder"/>, constant
    /// current by default): the spike rate of the hidden layers, all hidden spikes / (samples x steps x hidden neurons),
    /// i.e. pooled over every hidden neuron (null when the network has no hidden layer); and the synaptic work of
    /// simulating the samples.
    /// </summary>
    public static TestActivity MeasureTestActivity(SpikingNetwork network, Dataset data, int steps, int batchSize = Evaluator.DefaultBatchSize, IComputeBackend? backend = null,
        IInputEncoder? encoder = null)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(data);
        int hiddenLayers = network.Layers.Count - 1;
        var synapses = SynapticCost.None(network);
        if (data.Count == 0) return new TestActivity(null, synapses);
        var simulator = new Simulator(network, steps, encoder ?? new ConstantCurrentEncoder(), backend);
        var keys = new long[Math.Min(batchSize, data.Count)];
        long spikes = 0;
        for (int start = 0; start < data.Count; start += batchSize)
        {
            int count = Math.Min(batchSize, data.Count - start);
            for (int i = 0; i < count; i++) keys[i] = Evaluator.EvaluationKeyBase + start + i;
            ForwardTrace trace = simulator.Forward(data.Features.AsSpan(start * data.FeatureCount, count * data.FeatureCount), keys.AsSpan(0, count));
            for (int k = 0; k < hiddenLayers; k++) spikes += TraceStatistics.SpikeTotal(trace, k);
            synapses = synapses.Add(network, trace);
        }
        long hiddenNeurons = network.Layers.Take(hiddenLayers).Sum(l => (long)l.Size);
        double? rate = hiddenLayers == 0 ? null : spikes / ((double)data.Count * steps * hiddenNeurons);
        return new TestActivity(rate, synapses);
    }

    /// <summary>
    /// Fraction of all weights (biases excluded, recurrent weights included) with |w| &lt; <see cref="NearZeroRelativeThreshold"/>
    /// times the largest |w| of the same layer (of the layer's recurrent weights, for those). Relative, because layers
    /// differ in scale (initial bound 1/sqrt(fan-in)) and the rules in how far they move weights; uniform
    /// initialisation puts about 0.1% of weights below it.
    /// </summary>
    public static double NearZeroWeightFraction(SpikingNetwork network)
    {
        ArgumentNullException.ThrowIfNull(network);
        long near = 0, total = 0;
        foreach (float[] w in network.Layers.SelectMany(WeightGroups))
        {
            float largest = 0;
            foreach (float v in w) largest = Math.Max(largest, Math.Abs(v));
            double limit = NearZeroRelativeThreshold * largest;
            foreach (float v in w) if (Math.Abs(v) < limit) near++;
            total += w.Length;
        }
        return total == 0 ? 0 : near / (double)total;
    }

    // A layer's weight arrays, each scaled on its own: recurrent weights (bound 1/sqrt(size)) apart from the feed-forward ones.
    private static IEnumerable<float[]> WeightGroups(SpikingLayer layer)
    {
        yield return layer.Connection.Weights;
        if (layer.Recurrent is { } recurrent) yield return recurrent.Weights;
    }
}

/// <summary>An LFP run of a comparison stopped between batches; <see cref="Checkpoint"/> continues it (RuleComparison.Train's lfpResume).</summary>
public sealed class LfpRunStoppedException(Checkpoint checkpoint) : OperationCanceledException("the LFP run was stopped at a batch boundary")
{
    /// <summary>Where the run stood: weights, optimizer, finished epochs and the epoch in progress.</summary>
    public Checkpoint Checkpoint { get; } = checkpoint;
}

/// <summary>
/// A surrogate run of a comparison stopped between batches. <see cref="Checkpoint"/> holds its last finished epoch
/// (null when it stopped in its first) and continues it (RuleComparison.Train's surrogateResume); the epoch in progress
/// is trained again, which, being deterministic, ends the same.
/// </summary>
public sealed class SurrogateRunStoppedException(Checkpoint? checkpoint) : OperationCanceledException("the surrogate run was stopped at a batch boundary")
{
    /// <summary>Weights, optimizer state and metrics after the last finished epoch; null before the first.</summary>
    public Checkpoint? Checkpoint { get; } = checkpoint;
}
