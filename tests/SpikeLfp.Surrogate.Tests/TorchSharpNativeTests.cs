using NUnit.Framework;
using static TorchSharp.torch;

namespace SpikeLfp.Surrogate.Tests;

/// <summary>TorchSharp's native library loads on this machine (build/torchsharp native fix).</summary>
public class TorchSharpNativeTests
{
    [Test]
    public void Tensor_matmul_runs_on_the_native_backend()
    {
        using var a = tensor(new float[] { 1, 2, 3, 4, 5, 6 }, new long[] { 2, 3 });
        using var b = tensor(new float[] { 1, 0, 0, 1, 1, 1 }, new long[] { 3, 2 });
        using var c = a.matmul(b);
        Assert.That(c.data<float>().ToArray(), Is.EqualTo(new float[] { 4, 5, 10, 11 }));
    }
}
