using Newtonsoft.Json.Linq;

namespace SpikeLfp.Tests.Support;

/// <summary>The one place that loads the reference fixtures (tests/Fixtures, copied from the team's shared folder).</summary>
public sealed class Fixture
{
    private readonly JObject _root;

    private Fixture(JObject root) => _root = root;

    public static Fixture Load(string name)
        => new(JObject.Parse(File.ReadAllText(Path.Combine(TestContext.CurrentContext.TestDirectory, "Fixtures", name + ".json"))));

    public JToken this[string path] => _root.SelectToken(path) ?? throw new KeyNotFoundException(path);

    /// <summary>The flattened "data" of an array entry ({"shape", "dtype", "data"}), row-major.</summary>
    public double[] Array(string path) => Flatten(this[path + ".data"]).ToArray();

    public int[] Shape(string path) => this[path + ".shape"].Values<int>().ToArray();

    public float[] Floats(string path) => Array(path).Select(v => (float)v).ToArray();

    public int Int(string path) => this[path].Value<int>();

    /// <summary>The two-layer LIF MLP of the lfp_snn_mlp fixtures: W1, b1, W2, b2 with the fixture's beta and threshold.</summary>
    public SpikeLfp.Network.Model.SpikingNetwork SpikingMlp()
    {
        var p = new SpikeLfp.Neurons.LifParameters((float)(double)this["params.beta"], (float)(double)this["params.threshold"]);
        var layers = new List<SpikeLfp.Network.Model.SpikingLayer>();
        foreach (var (w, b) in new[] { ("W1", "b1"), ("W2", "b2") })
        {
            var shape = Shape(w);
            var layer = new SpikeLfp.Network.Model.SpikingLayer(shape[1], shape[0], p);
            layer.DenseConnection.FromOutputMajor(Floats(w));
            Floats(b).CopyTo(layer.DenseConnection.Bias, 0);
            layers.Add(layer);
        }
        return new SpikeLfp.Network.Model.SpikingNetwork(layers);
    }

    private static IEnumerable<double> Flatten(JToken token) => token is JArray a ? a.SelectMany(Flatten) : [token.Value<double>()];
}

public static class Close
{
    /// <summary>
    /// Every element within <paramref name="relative"/> of the reference: |a - e| &lt;= rel * max(|e|, floor), with
    /// floor = 1e-2 * (largest magnitude in the array). SpikeLfp computes in float32 and the fixtures are float64:
    /// an element a hundred times smaller than the largest is a cancellation residue (input_reward[10] of the
    /// spiking fixture is 3.2e-5 in an array whose largest value is 0.104) whose float32 value carries an absolute
    /// error of about 1e-7 of the array's scale, so it is held to 1e-5 of that floor. Every other element is held
    /// to 1e-5 of itself.
    /// </summary>
    public static void AssertAll(IReadOnlyList<float> actual, IReadOnlyList<double> expected, string what, double relative = 1e-5)
    {
        Assert.That(actual.Count, Is.EqualTo(expected.Count), $"{what}: length");
        double floor = 1e-2 * (expected.Count == 0 ? 0 : expected.Max(Math.Abs));
        for (int i = 0; i < expected.Count; i++)
        {
            double e = expected[i], a = actual[i];
            double allowed = relative * Math.Max(Math.Abs(e), floor);
            if (Math.Abs(a - e) > allowed)
                Assert.Fail($"{what}[{i}]: got {a:R}, reference {e:R} (error {Math.Abs(a - e):E2}, allowed {allowed:E2})");
        }
    }

    /// <summary>
    /// Every element within <paramref name="relative"/> of its own reference value, with no floor: for arrays computed
    /// element by element without cancellation (the rewards), where a small element is as exact as a large one.
    /// </summary>
    public static void AssertEachElement(IReadOnlyList<float> actual, IReadOnlyList<double> expected, string what, double relative = 1e-5)
    {
        Assert.That(actual.Count, Is.EqualTo(expected.Count), $"{what}: length");
        for (int i = 0; i < expected.Count; i++)
        {
            double e = expected[i], a = actual[i];
            double allowed = relative * Math.Abs(e);
            if (Math.Abs(a - e) > allowed)
                Assert.Fail($"{what}[{i}]: got {a:R}, reference {e:R} (error {Math.Abs(a - e):E2}, allowed {allowed:E2}, no floor)");
        }
    }

    /// <summary>See <see cref="Layouts.TimeMajorToSampleMajor"/>.</summary>
    public static double[] TimeMajorToSampleMajor(double[] data, int steps, int batch, int n) => Layouts.TimeMajorToSampleMajor(data, steps, batch, n);

    /// <summary>See <see cref="Layouts.OutputMajorToInputMajor"/>.</summary>
    public static double[] OutputMajorToInputMajor(double[] data, int outputs, int inputs) => Layouts.OutputMajorToInputMajor(data, outputs, inputs);
}
