
namespace SpikeLfp.Network.Encoding;

/// <summary>What the first layer receives at each step.</summary>
public enum InputKind
{
    /// <summary>The same analog input at every step.</summary>
    ConstantCurrent,
    /// <summary>An analog input that changes from step to step (for example one image row per step).</summary>
    CurrentSequence,
    /// <summary>Spikes (0/1 events).</summary>
    Spikes,
}

/// <summary>
/// Turns a batch of feature vectors (scaled to [-1, 1]) into what the first layer receives at each step:
/// a constant analog current, an analog sequence (<see cref="ISequenceEncoder"/>), or spikes.
/// </summary>
public interface IInputEncoder
{
    /// <summary>
    /// Name used on the command line and in files: the built-in encoders' <see cref="InputEncoders.Name"/> (current,
    /// rows, rate, latency, events). A string, not an <see cref="EncoderKind"/>, so an encoder of your own can name itself.
    /// </summary>
    string Name { get; }
    /// <summary>True when the encoder emits spikes; false for an analog current.</summary>
    bool IsSpiking { get; }
    /// <summary>What the first layer receives.</summary>
    InputKind Kind => IsSpiking ? InputKind.Spikes : InputKind.ConstantCurrent;
    /// <summary>
    /// Features one sample carries, for a first layer of <paramref name="inputs"/> inputs: one per input by default,
    /// all steps together for a sequence, a single reference for a recording (<see cref="RecordedSpikeEncoder"/>).
    /// </summary>
    int FeaturesPerSample(int inputs) => inputs;
    /// <summary>
    /// Fills <paramref name="spikes"/> for the samples of the batch (spiking encoders only).
    /// <paramref name="sampleKeys"/> identify the samples (for example data set index and epoch), so the
    /// same sample gets the same spikes whatever batch or thread it lands in.
    /// </summary>
    void Encode(ReadOnlySpan<float> features, int featureCount, ReadOnlySpan<long> sampleKeys, SpikeTrain spikes);
}

/// <summary>The same analog input at every step (the reference's choice).</summary>
public sealed class ConstantCurrentEncoder : IInputEncoder
{
    /// <inheritdoc/>
    public string Name => EncoderKind.Current.Name();
    /// <inheritdoc/>
    public bool IsSpiking => false;
    /// <inheritdoc/>
    public void Encode(ReadOnlySpan<float> features, int featureCount, ReadOnlySpan<long> sampleKeys, SpikeTrain spikes)
        => throw new InvalidOperationException("a constant-current input is analog; it has no spikes.");
}

/// <summary>
/// Bernoulli rate coding: input i fires at each step with probability p = (x + 1) / 2, the feature mapped
/// back from [-1, 1] to [0, 1] (snntorch's spikegen.rate on [0, 1] data). Seeded and counter-based:
/// the draw for (seed, sample key, step, input) never depends on batch composition or thread count.
/// </summary>
public sealed class BernoulliRateEncoder(ulong seed) : IInputEncoder
{
    /// <inheritdoc/>
    public string Name => EncoderKind.Rate.Name();
    /// <inheritdoc/>
    public bool IsSpiking => true;
    /// <summary>Seed of the spike draws.</summary>
    public ulong Seed => seed;

    /// <inheritdoc/>
    public void Encode(ReadOnlySpan<float> features, int featureCount, ReadOnlySpan<long> sampleKeys, SpikeTrain spikes)
    {
        for (int b = 0; b < sampleKeys.Length; b++)
        {
            var x = features.Slice(b * featureCount, featureCount);
            for (int t = 0; t < spikes.Steps; t++)
            {
                var slot = spikes.Slot(b, t);
                int count = 0;
                for (int i = 0; i < featureCount; i++)
                {
                    float p = Math.Clamp((x[i] + 1f) * 0.5f, 0f, 1f);
                    if (CounterRandom.Uniform(seed, (ulong)sampleKeys[b], (ulong)t, (ulong)i) < p) slot[count++] = i;
                }
                spikes.SetCount(b, t, count);
            }
        }
    }
}

/// <summary>
/// Latency (time-to-first-spike) coding: each input fires once, earlier when stronger. With intensity
/// p = (x + 1) / 2 in [0, 1], input i fires at step round((1 - p) (T - 1)); inputs with p below
/// <see cref="MinimumIntensity"/> never fire (a blank pixel carries no event).
/// </summary>
public sealed class LatencyEncoder : IInputEncoder
{
    /// <summary>Intensities below this do not fire.</summary>
    public float MinimumIntensity { get; init; } = 0.01f;
    /// <inheritdoc/>
    public string Name => EncoderKind.Latency.Name();
    /// <inheritdoc/>
    public bool IsSpiking => true;

    /// <inheritdoc/>
    public void Encode(ReadOnlySpan<float> features, int featureCount, ReadOnlySpan<long> sampleKeys, SpikeTrain spikes)
    {
        int steps = spikes.Steps;
        for (int b = 0; b < sampleKeys.Length; b++)
        {
            var x = features.Slice(b * featureCount, featureCount);
            // Step by step (a train is filled in step order), each step's inputs ascending.
            for (int t = 0; t < steps; t++)
            {
                var slot = spikes.Slot(b, t);
                int count = 0;
                for (int i = 0; i < featureCount; i++)
                    if (FiringStep(x[i], steps) == t) slot[count++] = i;
                spikes.SetCount(b, t, count);
            }
        }
    }

    // The step input x fires at, or -1 when it is too weak to fire.
    private int FiringStep(float x, int steps)
    {
        float p = Math.Clamp((x + 1f) * 0.5f, 0f, 1f);
        return p < MinimumIntensity ? -1 : (int)MathF.Round((1f - p) * (steps - 1));
    }
}

/// <summary>An encoder whose analog input changes from step to step.</summary>
public interface ISequenceEncoder : IInputEncoder
{
    /// <summary>Features of one sample (all its steps together).</summary>
    int FeatureCount { get; }
    /// <summary>Inputs the first layer receives at one step.</summary>
    int InputsPerStep { get; }
    int IInputEncoder.FeaturesPerSample(int inputs) => FeatureCount;

    /// <summary>
    /// Writes the analog input of every step, [sample, step, input] with <paramref name="inputs"/> values per step,
    /// for the samples of the batch (<paramref name="featureCount"/> features each).
    /// </summary>
    void EncodeSequence(ReadOnlySpan<float> features, int featureCount, int batch, int steps, int inputs, Span<float> currents);
}

/// <summary>
/// Sequential images: step t presents row t of the image as an analog input (the standard sequential-image task,
/// which needs memory: no step sees the whole image). A sample of H x W features gives H steps of W inputs;
/// steps beyond the last row present zeros, and a run with fewer steps than rows sees only the first rows.
/// </summary>
public sealed class RowsEncoder : ISequenceEncoder
{
    /// <summary>An encoder for images of <paramref name="rows"/> rows of <paramref name="rowLength"/> features.</summary>
    /// <exception cref="ArgumentException">A size is not positive.</exception>
    public RowsEncoder(int rows, int rowLength)
    {
        if (rows < 1 || rowLength < 1) throw new ArgumentException($"the rows encoder needs at least one row of one feature, got {rows} x {rowLength}.");
        Rows = rows;
        RowLength = rowLength;
    }

    /// <summary>
    /// The encoder for samples of <paramref name="featureCount"/> features and a first layer of <paramref name="inputs"/> inputs.
    /// </summary>
    /// <exception cref="ArgumentException">The features do not split into rows of that length.</exception>
    public static RowsEncoder For(int featureCount, int inputs)
        => inputs >= 1 && featureCount % inputs == 0 ? new RowsEncoder(featureCount / inputs, inputs)
        : throw new ArgumentException($"the rows encoder needs the first layer's inputs to be the row length, but {featureCount} features do not split into rows of {inputs}.");

    /// <summary>Rows per image: the steps that carry input.</summary>
    public int Rows { get; }
    /// <summary>Features per row (the image width): the first layer's inputs.</summary>
    public int RowLength { get; }
    /// <inheritdoc/>
    public int FeatureCount => Rows * RowLength;
    /// <inheritdoc/>
    public string Name => EncoderKind.Rows.Name();
    /// <inheritdoc/>
    public bool IsSpiking => false;
    /// <inheritdoc/>
    public InputKind Kind => InputKind.CurrentSequence;
    /// <inheritdoc/>
    public int InputsPerStep => RowLength;

    /// <inheritdoc/>
    public void EncodeSequence(ReadOnlySpan<float> features, int featureCount, int batch, int steps, int inputs, Span<float> currents)
    {
        if (inputs != RowLength || featureCount != FeatureCount)
            throw new ArgumentException($"the rows encoder presents {Rows} rows of {RowLength}, got {featureCount} features for {inputs} inputs.");
        int shown = Math.Min(Rows, steps);
        for (int b = 0; b < batch; b++)
        {
            var sample = currents.Slice(b * steps * inputs, steps * inputs);
            features.Slice(b * featureCount, shown * inputs).CopyTo(sample);
            sample[(shown * inputs)..].Clear();
        }
    }

    /// <inheritdoc/>
    public void Encode(ReadOnlySpan<float> features, int featureCount, ReadOnlySpan<long> sampleKeys, SpikeTrain spikes)
        => throw new InvalidOperationException("the rows encoder is analog; it has no spikes.");
}

/// <summary>
/// The input encodings: how feature vectors reach the first layer, or that the input was recorded as spikes.
/// Named "current", "rows", "rate", "latency" and "events" on the command line and in files (<see cref="InputEncoders.Name"/>).
/// </summary>
public enum EncoderKind
{
    /// <summary>The same analog input at every step (<see cref="ConstantCurrentEncoder"/>), "current".</summary>
    Current,
    /// <summary>One image row per step (<see cref="RowsEncoder"/>), "rows".</summary>
    Rows,
    /// <summary>Bernoulli rate coding (<see cref="BernoulliRateEncoder"/>), "rate".</summary>
    Rate,
    /// <summary>Time-to-first-spike coding (<see cref="LatencyEncoder"/>), "latency".</summary>
    Latency,
    /// <summary>
    /// Spikes recorded rather than encoded from features (event data, <see cref="RecordedSpikeEncoder"/>), "events".
    /// It needs its recording, so <see cref="InputEncoders.Create"/> does not make it.
    /// </summary>
    Events,
}

/// <summary>Encoders by kind, and the kinds' names on the command line and in files.</summary>
public static class InputEncoders
{
    /// <summary>The names of the encoders of feature vectors, the kinds <see cref="Create"/> makes: current, rows, rate, latency.</summary>
    public static readonly IReadOnlyList<string> Names = [Name(EncoderKind.Current), Name(EncoderKind.Rows), Name(EncoderKind.Rate), Name(EncoderKind.Latency)];

    /// <summary>The name of <paramref name="kind"/> on the command line and in files: "current", "rows", "rate", "latency" or "events".</summary>
    public static string Name(this EncoderKind kind) => kind switch
    {
        EncoderKind.Current => "current",
        EncoderKind.Rows => "rows",
        EncoderKind.Rate => "rate",
        EncoderKind.Latency => "latency",
        EncoderKind.Events => "events",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown encoder."),
    };

    /// <summary>The kind named <paramref name="name"/> (<see cref="Name"/>), "events" included.</summary>
    /// <exception cref="ArgumentException">Any other name.</exception>
    public static EncoderKind Parse(string name)
    {
        foreach (var kind in Enum.GetValues<EncoderKind>())
            if (Name(kind) == name) return kind;
        throw new ArgumentException($"unknown encoder '{name}': expected {string.Join(", ", Names)}.");
    }

    /// <summary>
    /// Creates an encoder: <see cref="EncoderKind.Current"/>, <see cref="EncoderKind.Rows"/> (samples of
    /// <paramref name="featureCount"/> features presented as rows of <paramref name="inputs"/>, the first layer's input
    /// count), <see cref="EncoderKind.Rate"/> (seeded) or <see cref="EncoderKind.Latency"/>.
    /// </summary>
    /// <exception cref="ArgumentException"><see cref="EncoderKind.Events"/> (it needs its recording), an unknown kind, or rows that do not fit the sizes.</exception>
    public static IInputEncoder Create(EncoderKind kind, ulong seed, int featureCount = 0, int inputs = 0) => kind switch
    {
        EncoderKind.Current => new ConstantCurrentEncoder(),
        EncoderKind.Rows => RowsEncoder.For(featureCount, inputs),
        EncoderKind.Rate => new BernoulliRateEncoder(seed),
        EncoderKind.Latency => new LatencyEncoder(),
        EncoderKind.Events => throw new ArgumentException("recorded spikes need their recording: create a RecordedSpikeEncoder."),
        _ => throw new ArgumentException($"unknown encoder '{kind}': expected one of {string.Join(", ", Names)}."),
    };
}
