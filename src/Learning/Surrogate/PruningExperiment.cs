using SpikeLfp.Data;
using SpikeLfp.Learning.Experiments;
using SpikeLfp.Learning.Lfp;
using SpikeLfp.Learning.Training;
using SpikeLfp.Network.Backends;
using SpikeLfp.Network.Encoding;
using SpikeLfp.Network.Model;

namespace SpikeLfp.Learning.Surrogate;

/// <summary>
/// Settings of the pruning experiment. The defaults are those of <c>spikelfp compare</c>: T = 15, batch 32,
/// constant-current input; LFP with SGD lr 0.02, momentum 0.9, clip 3; the surrogate baseline with the atan
/// surrogate, Adam lr 1e-3 and the ce-rate loss.
/// </summary>
public sealed record PruningSettings
{
    /// <summary>Passes over the training set for both rules (compare's default).</summary>
    public int Epochs { get; init; } = 30;
    /// <summary>Seed of the initial weights and the data order (the caller builds the initial network from it).</summary>
    public int Seed { get; init; }
    /// <summary>Pruned fractions are 0, Step, 2 Step, ... up to <see cref="MaxFraction"/>.</summary>
    public double Step { get; init; } = 0.05;
    /// <summary>The largest pruned fraction of the curve.</summary>
    public double MaxFraction { get; init; } = 0.95;
    /// <summary>LFP settings (its Seed is replaced by <see cref="Seed"/>).</summary>
    public TrainingOptions Lfp { get; init; } = new() { Encoder = EncoderKind.Current };
    /// <summary>Surrogate settings (its Seed is replaced by <see cref="Seed"/>).</summary>
    public SurrogateGradientOptions Surrogate { get; init; } = new() { Surrogate = SurrogateSpec.Default };

    /// <summary>The pruned fractions of the curve: k x Step for k = 0, 1, ... while k x Step &lt;= MaxFraction.</summary>
    public IReadOnlyList<double> Fractions
    {
        get
        {
            var result = new List<double>();
            // k x Step rather than repeated addition, so 0.05 x 19 prints as 0.95, not 0.9500000000000003.
            for (int k = 0; k * Step <= MaxFraction + 1e-9; k++) result.Add(Math.Round(k * Step, 10));
            return result;
        }
    }

    /// <summary>Checks every value; throws <see cref="ArgumentException"/> naming the first bad one.</summary>
    public void Validate()
    {
        if (Epochs < 1) throw new ArgumentException($"epochs must be a positive integer, got {Epochs}.");
        if (Seed < 0) throw new ArgumentException($"seed must be >= 0, got {Seed}.");
        if (!double.IsFinite(Step) || Step <= 0 || Step > 1) throw new ArgumentException($"the pruning step must be in (0, 1], got {Step}.");
        if (!double.IsFinite(MaxFraction) || MaxFraction < 0 || MaxFraction > 1) throw new ArgumentException($"the largest pruned fraction must be in [0, 1], got {MaxFraction}.");
        ArgumentNullException.ThrowIfNull(Lfp);
        ArgumentNullException.ThrowIfNull(Surrogate);
        Lfp.Validate();
        Surrogate.Validate();
    }
}

/// <summary>One point of a pruning curve.</summary>
/// <param name="PrunedFraction">Fraction of all weights set to zero.</param>
/// <param name="PrunedWeights">How many weights that is (<see cref="Pruning.PrunedCount"/>).</param>
/// <param name="TestAccuracy">Test accuracy of the pruned network.</param>
public sealed record PruningPoint(double PrunedFraction, int PrunedWeights, double TestAccuracy);

/// <summary>One rule's trained network, its sparsity and its pruning curve.</summary>
/// <param name="Rule">LFP or the surrogate baseline.</param>
/// <param name="Run">The training run (per-epoch metrics; <see cref="RuleRun.Trained"/> is the network).</param>
/// <param name="Gini">Gini coefficient of |w| over all weights (<see cref="Pruning.Gini(SpikingNetwork)"/>).</param>
/// <param name="GiniPerLayer">Gini coefficient of |w| per layer.</param>
/// <param name="Curve">Test accuracy after pruning each fraction, no retraining.</param>
public sealed record PruningRuleResult(TrainingRule Rule, RuleRun Run, double Gini, IReadOnlyList<(string Layer, double Gini)> GiniPerLayer,
    IReadOnlyList<PruningPoint> Curve)
{
    /// <summary>The trained network.</summary>
    public SpikingNetwork Network => Run.Trained!;

    /// <summary>Test accuracy of the trained, unpruned network.</summary>
    public double TestAccuracy => Run.TestAccuracy;

    /// <summary>Test accuracy at the curve point whose fraction is closest to <paramref name="fraction"/>.</summary>
    public double AccuracyAt(double fraction) => Curve.MinBy(p => Math.Abs(p.PrunedFraction - fraction))!.TestAccuracy;
}

/// <summary>The experiment's result: both rules from the same initial network.</summary>
public sealed record PruningResult(PruningSettings Settings, SpikingNetwork Initial, PruningRuleResult Lfp, PruningRuleResult Surrogate)
{
    /// <summary>LFP first, then the surrogate baseline.</summary>
    public IReadOnlyList<PruningRuleResult> Rules => [Lfp, Surrogate];
}

/// <summary>
/// The LFP paper's sparsity claim, measured: train one initial network with LFP and with surrogate-gradient BPTT
/// (<see cref="RuleComparison.Train"/>: same initial weights, same data order), then for each trained network
/// the Gini coefficient of its weight magnitudes and the test accuracy after global magnitude pruning
/// (<see cref="Pruning.Prune"/>) of increasing fractions of its weights, without retraining. Accuracy is measured
/// for both rules by the same code (<see cref="Evaluator"/> on the ordinary simulator, with the input encoder the LFP
/// settings name, see <see cref="RuleComparison.CreateEncoder"/>).
/// </summary>
public static class PruningExperiment
{
    /// <summary>Runs the experiment.</summary>
    /// <param name="initial">The shared initial network (not modified).</param>
    /// <param name="data">Training and test sets.</param>
    /// <param name="settings">Settings.</param>
    /// <param name="backend">Where simulation and evaluation run (default: a new CPU backend on all cores).</param>
    /// <param name="lfpBackend">Where the LFP backward runs (default: the CPU backend matching <paramref name="backend"/>).</param>
    /// <param name="onEpoch">Called after each training epoch with the rule (for progress output).</param>
    /// <param name="progress">Creates a per-epoch progress sink from the rule and epoch number (may return null).</param>
    /// <param name="cancellation">Stops training between batches (OperationCanceledException).</param>
    public static PruningResult Run(SpikingNetwork initial, DatasetSplit data, PruningSettings settings,
        IComputeBackend? backend = null, ILfpBackend? lfpBackend = null,
        Action<TrainingRule, EpochMetrics>? onEpoch = null, Func<TrainingRule, int, IProgress<int>?>? progress = null,
        CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(initial);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        return new PruningResult(settings, initial,
            RunRule(TrainingRule.Lfp, initial, data, settings, backend, lfpBackend, onEpoch, progress, cancellation),
            RunRule(new TrainingRule(settings.Surrogate.Surrogate), initial, data, settings, backend, lfpBackend, onEpoch, progress, cancellation));
    }

    /// <summary>Trains one rule and measures its sparsity and pruning curve.</summary>
    public static PruningRuleResult RunRule(TrainingRule rule, SpikingNetwork initial, DatasetSplit data, PruningSettings settings,
        IComputeBackend? backend = null, ILfpBackend? lfpBackend = null,
        Action<TrainingRule, EpochMetrics>? onEpoch = null, Func<TrainingRule, int, IProgress<int>?>? progress = null,
        CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        var run = RuleComparison.Train(rule, initial, data, settings.Epochs,
            settings.Lfp with { Seed = settings.Seed, Epochs = settings.Epochs }, settings.Surrogate with { Seed = settings.Seed },
            backend, lfpBackend, m => onEpoch?.Invoke(rule, m), epoch => progress?.Invoke(rule, epoch), cancellation);
        SpikingNetwork trained = run.Trained!;
        var encoder = RuleComparison.CreateEncoder(settings.Lfp, data.Train, initial);
        var curve = Curve(trained, data.Test, settings.Fractions, settings.Lfp.Steps, settings.Lfp.EvaluationBatchSize, backend, encoder);
        return new PruningRuleResult(rule, run, Pruning.Gini(trained), Pruning.GiniPerLayer(trained), curve);
    }

    /// <summary>
    /// Test accuracy of <paramref name="network"/> after global magnitude pruning of each fraction (each from the
    /// unpruned network; the pruned sets are nested because they share one <see cref="Pruning.MagnitudeOrder"/>),
    /// with input by <paramref name="encoder"/> (constant current by default).
    /// </summary>
    public static IReadOnlyList<PruningPoint> Curve(SpikingNetwork network, Dataset test, IReadOnlyList<double> fractions, int steps,
        int batchSize = Evaluator.DefaultBatchSize, IComputeBackend? backend = null, IInputEncoder? encoder = null)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(test);
        ArgumentNullException.ThrowIfNull(fractions);
        int[] order = Pruning.MagnitudeOrder(network);
        int total = order.Length;
        encoder ??= new ConstantCurrentEncoder();
        return fractions.Select(f => new PruningPoint(f, Pruning.PrunedCount(total, f),
            Evaluator.Accuracy(Pruning.Prune(network, f, order), test, steps, encoder, batchSize, backend))).ToList();
    }
}
