using SpikeLfp.Network.Simulation;
using SpikeLfp.Viz;

namespace SpikeLfp.Viz.Tests;

/// <summary>Small, known recordings and curves that the tests render.</summary>
internal static class TestData
{
    /// <summary>
    /// Three layers (input 20, hidden 12, output 4), 30 steps, 2 samples, label 2 for sample 0. Spikes follow
    /// fixed patterns so their count is known; output neuron 2 fires most in sample 0.
    /// </summary>
    public static NetworkRecording SmallRecording()
    {
        const int steps = 30, batch = 2;
        var input = new LayerRecording("input", steps, batch, 20, float.NaN, withMembranes: false);
        var hidden = new LayerRecording("hidden1", steps, batch, 12, 1f, withMembranes: true);
        var output = new LayerRecording("output", steps, batch, 4, 1f, withMembranes: true);
        for (int t = 0; t < steps; t++)
            for (int b = 0; b < batch; b++)
            {
                for (int n = 0; n < 20; n++) if ((t + 3 * n + b) % 7 == 0) input.Spikes[input.IndexOf(t, b, n)] = 1f;
                for (int n = 0; n < 12; n++)
                {
                    int i = hidden.IndexOf(t, b, n);
                    hidden.Membranes![i] = ((t + n) % 5) * 0.25f;
                    if ((t + n) % 5 == 4) hidden.Spikes[i] = 1f;
                }
                for (int n = 0; n < 4; n++)
                {
                    int i = output.IndexOf(t, b, n);
                    int period = n == 2 - b ? 3 : 8;
                    output.Membranes![i] = (t % period) / (float)(period - 1) * 1.1f;
                    if (t % period == period - 1) output.Spikes[i] = 1f;
                }
            }
        return new NetworkRecording([input, hidden, output], [2, 1]);
    }

    /// <summary>A raster of layers of the given <paramref name="neurons"/> with random spikes, <paramref name="spikesPerLayer"/> each.</summary>
    public static List<RasterLayer> RandomRaster(int steps, int[] neurons, int spikesPerLayer, int seed = 7) =>
        RandomRaster(steps, neurons, neurons.Select(_ => spikesPerLayer).ToArray(), new[] { "input", "hidden1", "hidden2", "output" }[..neurons.Length], seed);

    /// <summary>A raster with the given layer <paramref name="names"/> and spike counts per layer.</summary>
    public static List<RasterLayer> RandomRaster(int steps, int[] neurons, int[] spikes, string[] names, int seed = 7)
    {
        var rng = new Random(seed);
        var layers = new List<RasterLayer>();
        for (int l = 0; l < neurons.Length; l++)
        {
            // Distinct (step, neuron) cells, as in a real recording.
            var cells = new HashSet<long>();
            while (cells.Count < spikes[l]) cells.Add(rng.NextInt64((long)steps * neurons[l]));
            var ts = new int[cells.Count];
            var ns = new int[cells.Count];
            int k = 0;
            foreach (long c in cells) { ts[k] = (int)(c / neurons[l]); ns[k] = (int)(c % neurons[l]); k++; }
            layers.Add(new RasterLayer(names[l], neurons[l], ts, ns));
        }
        return layers;
    }

    public static List<RunCurve> Runs() =>
    [
        new("LFP", Enumerable.Range(0, 11).Select(e => new CurvePoint(e, e * 41.5, 0.1 + 0.85 * (1 - Math.Exp(-e / 2.5)))).ToList()),
        new("surrogate atan", Enumerable.Range(0, 11).Select(e => new CurvePoint(e, e * 63.0, 0.1 + 0.88 * (1 - Math.Exp(-e / 1.8)))).ToList()),
    ];

    public static List<RunBand> Bands() =>
    [
        new("LFP + noise", Enumerable.Range(0, 301).Select(e => Band(e, 0.1 + 0.4 * (1 - Math.Exp(-e / 120.0)), 0.04 + 0.0003 * e)).ToList()),
        new("gradient", Enumerable.Range(0, 301).Select(e => Band(e, 0.08, 0.015)).ToList()),
    ];

    private static BandPoint Band(int epoch, double mean, double halfWidth) => new(epoch, mean, mean - halfWidth, mean + halfWidth);

    public static List<PruningRun> Pruning() =>
    [
        new("LFP", Enumerable.Range(0, 11).Select(i => (i / 10.0, 0.95 - 0.6 * Math.Pow(i / 10.0, 4))).ToList()),
        new("surrogate atan", Enumerable.Range(0, 11).Select(i => (i / 10.0, 0.97 - 0.8 * Math.Pow(i / 10.0, 2.5))).ToList()),
    ];

    public static List<(string Layer, float[] Weights)> Weights()
    {
        var rng = new Random(3);
        float Gauss(double sd) => (float)(sd * Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble()));
        return
        [
            ("hidden1", Enumerable.Range(0, 784 * 100).Select(_ => Gauss(0.05)).ToArray()),
            ("output", Enumerable.Range(0, 100 * 10).Select(_ => Gauss(0.12)).ToArray()),
        ];
    }
}
