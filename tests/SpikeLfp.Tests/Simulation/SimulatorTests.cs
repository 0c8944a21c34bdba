using SpikeLfp.Network.Encoding;
using SpikeLfp.Network.Model;
using SpikeLfp.Network.Simulation;
using SpikeLfp.Network.Synapses;
using SpikeLfp.Neurons;

namespace SpikeLfp.Tests.Simulation;

public class SimulatorTests
{
    [Test]
    public void Event_driven_delivery_equals_the_dense_product_with_the_spike_vector()
    {
        var random = new Random(5);
        var synapses = new DenseSynapses(300, 37);
        synapses.InitializeUniform(random);
        var spikes = Enumerable.Range(0, 300).Select(_ => random.NextDouble() < 0.1 ? 1f : 0f).ToArray();
        var fired = new int[300];
        int count = SynapseKernels.CompactSpikes(spikes, fired);
        Assert.That(count, Is.EqualTo(spikes.Count(s => s != 0)));

        var eventDriven = new float[37];
        SynapseKernels.DeliverSpikes(fired.AsSpan(0, count), synapses.Weights, 37, eventDriven);
        for (int j = 0; j < 37; j++)
        {
            double dense = 0;
            for (int i = 0; i < 300; i++) dense += spikes[i] * synapses[j, i];
            Assert.That(eventDriven[j], Is.EqualTo(dense).Within(1e-5));
        }
    }

    // Where 512-bit vectors run natively: 77 outputs = a 48-wide panel, then 16, 8 and 5 single columns; 157 = two
    // panels, 32, 16, 8 and 5; 40 = 32 and 8. Blocks of 8 samples, 13 ending in a recomputed overlapping block, fewer
    // than 8 a row at a time. Elsewhere: tiles of 4 samples x 4 Vector<float>, then single columns.
    [TestCase(7, 77, 4)]
    [TestCase(13, 157, 2)]
    [TestCase(16, 109, 1)]
    [TestCase(9, 40, 2)]
    public void Dense_kernel_gives_the_same_bits_whatever_the_batch_blocking_and_thread_count(int rows, int outputs, int threads)
    {
        var random = new Random(9);
        var synapses = new DenseSynapses(50, outputs);
        synapses.InitializeUniform(random);
        var x = Enumerable.Range(0, rows * 50).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        var many = new float[rows * outputs];
        DenseMath.AffineRows(x, rows, 50, synapses, many, new ParallelOptions { MaxDegreeOfParallelism = threads });
        for (int b = 0; b < rows; b++)
        {
            var one = new float[outputs];
            DenseMath.AffineRows(x.AsSpan(b * 50, 50), 1, 50, synapses, one, new ParallelOptions { MaxDegreeOfParallelism = 1 });
            Assert.That(many.AsSpan(b * outputs, outputs).ToArray(), Is.EqualTo(one), $"sample {b}");
            var reference = (float[])synapses.Bias.Clone();
            SynapseKernels.DeliverAnalog(x.AsSpan(b * 50, 50), synapses.Weights, outputs, reference);
            Assert.That(one, Is.EqualTo(reference), $"sample {b} against the row kernel");
        }
    }

    [Test]
    public void Recording_holds_every_layer_time_major_and_predictions_follow_output_counts()
    {
        var network = SpikingNetwork.Create([6, 20, 3], new LifParameters(0.9f, 0.5f), seed: 1);
        var simulator = new Simulator(network, 12, new BernoulliRateEncoder(7));
        var features = Enumerable.Range(0, 12).Select(i => (float)Math.Sin(i)).ToArray();
        var recording = simulator.Record(features, [10, 11], [0, 2]);
        Assert.That(recording.Layers.Select(l => l.Name), Is.EqualTo(new[] { "input", "hidden1", "output" }));
        Assert.That(recording.Layers.Select(l => l.Neurons), Is.EqualTo(new[] { 6, 20, 3 }));
        var trace = simulator.Forward(features, [10, 11]);
        for (int b = 0; b < 2; b++)
        {
            var counts = new int[3];
            TraceStatistics.OutputCounts(trace, b, counts);
            Assert.That(recording.Output.SpikeCountsPerNeuron(b), Is.EqualTo(counts));
            Assert.That(recording.Layers[1].SpikeCount(b), Is.EqualTo(Enumerable.Range(0, 12).Sum(t => trace.Layers[0].Spikes.Count(b, t))));
        }
    }

    // Predict keeps the hidden states only for the samples in flight on the CPU: the same predictions as the output
    // counts of a trace that keeps every sample's.
    [TestCase(1)]
    [TestCase(3)]
    public void Predictions_are_the_argmax_of_the_output_counts_of_a_full_trace(int threads)
    {
        var network = SpikingNetwork.Create([12, 30, 5], new LifParameters(0.9f, 0.3f), seed: 5);
        var random = new Random(3);
        const int batch = 13, steps = 8;
        // Strong, varied currents, so that the untrained network's output neurons fire and disagree.
        var features = Enumerable.Range(0, batch * 12).Select(_ => 6f * (float)random.NextDouble() - 2f).ToArray();
        var keys = Enumerable.Range(0, batch).Select(i => (long)i).ToArray();
        var simulator = new Simulator(network, steps, new ConstantCurrentEncoder(), new Network.Backends.CpuBackend(threads));
        var predictions = new int[batch];
        simulator.Predict(features, keys, predictions);
        var expected = new int[batch];
        TraceStatistics.Predictions(simulator.Forward(features, keys), expected);
        Assert.That(predictions, Is.EqualTo(expected));
        Assert.That(expected.Distinct().Count(), Is.GreaterThan(1), "the batch predicts more than one class");
    }

    [Test]
    public void Same_sample_key_gives_the_same_spikes_whatever_the_batch()
    {
        var network = SpikingNetwork.Create([8, 16, 4], LifParameters.Default, seed: 2);
        var simulator = new Simulator(network, 10, new BernoulliRateEncoder(3));
        var a = Enumerable.Range(0, 8).Select(i => i / 8f).ToArray();
        var b = Enumerable.Range(0, 8).Select(i => -i / 8f).ToArray();
        var alone = simulator.Record(a, [42], null);
        var together = simulator.Record(b.Concat(a).ToArray(), [7, 42], null);
        for (int t = 0; t < 10; t++)
            for (int n = 0; n < 16; n++)
                Assert.That(together.Layers[1].SpikeAt(t, 1, n), Is.EqualTo(alone.Layers[1].SpikeAt(t, 0, n)));
    }

    [Test]
    public void Rate_encoder_fires_with_the_probability_of_the_intensity()
    {
        var encoder = new BernoulliRateEncoder(11);
        var train = new SpikeTrain(1, 2000, 3);
        encoder.Encode(new[] { -1f, 0f, 0.5f }, 3, [0L], train);
        var counts = new int[3];
        for (int t = 0; t < 2000; t++) foreach (int i in train.Fired(0, t)) counts[i]++;
        Assert.That(counts[0], Is.EqualTo(0));
        Assert.That(counts[1] / 2000.0, Is.EqualTo(0.5).Within(0.04));
        Assert.That(counts[2] / 2000.0, Is.EqualTo(0.75).Within(0.04));
    }

    [Test]
    public void Latency_encoder_fires_each_input_once_earlier_when_stronger()
    {
        var train = new SpikeTrain(1, 11, 3);
        new LatencyEncoder().Encode(new[] { 1f, 0f, -1f }, 3, [0L], train);
        var first = new int[] { -1, -1, -1 };
        int total = 0;
        for (int t = 0; t < 11; t++) foreach (int i in train.Fired(0, t)) { first[i] = first[i] < 0 ? t : first[i]; total++; }
        Assert.That(first, Is.EqualTo(new[] { 0, 5, -1 }));
        Assert.That(total, Is.EqualTo(2));
    }

    // Hidden layers' states kept only for the samples in flight give the same states, read in afterSample, and the same
    // spikes and output layer as a trace that keeps every sample's; a sample's states end with it.
    [TestCase(EncoderKind.Current, 1)]
    [TestCase(EncoderKind.Current, 3)]
    [TestCase(EncoderKind.Rate, 2)]
    public void State_rows_hold_each_samples_states_while_it_is_simulated(EncoderKind encoderKind, int threads)
    {
        var network = SpikingNetwork.Create(NetworkSpec.Parse("12-r20-9-4", LifParameters.Default), 3);
        var encoder = InputEncoders.Create(encoderKind, 3);
        var random = new Random(2);
        const int batch = 11, steps = 6;
        var features = Enumerable.Range(0, batch * 12).Select(_ => (float)random.NextDouble()).ToArray();
        var keys = Enumerable.Range(0, batch).Select(i => (long)i).ToArray();
        var backend = new Network.Backends.CpuBackend(threads);
        var full = new Simulator(network, steps, encoder, backend).Forward(features, keys);
        Assert.That(full.KeepsAllStates, Is.True);

        var rows = new Simulator(network, steps, encoder, backend);
        var seen = new float[network.Layers.Count][];
        for (int k = 0; k < seen.Length; k++) seen[k] = new float[batch * steps * network.Layers[k].Size];
        var trace = rows.Forward(features, keys, b =>
        {
            for (int k = 0; k < seen.Length; k++)
                for (int t = 0; t < steps; t++)
                {
                    var layer = trace0().Layers[k];
                    layer.MembraneAt(b, t).CopyTo(seen[k].AsSpan((b * steps + t) * layer.Size, layer.Size));
                    Assert.That(layer.CurrentAt(b, t).ToArray(), Is.EqualTo(full.Layers[k].CurrentAt(b, t).ToArray()), $"current of layer {k}, sample {b}, step {t}");
                }
        }, stateRows: threads);
        ForwardTrace trace0() => rows.TraceFor(batch, threads);

        Assert.That(trace.KeepsAllStates, Is.False);
        Assert.That(trace.Layers[^1].KeepsAllStates, Is.True, "the output layer keeps every sample's states");
        for (int k = 0; k < seen.Length; k++)
        {
            Assert.That(seen[k], Is.EqualTo(full.Layers[k].Membrane.AsSpan(0, seen[k].Length).ToArray()), $"membranes of layer {k}");
            for (int b = 0; b < batch; b++)
                for (int t = 0; t < steps; t++)
                    Assert.That(trace.Layers[k].Spikes.Fired(b, t).ToArray(), Is.EqualTo(full.Layers[k].Spikes.Fired(b, t).ToArray()), $"spikes of layer {k}");
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => trace.Layers[0].MembraneAt(0, 0), "a finished sample has no states left");
        Assert.Throws<ArgumentException>(() => TraceStatistics.FirstNonFiniteMembrane(trace));
        Assert.Throws<ArgumentException>(() => rows.Record(trace, null));
    }

    [Test]
    public void A_trace_refuses_more_samples_at_once_than_it_has_state_rows()
    {
        var network = SpikingNetwork.Create(NetworkSpec.Parse("4-3-2", LifParameters.Default), 1);
        var trace = new ForwardTrace(network, 4, 2, InputKind.ConstantCurrent, stateRows: 2);
        trace.BeginSample(0);
        trace.BeginSample(1);
        Assert.Throws<InvalidOperationException>(() => trace.BeginSample(2));
        trace.EndSample(0);
        Assert.DoesNotThrow(() => trace.BeginSample(2));
    }

    [Test]
    public void A_samples_spike_lists_lie_back_to_back_and_are_filled_in_step_order()
    {
        var train = new SpikeTrain(2, 3, 5);
        int[][] lists = [[1, 4], [], [0, 2, 3]];
        for (int round = 0; round < 2; round++) // a second batch fills the same train again from step 0
            for (int b = 0; b < 2; b++)
                for (int t = 0; t < 3; t++)
                {
                    var fired = lists[(t + b + round) % 3];
                    fired.CopyTo(train.Slot(b, t));
                    train.SetCount(b, t, fired.Length);
                }
        for (int b = 0; b < 2; b++)
            for (int t = 0; t < 3; t++)
                Assert.That(train.Fired(b, t).ToArray(), Is.EqualTo(lists[(t + b + 1) % 3]), $"sample {b}, step {t}");
        Assert.That(train.Total(2), Is.EqualTo(10));
        // Step 1 of sample 1 starts where its step 0 ends.
        Assert.That(System.Runtime.CompilerServices.Unsafe.AreSame(ref System.Runtime.InteropServices.MemoryMarshal.GetReference(train.Fired(1, 2)),
            ref System.Runtime.CompilerServices.Unsafe.Add(ref System.Runtime.InteropServices.MemoryMarshal.GetReference(train.Fired(1, 1)), train.Count(1, 1))), Is.True);
        train.Slot(0, 0);
        train.SetCount(0, 0, 0);
        Assert.Throws<InvalidOperationException>(() => train.Slot(0, 2), "step 2 before step 1");
        Assert.Throws<InvalidOperationException>(() => train.SetCount(0, 2, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => train.SetCount(0, 1, 6), "more spikes than neurons");
    }
}
