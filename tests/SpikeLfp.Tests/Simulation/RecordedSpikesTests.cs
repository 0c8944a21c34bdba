using SpikeLfp.Data;
using SpikeLfp.Learning.Lfp;
using SpikeLfp.Learning.Rewards;
using SpikeLfp.Learning.Training;
using SpikeLfp.Network.Encoding;
using SpikeLfp.Network.Model;
using SpikeLfp.Network.Simulation;
using SpikeLfp.Neurons;

namespace SpikeLfp.Tests.Simulation;

/// <summary>Recorded spike trains as the network's input: storage, the encoder, and LFP training on them.</summary>
public class RecordedSpikesTests
{
    [Test]
    public void The_builder_keeps_each_channel_once_per_step_in_ascending_order()
    {
        var builder = new RecordedSpikes.Builder(channels: 5, steps: 2);
        builder.AddStep([3, 1, 3, 0]);
        builder.AddStep([]);
        builder.AddStep([4]);
        builder.AddStep([2, 2]);
        var recording = builder.Build();

        Assert.That(recording.Count, Is.EqualTo(2));
        Assert.That(recording.Fired(0, 0).ToArray(), Is.EqualTo(new[] { 0, 1, 3 }));
        Assert.That(recording.Fired(0, 1).ToArray(), Is.Empty);
        Assert.That(recording.Fired(1, 0).ToArray(), Is.EqualTo(new[] { 4 }));
        Assert.That(recording.Fired(1, 1).ToArray(), Is.EqualTo(new[] { 2 }));
        Assert.That(recording.Events, Is.EqualTo(5));
        Assert.That(recording.EventsOf(0), Is.EqualTo(3));
    }

    [Test]
    public void The_builder_refuses_channels_out_of_range_and_unfinished_samples()
    {
        var builder = new RecordedSpikes.Builder(channels: 3, steps: 2);
        Assert.That(() => builder.AddStep([3]), Throws.ArgumentException.With.Message.Contains("channel 3"));
        builder.AddStep([0]);
        Assert.That(() => builder.Build(), Throws.InvalidOperationException.With.Message.Contains("1 of its 2 steps"));
    }

    [Test]
    public void A_feature_that_is_not_a_recorded_sample_is_refused()
    {
        var builder = new RecordedSpikes.Builder(2, 1);
        builder.AddStep([1]);
        var encoder = new RecordedSpikeEncoder(builder.Build());
        var train = new SpikeTrain(1, 1, 2);
        Assert.That(() => encoder.Encode([1f], 1, [0], train), Throws.ArgumentException.With.Message.Contains("not the index"));
        Assert.That(() => encoder.Encode([0.5f], 1, [0], train), Throws.ArgumentException.With.Message.Contains("not the index"));
    }

    /// <summary>
    /// The rate encoder's spikes, recorded and replayed, give the same simulation and the same LFP feedback bit for
    /// bit: recorded input takes exactly the event-driven path that encoded spikes take.
    /// </summary>
    [Test]
    public void Replaying_recorded_spikes_equals_encoding_them_forward_and_backward()
    {
        const int batch = 6, steps = 9, inputs = 20;
        var network = SpikingNetwork.Create([inputs, 16, 4], new LifParameters(0.9f, 1f), seed: 3);
        var random = new Random(5);
        var features = Enumerable.Range(0, batch * inputs).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        long[] keys = [10, 11, 12, 13, 14, 15];
        int[] labels = [0, 1, 2, 3, 0, 1];

        var encoded = Run(network, new BernoulliRateEncoder(7), features, keys, labels, steps);

        var builder = new RecordedSpikes.Builder(inputs, steps);
        for (int b = 0; b < batch; b++)
            for (int t = 0; t < steps; t++) builder.AddStep(encoded.Trace.InputSpikes!.Fired(b, t));
        var references = Enumerable.Range(0, batch).Select(i => (float)i).ToArray();
        var replayed = Run(network, new RecordedSpikeEncoder(builder.Build()), references, keys, labels, steps);

        for (int k = 0; k < network.Layers.Count; k++)
        {
            Assert.That(replayed.Trace.Layers[k].Membrane, Is.EqualTo(encoded.Trace.Layers[k].Membrane), $"membranes of layer {k}");
            Assert.That(replayed.Feedback.Weights[k], Is.EqualTo(encoded.Feedback.Weights[k]), $"weight feedback of layer {k}");
            Assert.That(replayed.Feedback.Bias[k], Is.EqualTo(encoded.Feedback.Bias[k]), $"bias feedback of layer {k}");
        }
        Assert.That(encoded.Trace.InputSpikes!.Total(batch), Is.GreaterThan(0));
    }

    private static (ForwardTrace Trace, Feedback Feedback) Run(SpikingNetwork network, IInputEncoder encoder, float[] features, long[] keys, int[] labels, int steps)
    {
        var trace = new Simulator(network, steps, encoder).Forward(features, keys);
        var feedback = new Feedback(network);
        new CpuLfpBackend().Backward(network, trace, labels, new RateCodedSpikeReward(), new LfpWorkspace(trace), feedback);
        return (trace, feedback);
    }

    /// <summary>
    /// A temporal event task no single step solves: class 0 fires channels 0-3 then 4-7, class 1 the same channels
    /// in the opposite order, with random extra events. LFP learns it from the recorded spikes alone.
    /// </summary>
    [Test]
    public void Lfp_learns_the_order_of_recorded_events()
    {
        const int channels = 8, steps = 10, perClass = 60;
        var random = new Random(11);
        var builder = new RecordedSpikes.Builder(channels, steps);
        var labels = new int[2 * perClass];
        for (int s = 0; s < labels.Length; s++)
        {
            int label = labels[s] = s % 2;
            for (int t = 0; t < steps; t++)
            {
                bool early = t < steps / 2;
                int first = (early ^ label == 1) ? 0 : 4;
                var fired = Enumerable.Range(first, 4).Where(_ => random.NextDouble() < 0.6).ToList();
                if (random.NextDouble() < 0.2) fired.Add(random.Next(channels));
                builder.AddStep(fired.ToArray());
            }
        }
        var recording = builder.Build();
        var references = Enumerable.Range(0, labels.Length).Select(i => (float)i).ToArray();
        var all = new Dataset("order", references, labels, 1, 2, new SpikeLfp.Data.SampleShape(1, 1, 1));
        var train = Subset(all, 0, 80);
        var test = Subset(all, 80, 40);

        var options = new TrainingOptions { Steps = steps, Epochs = 1, BatchSize = 8, Encoder = EncoderKind.Events, LearningRate = 0.05f, Seed = 1 };
        var network = SpikingNetwork.Create(new NetworkSpec(channels, [new LayerSpec(24, new LifNeuron(new LifParameters(0.8f, 1f)), Recurrent: true), new LayerSpec(2, new LifNeuron(new LifParameters(0.8f, 1f)))]), seed: 1);
        var trainer = new LfpTrainer(network, options, encoder: new RecordedSpikeEncoder(recording));
        EpochMetrics last = null!;
        for (int epoch = 1; epoch <= 30; epoch++) last = trainer.TrainEpoch(train, test, epoch);

        Assert.That(last.TestAccuracy, Is.GreaterThan(0.85), "test accuracy after 30 epochs");
    }

    private static Dataset Subset(Dataset data, int start, int count)
        => new(data.Name, data.Features[start..(start + count)], data.Labels[start..(start + count)], 1, data.ClassCount, data.Shape);
}
