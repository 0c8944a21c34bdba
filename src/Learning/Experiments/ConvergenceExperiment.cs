using System.Diagnostics;
using SpikeLfp.Data;
using SpikeLfp.Learning.Optimizers;
using SpikeLfp.Network.Model;

namespace SpikeLfp.Learning.Experiments;

/// <summary>One way the convergence experiment trains the network: a learning rule and an optimizer.</summary>
/// <param name="Rule">LFP or backpropagated gradients.</param>
/// <param name="Optimizer">SGD (with momentum) or Adam.</param>
public sealed record ConvergenceRule(AnalogRule Rule, OptimizerKind Optimizer)
{
    /// <summary>LFP with SGD.</summary>
    public static readonly ConvergenceRule LfpSgd = new(AnalogRule.Lfp, OptimizerKind.Sgd);
    /// <summary>Backpropagation with SGD.</summary>
    public static readonly ConvergenceRule GradientSgd = new(AnalogRule.Gradient, OptimizerKind.Sgd);
    /// <summary>LFP with Adam.</summary>
    public static readonly ConvergenceRule LfpAdam = new(AnalogRule.Lfp, OptimizerKind.Adam);
    /// <summary>Backpropagation with Adam.</summary>
    public static readonly ConvergenceRule GradientAdam = new(AnalogRule.Gradient, OptimizerKind.Adam);

    /// <summary>Every rule, in the order of tables and plots.</summary>
    public static IReadOnlyList<ConvergenceRule> All { get; } = [LfpSgd, GradientSgd, LfpAdam, GradientAdam];

    /// <summary>Name on the command line and in file keys: lfp-sgd, gradient-sgd, lfp-adam, gradient-adam.</summary>
    public string Name => $"{(Rule == AnalogRule.Lfp ? "lfp" : "gradient")}-{Optimizer.Name()}";
    /// <summary>Key in convergence.json: the name with an underscore.</summary>
    public string Key => Name.Replace('-', '_');
    /// <summary>Legend and table text, for example "LFP + SGD".</summary>
    public string Label => $"{(Rule == AnalogRule.Lfp ? "LFP" : "gradient")} + {OptimizerLabel(Optimizer)}";
    /// <summary>The rule with the same optimizer and the other learning rule (LFP's gradient partner and back).</summary>
    public ConvergenceRule Partner => this with { Rule = Rule == AnalogRule.Lfp ? AnalogRule.Gradient : AnalogRule.Lfp };

    /// <summary>The optimizer in legends and tables: "SGD" or "Adam".</summary>
    public static string OptimizerLabel(OptimizerKind optimizer) => optimizer == OptimizerKind.Sgd ? "SGD" : "Adam";

    /// <summary>The rule named <paramref name="name"/> (see <see cref="Name"/>).</summary>
    /// <exception cref="ArgumentException">No rule has that name.</exception>
    public static ConvergenceRule Parse(string name)
        => All.FirstOrDefault(r => r.Name == name)
           ?? throw new ArgumentException($"unknown rule '{name}': expected {string.Join(", ", All.Select(r => r.Name))}.");
}

/// <summary>Settings of the convergence experiment. SGD settings are shared by both SGD rules, Adam's by both Adam rules.</summary>
public sealed record ConvergenceSettings
{
    /// <summary>Passes over the training set.</summary>
    public int Epochs { get; init; } = 30;
    /// <summary>Samples per update (the last batch of an epoch may be smaller).</summary>
    public int BatchSize { get; init; } = 32;
    /// <summary>SGD learning rate (the project's training default).</summary>
    public float SgdLearningRate { get; init; } = 0.02f;
    /// <summary>SGD momentum.</summary>
    public float Momentum { get; init; } = 0.9f;
    /// <summary>Adam learning rate (PyTorch's default, and the surrogate baseline's).</summary>
    public float AdamLearningRate { get; init; } = 1e-3f;
    /// <summary>Global update-norm clip for every rule (0 = off).</summary>
    public float ClipNorm { get; init; } = 3f;

    /// <summary>Throws <see cref="ArgumentException"/> for a setting out of range.</summary>
    public void Validate()
    {
        if (Epochs < 1) throw new ArgumentException($"epochs must be positive, got {Epochs}.");
        if (BatchSize < 1) throw new ArgumentException($"batch size must be positive, got {BatchSize}.");
        if (!float.IsFinite(SgdLearningRate) || SgdLearningRate <= 0f) throw new ArgumentException($"SGD learning rate must be > 0, got {SgdLearningRate}.");
        if (!float.IsFinite(AdamLearningRate) || AdamLearningRate <= 0f) throw new ArgumentException($"Adam learning rate must be > 0, got {AdamLearningRate}.");
        if (!float.IsFinite(Momentum) || Momentum < 0f || Momentum >= 1f) throw new ArgumentException($"momentum must be in [0, 1), got {Momentum}.");
        if (!float.IsFinite(ClipNorm) || ClipNorm < 0f) throw new ArgumentException($"clip must be >= 0, got {ClipNorm}.");
    }

    /// <summary>A fresh optimizer for <paramref name="rule"/> with these settings.</summary>
    public IOptimizer CreateOptimizer(ConvergenceRule rule) => rule.Optimizer == OptimizerKind.Adam ? new Adam(AdamLearningRate) : new Sgd(SgdLearningRate, Momentum);
}

/// <summary>The network after one epoch (index 0: untrained), measured on the whole training and test sets without updates.</summary>
/// <param name="Epoch">0 for the untrained network.</param>
/// <param name="TrainLoss">Mean cross-entropy on the training set.</param>
/// <param name="TrainAccuracy">Accuracy on the training set.</param>
/// <param name="TestLoss">Mean cross-entropy on the test set.</param>
/// <param name="TestAccuracy">Accuracy on the test set.</param>
/// <param name="Seconds">Wall-clock seconds of training so far (the evaluations excluded).</param>
/// <param name="UpdateNorm">
/// Mean over the epoch's batches of the update's global norm before clipping (0 for epoch 0). LFP's feedback sums over
/// the batch where the gradient is a batch mean, so the two differ in scale and the clip bounds both.
/// </param>
/// <param name="TestHiddenActive">Fraction of hidden ReLUs active (z &gt; 0) on the test set: the work of a sparse pass grows with it.</param>
public sealed record ConvergenceEpoch(int Epoch, double TrainLoss, double TrainAccuracy, double TestLoss, double TestAccuracy, double Seconds,
    double UpdateNorm = 0, double TestHiddenActive = 0);

/// <summary>One trained run: a rule from one seed's initial weights.</summary>
public sealed record ConvergenceRun(ConvergenceRule Rule, int Seed, IReadOnlyList<ConvergenceEpoch> Epochs)
{
    /// <summary>Test accuracy after the last epoch.</summary>
    public double TestAccuracy => Epochs[^1].TestAccuracy;
    /// <summary>Training seconds of the whole run.</summary>
    public double Seconds => Epochs[^1].Seconds;

    /// <summary>
    /// The first epoch after which the test accuracy reached <paramref name="fraction"/> of the final one (the
    /// usual "epochs to 90%" measure of convergence speed; 0 when the untrained network already does).
    /// </summary>
    public ConvergenceEpoch FirstReaching(double fraction) => Epochs.First(e => e.TestAccuracy >= fraction * TestAccuracy);
}

/// <summary>All runs of the convergence experiment: every rule from every seed's initial weights.</summary>
/// <param name="Settings">The shared settings.</param>
/// <param name="Seeds">Seeds, in order.</param>
/// <param name="Rules">Rules, in order.</param>
/// <param name="Runs">Runs, seed-major (all rules of the first seed, then the next seed).</param>
public sealed record ConvergenceStudy(ConvergenceSettings Settings, IReadOnlyList<int> Seeds, IReadOnlyList<ConvergenceRule> Rules, IReadOnlyList<ConvergenceRun> Runs)
{
    /// <summary>The fraction of the final accuracy that <see cref="EpochsToReach"/> measures: 90%.</summary>
    public const double ConvergedFraction = 0.9;

    /// <summary>The run of <paramref name="rule"/> from <paramref name="seed"/>.</summary>
    public ConvergenceRun Run(ConvergenceRule rule, int seed) => Runs.First(r => r.Rule == rule && r.Seed == seed);

    /// <summary>A per-run measurement of <paramref name="rule"/> over the seeds.</summary>
    public SeedSpread Over(ConvergenceRule rule, Func<ConvergenceRun, double> measure) => new(Seeds.Select(s => measure(Run(rule, s))).ToArray());

    /// <summary>Final test accuracy of <paramref name="rule"/> over the seeds.</summary>
    public SeedSpread TestAccuracy(ConvergenceRule rule) => Over(rule, r => r.TestAccuracy);

    /// <summary>Epochs each seed's run of <paramref name="rule"/> needed to reach 90% of its own final test accuracy.</summary>
    public SeedSpread EpochsToReach(ConvergenceRule rule) => Over(rule, r => r.FirstReaching(ConvergedFraction).Epoch);

    /// <summary>Training seconds each seed's run of <paramref name="rule"/> needed to reach 90% of its own final test accuracy.</summary>
    public SeedSpread SecondsToReach(ConvergenceRule rule) => Over(rule, r => r.FirstReaching(ConvergedFraction).Seconds);

    /// <summary>
    /// Final test accuracy of <paramref name="rule"/> minus that of <paramref name="baseline"/>, paired by seed (both
    /// started from the same weights and saw the same batches), over the seeds.
    /// </summary>
    public SeedSpread Difference(ConvergenceRule rule, ConvergenceRule baseline)
        => new(Seeds.Select(s => Run(rule, s).TestAccuracy - Run(baseline, s).TestAccuracy).ToArray());

    /// <summary>A measurement of <paramref name="rule"/> after every epoch (index 0: untrained), over the seeds.</summary>
    public IReadOnlyList<SeedSpread> Curve(ConvergenceRule rule, Func<ConvergenceEpoch, double> measure)
        => Enumerable.Range(0, Settings.Epochs + 1).Select(e => Over(rule, r => measure(r.Epochs[e]))).ToArray();
}

/// <summary>
/// LFP's claim that it converges like gradient descent, measured: the same non-spiking ReLU network (dense or
/// convolutional) trained from the same initial weights and in the same data order by LFP and by backpropagation,
/// each with SGD and with Adam under identical optimizer settings, for several seeds. All runs train side by side,
/// one thread each; each run is sequential, so its numbers do not depend on the thread count.
/// </summary>
public static class ConvergenceExperiment
{
    /// <summary>
    /// Trains every rule of <paramref name="rules"/> for every seed of <paramref name="seeds"/> on the network of
    /// <paramref name="spec"/> with a ReLU after every layer but the output. <paramref name="onEpoch"/> is called from
    /// the runs' threads.
    /// </summary>
    /// <exception cref="ArgumentException">Settings out of range, no or repeated seeds or rules, or a spec that does not fit the data.</exception>
    public static ConvergenceStudy Run(DatasetSplit data, ConvSpec spec, ConvergenceSettings settings, IReadOnlyList<int> seeds,
        IReadOnlyList<ConvergenceRule> rules, Action<ConvergenceRule, int, ConvergenceEpoch>? onEpoch = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        if (seeds.Count == 0) throw new ArgumentException("give at least one seed.", nameof(seeds));
        if (seeds.Distinct().Count() != seeds.Count) throw new ArgumentException("a seed is given twice.", nameof(seeds));
        if (seeds.Any(s => s < 0)) throw new ArgumentException("seeds must be >= 0.", nameof(seeds));
        if (rules.Count == 0) throw new ArgumentException("give at least one rule.", nameof(rules));
        if (rules.Distinct().Count() != rules.Count) throw new ArgumentException("a rule is given twice.", nameof(rules));
        CheckFits(spec, data);

        var initial = seeds.Select(seed => AnalogNetwork.Create(spec, Activation.ReLU, seed)).ToArray();
        var runs = SideBySide.Run(seeds.Count * rules.Count, i =>
        {
            int k = i / rules.Count;
            return Train(rules[i % rules.Count], initial[k].Clone(), data, settings, seeds[k], onEpoch, cancellation);
        }, cancellation);
        return new ConvergenceStudy(settings, seeds.ToArray(), rules.ToArray(), runs);
    }

    /// <summary>Throws <see cref="ArgumentException"/> when <paramref name="spec"/> cannot take the samples of <paramref name="data"/>.</summary>
    public static void CheckFits(ConvSpec spec, DatasetSplit data)
    {
        if (data.Train.FeatureCount != data.Test.FeatureCount || data.Train.ClassCount != data.Test.ClassCount)
            throw new ArgumentException("train and test parts disagree in features or classes.");
        if (spec.Input.Size != data.Train.FeatureCount)
            throw new ArgumentException($"the model takes {spec.Input.Size} inputs ({spec.Input}) but data set '{data.Train.Name}' has {data.Train.FeatureCount} features per sample ({data.Train.Shape.Height}x{data.Train.Shape.Width}).");
        if (spec.Shapes[^1].Size < data.Train.ClassCount)
            throw new ArgumentException($"the model has {spec.Shapes[^1].Size} outputs but data set '{data.Train.Name}' has {data.Train.ClassCount} classes.");
    }

    /// <summary>Trains one rule from <paramref name="network"/> (changed in place), evaluating after every epoch.</summary>
    public static ConvergenceRun Train(ConvergenceRule rule, AnalogNetwork network, DatasetSplit data, ConvergenceSettings settings, int seed,
        Action<ConvergenceRule, int, ConvergenceEpoch>? onEpoch = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(rule);
        settings.Validate();
        var trainer = new AnalogTrainer(network, rule.Rule, settings.CreateOptimizer(rule), settings.ClipNorm, seed, $"{rule.Label}, seed {seed}");
        var clock = new Stopwatch();
        var epochs = new List<ConvergenceEpoch> { Measure(network, data, 0, 0, 0) };
        onEpoch?.Invoke(rule, seed, epochs[0]);
        for (int epoch = 1; epoch <= settings.Epochs; epoch++)
        {
            clock.Start();
            var trained = trainer.TrainEpoch(data.Train, epoch, settings.BatchSize, cancellation: cancellation);
            clock.Stop();
            epochs.Add(Measure(network, data, epoch, clock.Elapsed.TotalSeconds, trained.MeanUpdateNorm));
            onEpoch?.Invoke(rule, seed, epochs[^1]);
        }
        return new ConvergenceRun(rule, seed, epochs);
    }

    private static ConvergenceEpoch Measure(AnalogNetwork network, DatasetSplit data, int epoch, double seconds, double updateNorm)
    {
        var train = AnalogTrainer.Evaluate(network, data.Train);
        var test = AnalogTrainer.Evaluate(network, data.Test);
        return new ConvergenceEpoch(epoch, train.Loss, train.Accuracy, test.Loss, test.Accuracy, seconds, updateNorm, test.HiddenActiveFraction);
    }
}
