using SpikeLfp.Data;
using SpikeLfp.Gpu.Agreement;
using SpikeLfp.Learning.Lfp;
using SpikeLfp.Learning.Training;
using SpikeLfp.Network.Backends;
using SpikeLfp.Network.Encoding;
using SpikeLfp.Network.Model;
using SpikeLfp.Neurons;

namespace SpikeLfp.Gpu.Tests;

/// <summary>
/// What <c>train --device gpu</c> runs: the device-resident trainer driven through epochs by the shared epoch loop,
/// with checkpoints that store its optimizer state in the host optimizers' form (on ILGPU's CPU accelerator).
/// </summary>
[Category("Gpu")]
public class GpuCheckpointTests
{
    private static readonly DatasetSplit Data = Small(DigitsDataset.Load());

    private static DatasetSplit Small(DatasetSplit digits) => new(digits.Train.Spread(32), digits.Test.Spread(8));

    private static TrainingOptions Options(string optimizer) => new()
    {
        Steps = 4, BatchSize = 16, Optimizer = SpikeLfp.Learning.Optimizers.OptimizerFactory.Parse(optimizer), LearningRate = optimizer == "adam" ? 0.01f : 0.1f, Seed = 4,
    };

    private static SpikingNetwork Network()
        => SpikingNetwork.Create(new NetworkSpec(64, [new LayerSpec(12, new CubaLifNeuron(new LifParameters(0.85f, 1f), 0.6f), Recurrent: true), new LayerSpec(10, new LifNeuron(new LifParameters(0.9f, 1f)))]), seed: 2);

    private static GpuLfpTrainer DeviceTrainer(SpikingNetwork network, TrainingOptions options)
        => new(GpuFixture.Backend, network, options, new ConstantCurrentEncoder());

    [TestCase("sgd")]
    [TestCase("adam")]
    public void A_device_run_resumed_from_a_checkpoint_file_ends_where_the_uninterrupted_run_ends(string optimizer)
    {
        var options = Options(optimizer);
        using var straight = DeviceTrainer(Network(), options);
        for (int epoch = 1; epoch <= 2; epoch++) straight.TrainEpoch(Data.Train, Data.Test, new EpochProgress(epoch, 2));

        using var first = DeviceTrainer(Network(), options);
        var metrics = new List<EpochMetrics> { first.TrainEpoch(Data.Train, Data.Test, new EpochProgress(1, 2)) };
        string path = Path.Combine(Path.GetTempPath(), $"spikelfp-gpu-checkpoint-{Guid.NewGuid():N}.json");
        try
        {
            Checkpoint.Of(first, metrics, null, new Dictionary<string, string>()).Save(path);
            var checkpoint = Checkpoint.Load(path);
            using var resumed = DeviceTrainer(checkpoint.Network, checkpoint.Options);
            checkpoint.RestoreOptimizer(resumed);
            resumed.TrainEpoch(Data.Train, Data.Test, new EpochProgress(2, 2));

            var expected = straight.Network.Parameters();
            var actual = resumed.Network.Parameters();
            for (int p = 0; p < expected.Count; p++)
                Assert.That(actual[p], Is.EqualTo(expected[p]).AsCollection, $"parameter array {p} after epoch 2");
        }
        finally { File.Delete(path); }
    }

    [Test]
    public void A_checkpoint_of_the_cpu_trainer_continues_on_the_device_as_on_the_cpu()
    {
        var options = Options("adam");
        var cpu = new LfpTrainer(Network(), options, new CpuBackend(2), new CpuLfpBackend(new CpuBackend(2)), encoder: new ConstantCurrentEncoder());
        var metrics = new List<EpochMetrics> { cpu.TrainEpoch(Data.Train, Data.Test, 1) };
        var checkpoint = Checkpoint.Parse(Checkpoint.Of(cpu, metrics, null, new Dictionary<string, string>()).ToJson(), "cpu checkpoint");

        using var device = DeviceTrainer(checkpoint.Network, checkpoint.Options);
        checkpoint.RestoreOptimizer(device);
        Assert.That(device.SaveOptimizerState().Steps, Is.EqualTo(cpu.SaveOptimizerState().Steps), "the step count carries over (Adam's bias correction)");
        // One batch on each: the device must take the CPU's next step from the restored moments, not a first step.
        var batch = Data.Train.Spread(16);
        long[] keys = Enumerable.Range(0, 16).Select(i => (long)i).ToArray();
        cpu.TrainBatch(batch.Features, batch.Labels, keys, 2, 0);
        ((ILfpBatchTrainer)device).TrainBatch(batch.Features, batch.Labels, keys, 2, 0);
        device.SyncNetwork();

        var failures = new List<string>();
        var expected = cpu.Network.Parameters();
        var actual = device.Network.Parameters();
        for (int p = 0; p < expected.Count; p++)
            Tolerance.Check(actual[p], expected[p].Select(v => (double)v).ToArray(), $"parameter array {p}", failures);
        Assert.That(failures, Is.Empty);
    }
}
