using SpikeLfp.Network.Encoding;
using static TorchSharp.torch;

namespace SpikeLfp.Learning.Surrogate;

/// <summary>
/// Presents a batch of feature vectors to a <see cref="SurrogateNetwork"/> the way an <see cref="IInputEncoder"/>
/// presents it to the simulator: a constant current as one [B, Inputs] tensor used at every step, an analog
/// sequence (<see cref="ISequenceEncoder"/>, e.g. <see cref="RowsEncoder"/>) as one [T, B, Inputs] tensor.
/// Spiking encoders are refused: the surrogate baseline trains on analog input only.
/// </summary>
public sealed class SurrogateInput
{
    /// <summary>Input of a first layer with <paramref name="inputs"/> inputs per step, encoded by <paramref name="encoder"/>.</summary>
    /// <exception cref="ArgumentException">The encoder emits spikes, or a sequence encoder's steps are not <paramref name="inputs"/> wide.</exception>
    public SurrogateInput(IInputEncoder encoder, int inputs)
    {
        ArgumentNullException.ThrowIfNull(encoder);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputs);
        if (encoder.Kind == InputKind.Spikes)
            throw new ArgumentException($"the surrogate baseline trains on analog input only (encoders 'current' and 'rows'); '{encoder.Name}' emits spikes.", nameof(encoder));
        if (encoder is ISequenceEncoder sequence && sequence.InputsPerStep != inputs)
            throw new ArgumentException($"the '{encoder.Name}' encoder presents {sequence.InputsPerStep} inputs per step but the first layer takes {inputs}.", nameof(encoder));
        Encoder = encoder;
        Inputs = inputs;
    }

    /// <summary>The encoder whose input this reproduces.</summary>
    public IInputEncoder Encoder { get; }

    /// <summary>Inputs of the first layer at one step.</summary>
    public int Inputs { get; }

    /// <summary>Features of one sample: <see cref="Inputs"/>, or a whole sequence for a sequence encoder.</summary>
    public int FeatureCount => Encoder is ISequenceEncoder sequence ? sequence.FeatureCount : Inputs;

    /// <summary>
    /// The input tensor of <paramref name="batch"/> samples (<see cref="FeatureCount"/> features each, row-major) for
    /// <paramref name="steps"/> steps: [B, Inputs] for a constant current, [T, B, Inputs] for a sequence. Pass it with
    /// <paramref name="steps"/> to <see cref="SurrogateNetwork.Forward(Tensor, int?)"/>; the caller disposes it.
    /// </summary>
    public Tensor Encode(ReadOnlySpan<float> features, int batch, int steps, ScalarType dtype)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batch);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(steps);
        if (features.Length != batch * FeatureCount)
            throw new ArgumentException($"expected {batch} x {FeatureCount} features, got {features.Length}.", nameof(features));
        if (Encoder is not ISequenceEncoder sequence)
            return tensor(features.ToArray(), new long[] { batch, Inputs }, dtype);
        // The encoder writes [sample, step, input], the simulator's layout; the network steps over the first dimension.
        var currents = new float[batch * steps * Inputs];
        sequence.EncodeSequence(features, FeatureCount, batch, steps, Inputs, currents);
        using var batchMajor = tensor(currents, new long[] { batch, steps, Inputs }, dtype);
        using var timeMajor = batchMajor.transpose(0, 1);
        return timeMajor.contiguous();
    }
}
