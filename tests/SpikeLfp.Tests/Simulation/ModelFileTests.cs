using SpikeLfp.Network.Model;
using SpikeLfp.Neurons;

namespace SpikeLfp.Tests.Simulation;

public class ModelFileTests
{
    [Test]
    public void Model_file_round_trips_every_weight_and_parameter_exactly()
    {
        var network = SpikingNetwork.Create(NetworkSpec.Parse("13-29-7", new LifParameters(0.8f, 1.3f, ResetMode.Zero, false)), seed: 4);
        string json = ModelFile.ToJson(network);
        var back = ModelFile.Parse(json, "test");
        Assert.That(back.Spec, Is.EqualTo("13-29-7"));
        for (int k = 0; k < 2; k++)
        {
            Assert.That(back.Layers[k].DenseConnection.Weights, Is.EqualTo(network.Layers[k].DenseConnection.Weights));
            Assert.That(back.Layers[k].DenseConnection.Bias, Is.EqualTo(network.Layers[k].DenseConnection.Bias));
            Assert.That(back.Layers[k].Neurons, Is.EqualTo(network.Layers[k].Neurons));
        }
        Assert.That(ModelFile.ToJson(back), Is.EqualTo(json));
    }

    [TestCase("64-0-10")]
    [TestCase("abc")]
    [TestCase("64")]
    [TestCase("64--10")]
    [TestCase("64-100-99999999")]
    public void Invalid_specs_are_rejected_with_the_spec_in_the_message(string spec)
    {
        var e = Assert.Throws<InvalidModelException>(() => NetworkSpec.Parse(spec, LifParameters.Default));
        Assert.That(e!.Message, Does.Contain(spec));
    }

    [Test]
    public void Weights_are_stored_in_pytorch_layout()
    {
        var network = SpikingNetwork.Create([2, 3], LifParameters.Default, seed: 0);
        network.Layers[0].DenseConnection[post: 2, pre: 1] = 0.5f;
        var rows = network.Layers[0].DenseConnection.ToOutputMajor();
        Assert.That(rows[2 * 2 + 1], Is.EqualTo(0.5f));
    }
}
