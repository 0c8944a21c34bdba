using SpikeLfp.Data;

namespace SpikeLfp.Data.Tests;

public class DatasetSpreadTests
{
    [Test]
    public void Spread_keeps_every_class_of_a_class_sorted_set_in_proportion()
    {
        var labels = Enumerable.Range(0, 100).Select(i => i / 10).ToArray(); // sorted: ten of each class
        var features = Enumerable.Range(0, 100).Select(i => (float)i / 100).ToArray();
        var data = new Dataset("sorted", features, labels, 1, 10, new SampleShape(1, 1, 1));
        var subset = data.Spread(20);
        Assert.That(subset.Count, Is.EqualTo(20));
        Assert.That(subset.CountPerClass(), Is.All.EqualTo(2));
        Assert.That(subset.Features[1], Is.EqualTo(features[5]));
        Assert.That(data.Spread(500).Count, Is.EqualTo(100));
    }
}
