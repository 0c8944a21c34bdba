using SpikeLfp.Data;
using SpikeLfp.Learning.Training;
using SpikeLfp.Network.Backends;
using SpikeLfp.Network.Encoding;
using SpikeLfp.Network.Model;
using SpikeLfp.Neurons;

namespace SpikeLfp.Tests.Training;

public class LfpTrainingTests
{
    [Test]
    public void Lfp_learns_the_digits_without_any_surrogate_gradient()
    {
        var data = DigitsDataset.Load();
        var network = SpikingNetwork.Create([64, 100, 10], LifParameters.Default, seed: 0);
        double before = Evaluator.Accuracy(network, data.Test, 15, new ConstantCurrentEncoder());
        var trainer = new LfpTrainer(network, new TrainingOptions { Epochs = 5 });
        EpochMetrics? last = null;
        for (int epoch = 1; epoch <= 5; epoch++) last = trainer.TrainEpoch(data.Train, data.Test, epoch);
        TestContext.Out.WriteLine($"test accuracy before {before:P1}, after 5 epochs {last!.TestAccuracy:P1}");
        Assert.That(before, Is.LessThan(0.3));
        Assert.That(last.TestAccuracy, Is.GreaterThan(0.85));
        Assert.That(last.SpikeRates["hidden1"], Is.GreaterThan(0).And.LessThan(0.5));
    }

    [Test]
    public void Forward_and_backward_share_the_one_backend_given()
    {
        var network = SpikingNetwork.Create([64, 10], LifParameters.Default, seed: 0);
        var cpu = new CpuBackend(1);
        var byCompute = new LfpTrainer(network, new TrainingOptions(), cpu);
        Assert.That(byCompute.EvaluationBackend, Is.SameAs(cpu));
        Assert.That(((Learning.Lfp.CpuLfpBackend)byCompute.LfpBackend).Cpu, Is.SameAs(cpu));

        var byLfp = new LfpTrainer(network, new TrainingOptions(), lfp: new Learning.Lfp.CpuLfpBackend(cpu));
        Assert.That(byLfp.EvaluationBackend, Is.SameAs(cpu));

        var byDefault = new LfpTrainer(network, new TrainingOptions());
        Assert.That(((Learning.Lfp.CpuLfpBackend)byDefault.LfpBackend).Cpu, Is.SameAs(byDefault.EvaluationBackend));
        Assert.That(byDefault.EvaluationBackend, Is.Not.SameAs(cpu));
    }

    [Test]
    public void Training_is_bit_identical_for_one_and_two_threads()
    {
        var data = DigitsDataset.Load();
        SpikingNetwork Train(int threads)
        {
            var network = SpikingNetwork.Create([64, 40, 10], LifParameters.Default, seed: 3);
            var cpu = new CpuBackend(threads);
            var trainer = new LfpTrainer(network, new TrainingOptions { Epochs = 1, Encoder = EncoderKind.Rate, Seed = 3 }, cpu, new Learning.Lfp.CpuLfpBackend(cpu));
            trainer.TrainEpoch(data.Train.Take(400), data.Test.Take(50), 1);
            return network;
        }
        var one = Train(1);
        var two = Train(2);
        Assert.That(ModelFile.ToJson(two), Is.EqualTo(ModelFile.ToJson(one)));
    }

    [Test]
    public void A_spiking_convolution_trains_bit_identically_for_one_two_and_three_threads()
    {
        // The second convolution takes spikes, so its feedback is summed by chunks of samples; a batch of 20 leaves a
        // short last chunk.
        var data = DigitsDataset.Load();
        SpikingNetwork Train(int threads)
        {
            var network = ConvSpec.Parse("8x8x1-c4k3-c8k3p1-p2-10", LifParameters.Default).Create(seed: 5);
            var cpu = new CpuBackend(threads);
            var trainer = new LfpTrainer(network, new TrainingOptions { Epochs = 1, BatchSize = 20, Seed = 5 }, cpu, new Learning.Lfp.CpuLfpBackend(cpu));
            trainer.TrainEpoch(data.Train.Take(200), data.Test.Take(20), 1);
            return network;
        }
        var one = ModelFile.ToJson(Train(1));
        Assert.That(one, Is.Not.EqualTo(ModelFile.ToJson(ConvSpec.Parse("8x8x1-c4k3-c8k3p1-p2-10", LifParameters.Default).Create(seed: 5))), "training changed nothing");
        Assert.That(ModelFile.ToJson(Train(2)), Is.EqualTo(one));
        Assert.That(ModelFile.ToJson(Train(3)), Is.EqualTo(one));
    }

    [Test]
    public void Epoch_order_depends_only_on_seed_and_epoch()
    {
        Assert.That(EpochSchedule.Order(100, 1, 2), Is.EqualTo(EpochSchedule.Order(100, 1, 2)));
        Assert.That(EpochSchedule.Order(100, 1, 2), Is.Not.EqualTo(EpochSchedule.Order(100, 1, 3)));
        Assert.That(EpochSchedule.Order(100, 1, 2).Order(), Is.EqualTo(Enumerable.Range(0, 100)));
    }
}
