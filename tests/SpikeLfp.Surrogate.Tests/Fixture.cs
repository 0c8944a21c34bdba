using System.Text.Json;
using NUnit.Framework;

namespace SpikeLfp.Surrogate.Tests;

/// <summary>Reads the reference JSON fixtures copied next to the test assembly (tests/Fixtures).</summary>
internal sealed class Fixture
{
    private readonly JsonElement root;

    private Fixture(JsonElement root) => this.root = root;

    public static Fixture Load(string name)
    {
        string path = Path.Combine(TestContext.CurrentContext.TestDirectory, "Fixtures", name);
        using JsonDocument document = JsonDocument.Parse(File.ReadAllText(path));
        return new Fixture(document.RootElement.Clone());
    }

    public JsonElement this[string path] => Find(path);

    /// <summary>A tensor entry ({shape, data}) flattened row-major.</summary>
    public double[] Array(string path)
    {
        var values = new List<double>();
        Flatten(Find(path).GetProperty("data"), values);
        return values.ToArray();
    }

    public int[] Shape(string path) => Find(path).GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()).ToArray();

    public double Number(string path) => Find(path).GetDouble();

    private JsonElement Find(string path)
    {
        JsonElement e = root;
        foreach (string key in path.Split('.')) e = e.GetProperty(key);
        return e;
    }

    private static void Flatten(JsonElement e, List<double> values)
    {
        if (e.ValueKind == JsonValueKind.Array)
            foreach (JsonElement child in e.EnumerateArray()) Flatten(child, values);
        else
            values.Add(e.GetDouble());
    }
}
