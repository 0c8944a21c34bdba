using SpikeLfp.Network.Synapses;

namespace SpikeLfp.Tests.Conv;

/// <summary>
/// A convolution's analog delivery by output rows (<see cref="ConvAnalogRows"/>, behind
/// <see cref="Conv2dSynapses.DeliverAnalog"/>) against the input-by-input definition: every current the bias, then one
/// fused multiply-add per non-zero input in ascending input order. The same bits, signed zeros included.
/// </summary>
public class ConvAnalogRowsTests
{
    // The shapes of the analog feedback: the LifCNN's first convolution, rows of 35 floats (vector and scalar tails),
    // one output position, 1x1 kernels, padding.
    [TestCaseSource(typeof(ConvInputCorrelationTests), nameof(ConvInputCorrelationTests.Shapes))]
    public void Rows_give_the_bits_of_the_input_walk(int height, int width, int inChannels, int outChannels, int kernel, int padding)
    {
        var random = new Random(height * 31 + outChannels);
        var conv = new Conv2dSynapses(height, width, inChannels, outChannels, kernel, 1, padding);
        conv.InitializeUniform(random);
        Assert.That(ConvAnalogRows.Supports(conv.Geometry), Is.True);
        // Negative zeros in the bias and the input: a product with a zero input would turn a -0 current into +0.
        conv.Bias[0] = -0f;
        var input = new float[conv.Inputs];
        for (int i = 0; i < input.Length; i++)
            input[i] = (i / (width * inChannels)) % 4 == 3 ? 0f : random.NextDouble() < 0.3 ? -0f : (float)random.NextDouble() - 0.25f;

        var actual = new float[conv.Outputs];
        conv.ResetCurrent(actual);
        conv.DeliverAnalog(input, actual);

        var expected = new float[conv.Outputs];
        conv.ResetCurrent(expected);
        var weightRows = new int[kernel * kernel];
        var positions = new int[kernel * kernel];
        for (int i = 0; i < conv.Inputs; i++)
        {
            if (input[i] == 0f) continue;
            int count = conv.Connections(i, weightRows, positions);
            for (int s = 0; s < count; s++)
                for (int oc = 0; oc < outChannels; oc++)
                {
                    ref float c = ref expected[positions[s] * outChannels + oc];
                    c = MathF.FusedMultiplyAdd(input[i], conv.Weights[weightRows[s] * outChannels + oc], c);
                }
        }
        for (int o = 0; o < expected.Length; o++)
            Assert.That(BitConverter.SingleToInt32Bits(actual[o]), Is.EqualTo(BitConverter.SingleToInt32Bits(expected[o])), $"current {o}: {actual[o]} against {expected[o]}");
    }

    [Test]
    public void A_non_finite_input_reaches_the_currents_it_touches()
    {
        var conv = new Conv2dSynapses(8, 8, 1, 16, 3);
        conv.InitializeUniform(new Random(2));
        var input = new float[conv.Inputs];
        input[0] = float.NaN;
        var current = new float[conv.Outputs];
        conv.DeliverAnalog(input, current);
        Assert.That(float.IsNaN(current[0]), Is.True, "position (0, 0) sees input (0, 0)");
        Assert.That(current[conv.OutWidth * 16 + 16], Is.EqualTo(0f), "position (1, 1) does not");
    }
}
