using System.Globalization;

namespace SpikeLfp.Tests.Nir;

/// <summary>The NIR files and traces of tests/Fixtures/nir (copied from the NIR repository, see its README).</summary>
internal static class NirFixtures
{
    public static string Path(string name) => System.IO.Path.Combine(TestContext.CurrentContext.TestDirectory, "Fixtures", "nir", name);

    /// <summary>A paper/01_lif trace: per step the input spike, the voltage and the output spike.</summary>
    public static (float[] Input, float[] Voltage, float[] Spikes) Trace(string name)
    {
        var rows = File.ReadAllLines(Path(name)).Where(l => l.Length > 0)
            .Select(l => l.Split(',').Select(v => float.Parse(v, CultureInfo.InvariantCulture)).ToArray()).ToArray();
        return (rows.Select(r => r[0]).ToArray(), rows.Select(r => r[1]).ToArray(), rows.Select(r => r[2]).ToArray());
    }
}
