using SpikeLfp.Learning.Lfp.Synapses;
using SpikeLfp.Network.Synapses;

namespace SpikeLfp.Tests.Conv;

/// <summary>
/// A convolution's analog weight feedback summed over several rows at once (<see cref="ConvInputCorrelation"/> through
/// <see cref="ISynapseLfp.AccumulateAnalogFeedbackRows"/>) against the synapse-by-synapse definition in double precision,
/// and against the rule's own row-by-row feedback.
/// </summary>
public class ConvInputCorrelationTests
{
    // height, width, input channels, output channels, kernel, padding (also the analog delivery's shapes).
    internal static readonly object[] Shapes =
    [
        new object[] { 28, 28, 1, 12, 5, 0 }, // LifCNN's first convolution
        new object[] { 9, 7, 2, 5, 3, 1 },
        new object[] { 6, 8, 3, 16, 3, 2 },
        new object[] { 5, 5, 1, 33, 5, 0 },    // one output position
        new object[] { 4, 11, 2, 7, 1, 0 },
    ];

    [TestCaseSource(nameof(Shapes))]
    public void Rows_at_once_equal_the_synapse_by_synapse_sum(int height, int width, int inChannels, int outChannels, int kernel, int padding)
    {
        var random = new Random(height * 17 + outChannels);
        var conv = new Conv2dSynapses(height, width, inChannels, outChannels, kernel, 1, padding);
        conv.InitializeUniform(random);
        Assert.That(ConvInputCorrelation.Supports(conv.Geometry), Is.True);
        var rule = SynapseLfp.For(conv);
        const int rows = 5;
        // Images with blank rows and zero pixels, rewards with zero rows and zero values, one row with no reward at all.
        var inputs = new float[rows * conv.Inputs];
        for (int i = 0; i < inputs.Length; i++)
            inputs[i] = (i / (width * inChannels)) % 4 == 3 || random.NextDouble() < 0.4 ? 0f : (float)random.NextDouble();
        var rho = new float[rows * conv.Outputs];
        for (int i = 0; i < rho.Length; i++)
            rho[i] = i / conv.Outputs == 2 || random.NextDouble() < 0.6 ? 0f : (float)random.NextDouble() - 0.5f;

        var actual = Enumerable.Range(0, conv.Weights.Length).Select(i => (float)(i % 3)).ToArray();
        var start = (float[])actual.Clone();
        rule.AccumulateAnalogFeedbackRows(inputs, rho, rows, actual);

        var byRow = (float[])start.Clone();
        SynapseLfp.AccumulateAnalogFeedbackByRow(rule, inputs, rho, rows, byRow);
        var expected = start.Select(v => (double)v).ToArray();
        var weightRows = new int[kernel * kernel];
        var positions = new int[kernel * kernel];
        for (int r = 0; r < rows; r++)
            for (int i = 0; i < conv.Inputs; i++)
            {
                int count = conv.Connections(i, weightRows, positions);
                for (int s = 0; s < count; s++)
                    for (int oc = 0; oc < outChannels; oc++)
                        expected[weightRows[s] * outChannels + oc] += (double)inputs[r * conv.Inputs + i] * rho[r * conv.Outputs + positions[s] * outChannels + oc];
            }
        for (int w = 0; w < expected.Length; w++)
        {
            Assert.That(actual[w], Is.EqualTo(expected[w]).Within(1e-4), $"weight {w}");
            Assert.That(actual[w], Is.EqualTo(byRow[w]).Within(1e-4), $"weight {w}, against row by row");
        }
    }

    [Test]
    public void The_same_rows_give_the_same_bits_every_time()
    {
        var random = new Random(3);
        var conv = new Conv2dSynapses(28, 28, 1, 12, 5, 1, 0);
        conv.InitializeUniform(random);
        var rule = SynapseLfp.For(conv);
        var inputs = Enumerable.Range(0, 3 * conv.Inputs).Select(_ => (float)random.NextDouble()).ToArray();
        var rho = Enumerable.Range(0, 3 * conv.Outputs).Select(_ => random.NextDouble() < 0.8 ? 0f : (float)random.NextDouble() - 0.5f).ToArray();
        var first = new float[conv.Weights.Length];
        var second = new float[conv.Weights.Length];
        rule.AccumulateAnalogFeedbackRows(inputs, rho, 3, first);
        rule.AccumulateAnalogFeedbackRows(inputs, rho, 3, second);
        Assert.That(second, Is.EqualTo(first));
    }
}
