using SpikeLfp.Data.Events;

namespace SpikeLfp.Data.Tests;

public class EventBinnerTests
{
    /// <summary>One 10-channel sample: times (us) and channels chosen so each rule below has a hand count.</summary>
    private static EventDataset Cochlea()
    {
        var b = new EventDatasetBuilder("toy", "toy", EventSensor.Channels(10));
        b.Add([0, 100, 999, 1000, 1000, 1000, 2500, 3999], new ushort[] { 3, 3, 9, 0, 1, 1, 5, 9 }, default, default, 1, "a");
        b.Add([500], new ushort[] { 2 }, default, default, 0, "b");
        return b.Build(2);
    }

    private static (int Step, int Input, float Value)[] Entries(EventFrames f)
    {
        var list = new List<(int, int, float)>();
        for (int t = 0; t < f.Steps; t++)
            for (int k = 0; k < f.ChannelsAt(t).Length; k++) list.Add((t, f.ChannelsAt(t)[k], f.ValuesAt(t)[k]));
        return [.. list];
    }

    [Test]
    public void Binary_bins_of_a_fixed_width_match_hand_counts()
    {
        var set = Cochlea();
        var binner = new EventBinner(set.Sensor, new EventBinningOptions { DtUs = 1000, Steps = 4 });
        var frames = new EventFrames();

        binner.Bin(set, 0, frames);

        // step 0: 3 (twice, binary -> 1), 9; step 1: 0, 1 (twice); step 2: 5; step 3: 9.
        Assert.That(Entries(frames), Is.EqualTo(new (int, int, float)[] { (0, 3, 1), (0, 9, 1), (1, 0, 1), (1, 1, 1), (2, 5, 1), (3, 9, 1) }));
        Assert.That(frames.StepOffsets.ToArray(), Is.EqualTo(new[] { 0, 2, 4, 5, 6 }));
        Assert.That((binner.InputSize, binner.Steps, frames.DtUs), Is.EqualTo((10, 4, 1000)));
    }

    [Test]
    public void Counts_are_capped_by_max_per_bin_or_left_whole()
    {
        var set = Cochlea();
        var counts = new EventBinner(set.Sensor, new EventBinningOptions { DtUs = 1000, Steps = 2, MaxPerBin = 0 });
        var capped = new EventBinner(set.Sensor, new EventBinningOptions { DtUs = 2000, Steps = 1, MaxPerBin = 2 });
        var frames = new EventFrames();

        counts.Bin(set, 0, frames);
        Assert.That(Entries(frames), Is.EqualTo(new (int, int, float)[] { (0, 3, 2), (0, 9, 1), (1, 0, 1), (1, 1, 2) }), "events after the 2-step window are dropped");

        capped.Bin(set, 0, frames);
        Assert.That(Entries(frames), Is.EqualTo(new (int, int, float)[] { (0, 0, 1), (0, 1, 2), (0, 3, 2), (0, 9, 1) }));
    }

    [Test]
    public void Pooling_merges_neighbouring_channels()
    {
        var set = Cochlea();
        var binner = new EventBinner(set.Sensor, new EventBinningOptions { DtUs = 4000, Steps = 1, Pool = 4, MaxPerBin = 0 });
        var frames = new EventFrames();

        binner.Bin(set, 0, frames);

        // channels 0..3 -> 0, 4..7 -> 1, 8..9 -> 2 (ceil(10 / 4) = 3 inputs).
        Assert.That(binner.InputSize, Is.EqualTo(3));
        Assert.That(Entries(frames), Is.EqualTo(new (int, int, float)[] { (0, 0, 5), (0, 1, 1), (0, 2, 2) }));
    }

    [Test]
    public void Crop_moves_time_zero_and_drops_events_outside()
    {
        var set = Cochlea();
        var binner = new EventBinner(set.Sensor, new EventBinningOptions { DtUs = 1000, CropStartUs = 1000, CropEndUs = 3000, MaxPerBin = 0 });
        var frames = new EventFrames();

        binner.Bin(set, 0, frames);

        Assert.That(binner.Steps, Is.EqualTo(2), "a 2 ms window of 1 ms bins");
        Assert.That(Entries(frames), Is.EqualTo(new (int, int, float)[] { (0, 0, 1), (0, 1, 2), (1, 5, 1) }));
    }

    [Test]
    public void A_bin_width_alone_takes_the_step_count_from_the_longest_sample()
    {
        var set = Cochlea();
        var binner = new EventBinner(set.Sensor, new EventBinningOptions { DtUs = 1500 }, set);
        Assert.That(binner.Steps, Is.EqualTo(3), "last event at 3999 us: 4000 us / 1500 us rounded up");
    }

    [Test]
    public void A_step_count_alone_stretches_each_sample_over_it()
    {
        var set = Cochlea();
        var binner = new EventBinner(set.Sensor, new EventBinningOptions { Steps = 2, MaxPerBin = 0 });
        var frames = new EventFrames();

        binner.Bin(set, 0, frames);
        Assert.That(frames.DtUs, Is.EqualTo(2000));
        Assert.That(Entries(frames), Is.EqualTo(new (int, int, float)[] { (0, 0, 1), (0, 1, 2), (0, 3, 2), (0, 9, 1), (1, 5, 1), (1, 9, 1) }));

        binner.Bin(set, 1, frames);
        Assert.That(frames.DtUs, Is.EqualTo(251), "501 us over 2 steps");
        Assert.That(Entries(frames), Is.EqualTo(new (int, int, float)[] { (1, 2, 1) }));
    }

    [Test]
    public void Camera_events_flatten_to_polarity_row_column_split_or_merged()
    {
        var b = new EventDatasetBuilder("cam", "cam", EventSensor.Camera(4, 3));
        b.Add([0, 1, 2], new ushort[] { 3, 0, 3 }, new ushort[] { 2, 1, 2 }, new byte[] { 1, 0, 0 }, 0, "s");
        var set = b.Build(2);
        var frames = new EventFrames();

        var split = new EventBinner(set.Sensor, new EventBinningOptions { DtUs = 10, Steps = 1 });
        split.Bin(set, 0, frames);
        // (p*H + y)*W + x: ON (3,2) -> (3+2)*4+3 = 23; OFF (0,1) -> 4; OFF (3,2) -> 11.
        Assert.That(split.InputSize, Is.EqualTo(24));
        Assert.That(frames.Channels.ToArray(), Is.EqualTo(new[] { 4, 11, 23 }));

        var merged = new EventBinner(set.Sensor, new EventBinningOptions { DtUs = 10, Steps = 1, Polarity = PolarityMode.Merge, MaxPerBin = 0 });
        merged.Bin(set, 0, frames);
        Assert.That(merged.InputSize, Is.EqualTo(12));
        Assert.That(Entries(frames), Is.EqualTo(new (int, int, float)[] { (0, 4, 1), (0, 11, 2) }));

        var pooled = new EventBinner(set.Sensor, new EventBinningOptions { DtUs = 10, Steps = 1, Pool = 2, MaxPerBin = 0 });
        pooled.Bin(set, 0, frames);
        // W' = 2, H' = 2: ON (1,1) -> (2+1)*2+1 = 7; OFF (0,0) -> 0; OFF (1,1) -> 3.
        Assert.That(pooled.InputSize, Is.EqualTo(8));
        Assert.That(frames.Channels.ToArray(), Is.EqualTo(new[] { 0, 3, 7 }));
    }

    [Test]
    public void Dense_copy_of_a_step_matches_the_sparse_entries()
    {
        var set = Cochlea();
        var binner = new EventBinner(set.Sensor, new EventBinningOptions { DtUs = 1000, Steps = 4, MaxPerBin = 0 });
        var frames = new EventFrames();
        binner.Bin(set, 0, frames);
        var dense = new float[10];

        frames.CopyStepTo(1, dense);

        Assert.That(dense, Is.EqualTo(new float[] { 1, 2, 0, 0, 0, 0, 0, 0, 0, 0 }));
    }

    [Test]
    public void Reused_frames_allocate_nothing_once_they_fit()
    {
        var set = Cochlea();
        var binner = new EventBinner(set.Sensor, new EventBinningOptions { DtUs = 1000, Steps = 4 });
        var frames = new EventFrames();
        binner.Bin(set, 0, frames);
        binner.Bin(set, 1, frames);

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int r = 0; r < 100; r++)
        {
            binner.Bin(set, 0, frames);
            binner.Bin(set, 1, frames);
        }
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.Zero);
    }

    [Test]
    public void Invalid_options_are_refused()
    {
        var sensor = EventSensor.Channels(10);
        Assert.Throws<ArgumentException>(() => new EventBinner(sensor, new EventBinningOptions { DtUs = 0, Steps = 1 }));
        Assert.Throws<ArgumentException>(() => new EventBinner(sensor, new EventBinningOptions { Steps = 1, Pool = 0 }));
        Assert.Throws<ArgumentException>(() => new EventBinner(sensor, new EventBinningOptions { Steps = 1, CropStartUs = 5, CropEndUs = 5 }));
        Assert.Throws<ArgumentException>(() => new EventBinner(sensor, new EventBinningOptions { DtUs = 10 }), "needs data to find T");
    }
}
