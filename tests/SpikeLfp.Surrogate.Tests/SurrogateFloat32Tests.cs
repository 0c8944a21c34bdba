using NUnit.Framework;
using SpikeLfp.Learning.Surrogate;
using TorchSharp;
using static TorchSharp.torch;

namespace SpikeLfp.Surrogate.Tests;

/// <summary>
/// The Float32 path against snntorch's own unpatched float32 run (surrogate_bptt_mlp.json). Not in the
/// Reference category: float32 summation order differs between libtorch builds, so the bound is
/// float32-sized (observed worst case 7.9e-6 relative).
/// </summary>
public class SurrogateFloat32Tests
{
    private const double Float32Tolerance = 1e-4;

    [TestCaseSource(typeof(SurrogateReferenceTests), nameof(SurrogateReferenceTests.Cases))]
    public void Float32_gradients_track_unpatched_snntorch(string result, SurrogateSpec surrogate)
    {
        // snntorch's own float32 run: a looser, float32-sized check of the Float32 code path.
        Fixture f = Fixture.Load("surrogate_bptt_mlp.json");
        using SurrogateNetwork network = SurrogateReferenceTests.ReferenceNetwork(f, surrogate, ScalarType.Float32);
        using SurrogateTrace trace = network.Forward(f.Array("x"), f.Shape("x")[0], (int)f.Number("sizes.T"));
        using Tensor loss = network.Loss(trace.OutputSpikes, SurrogateReferenceTests.Labels(f), SurrogateLoss.CeRate);
        double value = network.Backward(loss);
        string reference = $"results.{result}.float32_unpatched_reference";

        SurrogateReferenceTests.AssertRelative(new[] { value }, new[] { f.Number($"{reference}.loss") }, "loss", Float32Tolerance);
        SurrogateReferenceTests.AssertRelative(network.WeightGradient(0), f.Array($"{reference}.dL_dW1"), "dL/dW1", Float32Tolerance);
        SurrogateReferenceTests.AssertRelative(network.BiasGradient(0), f.Array($"{reference}.dL_db1"), "dL/db1", Float32Tolerance);
        SurrogateReferenceTests.AssertRelative(network.WeightGradient(1), f.Array($"{reference}.dL_dW2"), "dL/dW2", Float32Tolerance);
        SurrogateReferenceTests.AssertRelative(network.BiasGradient(1), f.Array($"{reference}.dL_db2"), "dL/db2", Float32Tolerance);
    }

}
