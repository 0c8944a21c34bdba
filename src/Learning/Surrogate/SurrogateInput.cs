using SpikeLfp.Network.Encoding;
using static TorchSharp.torch;

namespace SpikeLfp.Learning.Surrogate;

/// <summary>
/// Presents a batch of feature vectors to a <see cref="SurrogateNetwork"/> the way an <see cref="IInputEncoder"/>
/// presents it to the simulator: a constant current as one [B, Inputs] tensor used at every step, an analog
/// sequence (<see cref="ISequenceEncoder"/>, e.g. <see cref="RowsEncoder"/>) as one [T, B, Inputs] tensor, and
/// spikes (encoded or recorded, <see cref="RecordedSpikeEncoder"/>) as a [T, B, Inputs] tensor of 0/1: the same
/// events the simulator delivers one by one.
/// </summary>
public sealed class SurrogateInput
{
    /// <summary>Input of a first layer with <paramref name="inputs"/> inputs per step, encoded by <paramref name="encoder"/>.</summary>
    /// <exception cref="ArgumentException">A sequence encoder's steps are not <paramref name="inputs"/> wide.</exception>
    public SurrogateInput(IInputEncoder encoder, int inputs)
    {
        ArgumentNullException.ThrowIfNull(encoder);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputs);
        if (encoder is ISequenceEncoder sequence && sequence.InputsPerStep != inputs)
            throw new ArgumentException($"the '{encoder.Name}' encoder presents {sequence.InputsPerStep} inputs per step but the first layer takes {inputs}.", nameof(encoder));
        Encoder = encoder;
        Inputs = inputs;
    }

    /// <summary>The encoder whose input this reproduces.</summary>
    public IInputEncoder Encoder { get; }

    /// <summary>Inputs of the first layer at one step.</summary>
    public int Inputs { get; }

    /// <summary>Features of one sample (<see cref="IInputEncoder.FeaturesPerSample"/>).</summary>
    public int FeatureCount => Encoder.FeaturesPerSample(Inputs);

    private SpikeTrain? _spikes;

    /// <summary>
    /// The input tensor of <paramref name="batch"/> samples (<see cref="FeatureCount"/> features each, row-major) for
    /// <paramref name="steps"/> steps: [B, Inputs] for a constant current, [T, B, Inputs] for a sequence or spikes.
    /// <paramref name="sampleKeys"/> seed spike encoders as in the simulator (the same key gives the same spikes).
    /// Pass the tensor with <paramref name="steps"/> to <see cref="SurrogateNetwork.Forward(Tensor, int?)"/>; the caller
    /// disposes it.
    /// </summary>
    public Tensor Encode(ReadOnlySpan<float> features, ReadOnlySpan<long> sampleKeys, int batch, int steps, ScalarType dtype)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batch);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(steps);
        if (features.Length != batch * FeatureCount)
            throw new ArgumentException($"expected {batch} x {FeatureCount} features, got {features.Length}.", nameof(features));
        if (Encoder.Kind == InputKind.ConstantCurrent)
            return tensor(features.ToArray(), new long[] { batch, Inputs }, dtype);
        // Written [sample, step, input], the simulator's layout; the network steps over the first dimension.
        var currents = new float[batch * steps * Inputs];
        if (Encoder is ISequenceEncoder sequence)
            sequence.EncodeSequence(features, FeatureCount, batch, steps, Inputs, currents);
        else
            SpikesAsCurrents(features, sampleKeys, batch, steps, currents);
        using var batchMajor = tensor(currents, new long[] { batch, steps, Inputs }, dtype);
        using var timeMajor = batchMajor.transpose(0, 1);
        return timeMajor.contiguous();
    }

    private void SpikesAsCurrents(ReadOnlySpan<float> features, ReadOnlySpan<long> sampleKeys, int batch, int steps, Span<float> currents)
    {
        if (sampleKeys.Length != batch) throw new ArgumentException($"expected {batch} sample keys, got {sampleKeys.Length}.", nameof(sampleKeys));
        if (_spikes is null || _spikes.Batch < batch || _spikes.Steps != steps) _spikes = new SpikeTrain(batch, steps, Inputs);
        Encoder.Encode(features, FeatureCount, sampleKeys, _spikes);
        _spikes.WriteDense(batch, currents);
    }
}
