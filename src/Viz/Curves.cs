namespace SpikeLfp.Viz;

/// <summary>One evaluation during training.</summary>
/// <param name="Epoch">Epoch number (1 after the first epoch; 0 for the untrained model).</param>
/// <param name="Seconds">Wall-clock seconds of training so far.</param>
/// <param name="TestAccuracy">Test accuracy as a fraction in [0, 1].</param>
public sealed record CurvePoint(int Epoch, double Seconds, double TestAccuracy);

/// <summary>The training curve of one run, for example "LFP" or "surrogate atan".</summary>
/// <param name="Label">Legend text.</param>
/// <param name="Points">Evaluations in epoch order.</param>
public sealed record RunCurve(string Label, IReadOnlyList<CurvePoint> Points);

/// <summary>Accuracy after pruning increasing fractions of the weights, for one run.</summary>
/// <param name="Label">Legend text.</param>
/// <param name="Points">(fraction of weights pruned in [0, 1], test accuracy in [0, 1]) pairs.</param>
public sealed record PruningRun(string Label, IReadOnlyList<(double PrunedFraction, double TestAccuracy)> Points);

/// <summary>Named values of one layer, the plain input of the per-layer histograms.</summary>
/// <param name="Name">Layer name shown on the panel's axis.</param>
/// <param name="Values">The values to count.</param>
public sealed record LayerValues(string Name, IReadOnlyList<double> Values);

/// <summary>One neuron's membrane potential over time, the plain input of the membrane plot.</summary>
/// <param name="Label">Panel label, for example "output 3".</param>
/// <param name="Membrane">Membrane potential after each step.</param>
/// <param name="SpikeSteps">Steps at which the neuron spiked.</param>
public sealed record MembraneTrace(string Label, IReadOnlyList<float> Membrane, IReadOnlyList<int> SpikeSteps);

/// <summary>Which x axis a single-panel training curve uses.</summary>
public enum CurveAxis
{
    /// <summary>Accuracy against epoch.</summary>
    Epoch,
    /// <summary>Accuracy against wall-clock seconds.</summary>
    WallTime,
}

/// <summary>One evaluation of a run repeated over seeds: the mean and the range of the seeds' accuracies.</summary>
/// <param name="Epoch">Epoch number (0 for the untrained model).</param>
/// <param name="Mean">Mean test accuracy over the seeds, a fraction in [0, 1].</param>
/// <param name="Min">Lowest test accuracy of any seed.</param>
/// <param name="Max">Highest test accuracy of any seed.</param>
/// <param name="Seconds">Mean wall-clock seconds of training up to this evaluation (the x of a plot against wall time).</param>
public sealed record BandPoint(int Epoch, double Mean, double Min, double Max, double Seconds = 0);

/// <summary>What the y axis of a band plot shows.</summary>
public enum BandValue
{
    /// <summary>An accuracy, a fraction in [0, 1] shown as a percentage.</summary>
    Accuracy,
    /// <summary>A cross-entropy loss (plain numbers).</summary>
    Loss,
}

/// <summary>The training curve of one rule over several seeds, for example "LFP + noise, 3 seeds" (accuracy or loss).</summary>
/// <param name="Label">Legend text.</param>
/// <param name="Points">Evaluations in epoch order.</param>
public sealed record RunBand(string Label, IReadOnlyList<BandPoint> Points);

/// <summary>The final test accuracies of one configuration of a sweep, one per seed.</summary>
/// <param name="Label">The configuration, for example "lfp lr=0.01".</param>
/// <param name="Accuracies">Test accuracy of each seed, fractions in [0, 1].</param>
public sealed record ConfigurationAccuracy(string Label, IReadOnlyList<double> Accuracies);
