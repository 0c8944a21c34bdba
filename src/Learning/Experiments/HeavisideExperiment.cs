using System.Diagnostics;
using SpikeLfp.Data;
using SpikeLfp.Learning.Optimizers;
using SpikeLfp.Learning.Rewards;
using SpikeLfp.Learning.Training;
using SpikeLfp.Network.Model;

namespace SpikeLfp.Learning.Experiments;

/// <summary>The three ways the Heaviside experiment trains the same step-activated MLP.</summary>
public enum HeavisideRule
{
    /// <summary>LFP with the softmax reward, Gaussian noise on every layer input and on the output while training.</summary>
    LfpNoise,
    /// <summary>LFP with the softmax reward, no noise.</summary>
    LfpNoNoise,
    /// <summary>Backpropagated cross-entropy with the step's true derivative (zero), same noise as <see cref="LfpNoise"/>.</summary>
    Gradient,
}

/// <summary>Settings of the Heaviside experiment; the defaults are the reference's (issue 7).</summary>
public sealed record HeavisideSettings
{
    /// <summary>Hidden layer sizes; the network is inputs-hidden...-classes with a step after every layer.</summary>
    public IReadOnlyList<int> HiddenSizes { get; init; } = [120, 84];
    /// <summary>Passes over the training set.</summary>
    public int Epochs { get; init; } = 300;
    /// <summary>Samples per update (the last batch of an epoch may be smaller).</summary>
    public int BatchSize { get; init; } = 32;
    /// <summary>SGD learning rate.</summary>
    public float LearningRate { get; init; } = 0.1f;
    /// <summary>SGD momentum.</summary>
    public float Momentum { get; init; } = 0.9f;
    /// <summary>Global gradient-norm clip (0 = off).</summary>
    public float ClipNorm { get; init; } = 3f;
    /// <summary>Standard deviation of the training noise of <see cref="HeavisideRule.LfpNoise"/> and <see cref="HeavisideRule.Gradient"/>.</summary>
    public float NoiseStd { get; init; } = 0.1f;
    /// <summary>Seed of the initial weights, the data order and the noise.</summary>
    public int Seed { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> for a setting out of range.</summary>
    public void Validate()
    {
        if (HiddenSizes.Any(s => s < 1)) throw new ArgumentException("hidden layer sizes must be positive.");
        if (Epochs < 1) throw new ArgumentException($"epochs must be positive, got {Epochs}.");
        if (BatchSize < 1) throw new ArgumentException($"batch size must be positive, got {BatchSize}.");
        if (!float.IsFinite(LearningRate) || LearningRate <= 0f) throw new ArgumentException($"learning rate must be > 0, got {LearningRate}.");
        if (!float.IsFinite(Momentum) || Momentum < 0f || Momentum >= 1f) throw new ArgumentException($"momentum must be in [0, 1), got {Momentum}.");
        if (!float.IsFinite(ClipNorm) || ClipNorm < 0f) throw new ArgumentException($"clip must be >= 0, got {ClipNorm}.");
        if (!float.IsFinite(NoiseStd) || NoiseStd < 0f) throw new ArgumentException($"noise std must be >= 0, got {NoiseStd}.");
        if (Seed < 0) throw new ArgumentException($"seed must be >= 0, got {Seed}.");
    }
}

/// <summary>
/// One epoch of one run: test accuracy after it, and what flowed while training (averaged over its batches).
/// </summary>
/// <param name="Epoch">1-based; 0 is the untrained network (training statistics are then 0).</param>
/// <param name="TestAccuracy">Fraction of test samples whose argmax output (ties: lowest index) is the label; no noise.</param>
/// <param name="Seconds">Wall-clock seconds of this run so far (training and evaluation).</param>
/// <param name="HiddenActiveFraction">Fraction of hidden step outputs that are 1 during training.</param>
/// <param name="OutputActiveFraction">Fraction of output step outputs that are 1 during training (before the output noise).</param>
/// <param name="SignalNonZeroFraction">
/// Fraction of output units that receive a learning signal: LFP, a non-zero reward; gradient, a non-zero dL/dz.
/// </param>
/// <param name="UpdateNonZeroFraction">Fraction of parameters whose update (-feedback or gradient) is non-zero.</param>
/// <param name="UpdateNorm">Global L2 norm of the update before clipping.</param>
/// <param name="TestTieFraction">Fraction of test samples whose largest output is shared by several classes.</param>
/// <param name="TestSilentFraction">Fraction of test samples whose outputs are all zero (prediction falls to class 0).</param>
public sealed record HeavisideEpoch(int Epoch, double TestAccuracy, double Seconds,
    double HiddenActiveFraction, double OutputActiveFraction, double SignalNonZeroFraction,
    double UpdateNonZeroFraction, double UpdateNorm, double TestTieFraction, double TestSilentFraction);

/// <summary>One trained run: its rule and its epochs (index 0 is the untrained network).</summary>
public sealed record HeavisideRun(HeavisideRule Rule, IReadOnlyList<HeavisideEpoch> Epochs)
{
    /// <summary>Test accuracy after the last epoch.</summary>
    public double TestAccuracy => Epochs[^1].TestAccuracy;
    /// <summary>Wall-clock seconds of the run.</summary>
    public double Seconds => Epochs[^1].Seconds;
}

/// <summary>The three runs of one seed.</summary>
public sealed record HeavisideResult(HeavisideSettings Settings, IReadOnlyList<int> Sizes, HeavisideRun LfpNoise, HeavisideRun LfpNoNoise, HeavisideRun Gradient)
{
    /// <summary>The runs in rule order.</summary>
    public IReadOnlyList<HeavisideRun> Runs => [LfpNoise, LfpNoNoise, Gradient];

    /// <summary>The run of <paramref name="rule"/>.</summary>
    public HeavisideRun Run(HeavisideRule rule) => Runs.First(r => r.Rule == rule);
}

/// <summary>
/// The experiment repeated over several seeds (each seed draws its own initial weights, data order and noise).
/// A step network's final accuracy moves a lot from seed to seed, so the claim is the spread, not one seed.
/// </summary>
/// <param name="Settings">The settings shared by every seed (its <see cref="HeavisideSettings.Seed"/> is the first seed's).</param>
/// <param name="Sizes">Layer sizes, input first.</param>
/// <param name="PerSeed">One result per seed, in the order the seeds were given.</param>
public sealed record HeavisideStudy(HeavisideSettings Settings, IReadOnlyList<int> Sizes, IReadOnlyList<HeavisideResult> PerSeed)
{
    /// <summary>The seeds, in order.</summary>
    public IReadOnlyList<int> Seeds => PerSeed.Select(r => r.Settings.Seed).ToArray();

    /// <summary>Final test accuracy of <paramref name="rule"/> over the seeds.</summary>
    public SeedSpread TestAccuracy(HeavisideRule rule) => Over(rule, run => run.TestAccuracy);

    /// <summary>Any per-run measurement of <paramref name="rule"/> over the seeds.</summary>
    public SeedSpread Over(HeavisideRule rule, Func<HeavisideRun, double> measure) => new(PerSeed.Select(r => measure(r.Run(rule))).ToArray());

    /// <summary>Test accuracy of <paramref name="rule"/> after every epoch (index 0: untrained), over the seeds.</summary>
    public IReadOnlyList<SeedSpread> Curve(HeavisideRule rule)
        => Enumerable.Range(0, Settings.Epochs + 1).Select(e => Over(rule, run => run.Epochs[e].TestAccuracy)).ToArray();
}

/// <summary>
/// LFP's first claim, reproduced: it trains a network whose every activation is a Heaviside step, the output
/// included, where gradients cannot flow. Three runs from the same initial weights and data order: LFP with
/// training noise, LFP without, and the gradient baseline, for one seed or several. Each run is sequential (its
/// numbers do not depend on the thread count); all runs train side by side.
/// </summary>
public static class HeavisideExperiment
{
    /// <summary>Trains the three runs of <paramref name="settings"/>' seed; <paramref name="onEpoch"/> is called from the runs' threads.</summary>
    public static HeavisideResult Run(DatasetSplit data, HeavisideSettings settings, Action<HeavisideRule, HeavisideEpoch>? onEpoch = null,
        CancellationToken cancellation = default)
        => Run(data, settings, [settings.Seed], onEpoch is null ? null : (_, rule, e) => onEpoch(rule, e), cancellation).PerSeed[0];

    /// <summary>
    /// Trains the three runs for every seed in <paramref name="seeds"/>, all side by side; each run is sequential, so
    /// its numbers do not depend on the thread count. <paramref name="onEpoch"/> (seed, rule, epoch) is called from
    /// the runs' threads.
    /// </summary>
    public static HeavisideStudy Run(DatasetSplit data, HeavisideSettings settings, IReadOnlyList<int> seeds,
        Action<int, HeavisideRule, HeavisideEpoch>? onEpoch = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(seeds);
        if (seeds.Count == 0) throw new ArgumentException("give at least one seed.", nameof(seeds));
        if (seeds.Distinct().Count() != seeds.Count) throw new ArgumentException("a seed is given twice.", nameof(seeds));
        var perSeed = seeds.Select(seed => settings with { Seed = seed }).ToArray();
        foreach (var s in perSeed) s.Validate();
        if (data.Train.FeatureCount != data.Test.FeatureCount || data.Train.ClassCount != data.Test.ClassCount)
            throw new ArgumentException("train and test parts disagree in features or classes.");
        var sizes = new List<int> { data.Train.FeatureCount };
        sizes.AddRange(settings.HiddenSizes);
        sizes.Add(data.Train.ClassCount);

        var rules = new[] { HeavisideRule.LfpNoise, HeavisideRule.LfpNoNoise, HeavisideRule.Gradient };
        var initial = perSeed.Select(s => AnalogNetwork.Create(sizes, Activation.Step, s.Seed, activateOutput: true)).ToArray();
        var runs = SideBySide.Run(perSeed.Length * rules.Length, i =>
        {
            int k = i / rules.Length;
            return Train(rules[i % rules.Length], initial[k].Clone(), data, perSeed[k],
                onEpoch is null ? null : (rule, e) => onEpoch(perSeed[k].Seed, rule, e), cancellation);
        }, cancellation);
        var results = perSeed.Select((s, k) => new HeavisideResult(s, sizes, runs[k * rules.Length], runs[k * rules.Length + 1], runs[k * rules.Length + 2])).ToArray();
        return new HeavisideStudy(perSeed[0], sizes, results);
    }

    /// <summary>Trains one rule from <paramref name="network"/> (changed in place).</summary>
    public static HeavisideRun Train(HeavisideRule rule, AnalogNetwork network, DatasetSplit data, HeavisideSettings settings,
        Action<HeavisideRule, HeavisideEpoch>? onEpoch = null, CancellationToken cancellation = default)
    {
        settings.Validate();
        var clock = Stopwatch.StartNew();
        var epochs = new List<HeavisideEpoch> { Evaluate(network, data.Test, 0, 0, new BatchStatistics()) };
        onEpoch?.Invoke(rule, epochs[0]);

        float noise = rule == HeavisideRule.LfpNoNoise ? 0f : settings.NoiseStd;
        var trainer = new AnalogTrainer(network, rule == HeavisideRule.Gradient ? AnalogRule.Gradient : AnalogRule.Lfp,
            new Sgd(settings.LearningRate, settings.Momentum), settings.ClipNorm, settings.Seed, Label(rule), noise);
        for (int epoch = 1; epoch <= settings.Epochs; epoch++)
        {
            var statistics = new BatchStatistics();
            var trained = trainer.TrainEpoch(data.Train, epoch, settings.BatchSize,
                (trace, labels, updates) => statistics.Add(network, trace, labels, rule, updates), cancellation);
            statistics.MeanNorm = trained.MeanUpdateNorm;
            epochs.Add(Evaluate(network, data.Test, epoch, clock.Elapsed.TotalSeconds, statistics));
            onEpoch?.Invoke(rule, epochs[^1]);
        }
        return new HeavisideRun(rule, epochs);
    }

    /// <summary>Short label of a rule for tables and legends.</summary>
    public static string Label(HeavisideRule rule) => rule switch
    {
        HeavisideRule.LfpNoise => "LFP + noise",
        HeavisideRule.LfpNoNoise => "LFP, no noise",
        _ => "gradient (step' = 0)",
    };

    /// <summary>Key of a rule in heaviside.json.</summary>
    public static string Key(HeavisideRule rule) => rule switch
    {
        HeavisideRule.LfpNoise => "lfp_noise",
        HeavisideRule.LfpNoNoise => "lfp_no_noise",
        _ => "gradient",
    };

    /// <summary>
    /// Predicted class of each sample: the argmax of the outputs, the lowest index on a tie. With step outputs ties
    /// are common (every output 0, or several 1), and an all-zero output predicts class 0.
    /// </summary>
    public static int Predict(ReadOnlySpan<float> outputs)
    {
        int best = 0;
        for (int c = 1; c < outputs.Length; c++)
            if (outputs[c] > outputs[best]) best = c;
        return best;
    }

    private static HeavisideEpoch Evaluate(AnalogNetwork network, Dataset test, int epoch, double seconds, BatchStatistics s)
    {
        var keys = new long[test.Count];
        var trace = network.Forward(test.Features, keys); // no noise: evaluation sees the deterministic network
        int classes = network.OutputSize, correct = 0, ties = 0, silent = 0;
        for (int i = 0; i < test.Count; i++)
        {
            var o = trace.Output.AsSpan(i * classes, classes);
            int predicted = Predict(o);
            if (predicted == test.Labels[i]) correct++;
            int atMax = 0;
            foreach (float v in o) if (v == o[predicted]) atMax++;
            if (atMax > 1) ties++;
            if (!o.ContainsAnyExcept(0f)) silent++;
        }
        double n = Math.Max(1, test.Count);
        return new HeavisideEpoch(epoch, correct / n, seconds, s.Mean(s.HiddenActive), s.Mean(s.OutputActive), s.Mean(s.Signal),
            s.Mean(s.UpdateNonZero), s.MeanNorm, ties / n, silent / n);
    }

    // Sums of per-batch fractions; each fraction weighs one batch.
    private sealed class BatchStatistics
    {
        public int Batches;
        public double HiddenActive, OutputActive, Signal, UpdateNonZero, MeanNorm;

        public double Mean(double sum) => Batches == 0 ? 0 : sum / Batches;

        public void Add(AnalogNetwork network, AnalogTrace trace, ReadOnlySpan<int> labels, HeavisideRule rule, IReadOnlyList<float[]> updates)
        {
            Batches++;
            int top = network.Layers.Count - 1;
            long active = 0, units = 0;
            for (int k = 0; k < top; k++)
            {
                // Pre-activations, not activations: the next layer's input noise is added in place to the latter.
                foreach (float z in trace.PreActivations[k]) if (z > 0f) active++;
                units += trace.PreActivations[k].Length;
            }
            HiddenActive += units == 0 ? 0 : (double)active / units;
            var zTop = trace.PreActivations[top];
            OutputActive += (double)zTop.Count(z => z > 0f) / zTop.Length;

            int classes = network.OutputSize, signal = 0;
            var reward = new float[classes];
            for (int b = 0; b < labels.Length; b++)
            {
                var logits = trace.Output.AsSpan(b * classes, classes);
                SoftmaxReward.Compute(logits, labels[b], reward);
                var softmax = SoftmaxNormalizer.Of(logits);
                for (int c = 0; c < classes; c++)
                {
                    // LFP's reward at the output; the gradient's signal is dL/dz (a zero derivative silences it).
                    float value = rule == HeavisideRule.Gradient
                        ? ((float)softmax.Probability(logits[c]) - (c == labels[b] ? 1f : 0f)) * AnalogGradient.Derivative(network.Layers[top].Activation, zTop[b * classes + c])
                        : reward[c];
                    if (value != 0f) signal++;
                }
            }
            Signal += (double)signal / Math.Max(1, labels.Length * classes);

            long nonZero = 0, total = 0;
            foreach (var u in updates)
            {
                total += u.Length;
                nonZero += u.Length - u.AsSpan().Count(0f);
            }
            UpdateNonZero += total == 0 ? 0 : (double)nonZero / total;
        }
    }
}
