namespace SpikeLfp.Data.Tests;

public class DigitsDatasetTests
{
    [Test]
    public void Digits_split_keeps_the_first_80_percent_of_each_class_for_training()
    {
        var split = DigitsDataset.Load();

        // Per-class sizes of the 1,797-sample UCI test part, in label order.
        int[] total = [178, 182, 177, 183, 181, 182, 181, 179, 174, 180];
        Assert.That(split.Train.CountPerClass(), Is.EqualTo(total.Select(n => n * 8 / 10).ToArray()));
        Assert.That(split.Test.CountPerClass(), Is.EqualTo(total.Select(n => n - n * 8 / 10).ToArray()));
        Assert.That(split.Train.Count, Is.EqualTo(1433));
        Assert.That(split.Test.Count, Is.EqualTo(364));
        Assert.That(split.Train.Count + split.Test.Count, Is.EqualTo(1797));
    }

    [Test]
    public void Digits_have_name_shape_and_ten_classes()
    {
        var split = DigitsDataset.Load();

        foreach (var part in new[] { split.Train, split.Test })
        {
            Assert.That(part.Name, Is.EqualTo("digits"));
            Assert.That(part.Shape, Is.EqualTo(new SampleShape(1, 8, 8)));
            Assert.That(part.FeatureCount, Is.EqualTo(64));
            Assert.That(part.ClassCount, Is.EqualTo(10));
            Assert.That(part.Features, Has.Length.EqualTo(part.Count * 64));
        }
    }

    [Test]
    public void Digits_pixels_are_scaled_from_0_16_to_minus_1_plus_1()
    {
        var split = DigitsDataset.Load();

        // File line 1: 0,0,5,13,9,1,0,0,... label 0; it is the first training sample.
        var first = split.Train.Sample(0);
        Assert.That(split.Train.Labels[0], Is.EqualTo(0));
        Assert.That(first[0], Is.EqualTo(-1f));
        Assert.That(first[2], Is.EqualTo((5f / 16f - 0.5f) / 0.5f).Within(1e-7f)); // -0.375
        Assert.That(first[3], Is.EqualTo(0.625f).Within(1e-7f));                   // 13 -> 0.625
        // File line 2 (label 1) starts 0,0,0,12,13,5.
        Assert.That(split.Train.Labels[1], Is.EqualTo(1));
        Assert.That(split.Train.Sample(1)[3], Is.EqualTo(0.5f).Within(1e-7f));
        Assert.That(split.Train.Features.Min(), Is.EqualTo(-1f));
        Assert.That(split.Train.Features.Max(), Is.EqualTo(1f));
    }

    [Test]
    public void Digits_test_part_starts_with_the_first_sample_past_a_class_quota()
    {
        var split = DigitsDataset.Load();

        // File order is kept inside each split, so label sequences are interleaved, not grouped.
        Assert.That(split.Train.Labels.Take(10), Is.EqualTo(new[] { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 }));
        Assert.That(split.Test.Labels.Distinct().Count(), Is.EqualTo(10));
    }

    [Test]
    public void Take_returns_the_first_samples_and_keeps_class_count()
    {
        var train = DigitsDataset.Load().Train;

        var small = train.Take(5);

        Assert.That(small.Count, Is.EqualTo(5));
        Assert.That(small.ClassCount, Is.EqualTo(10));
        Assert.That(small.Labels, Is.EqualTo(train.Labels.Take(5).ToArray()));
        Assert.That(small.Sample(4).ToArray(), Is.EqualTo(train.Sample(4).ToArray()));
        Assert.That(train.Take(100_000).Count, Is.EqualTo(train.Count));
    }

    [Test]
    public void Dataset_rejects_features_that_do_not_match_the_shape()
    {
        Assert.Throws<ArgumentException>(() =>
            new Dataset("x", new float[10], [0, 1], 4, 2, new SampleShape(1, 2, 2)));
        Assert.Throws<ArgumentException>(() =>
            new Dataset("x", new float[8], [0, 2], 4, 2, new SampleShape(1, 2, 2)));
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            new Dataset("x", new float[8], [0, 1], 4, 2, new SampleShape(1, 2, 2)).Sample(2));
    }
}
