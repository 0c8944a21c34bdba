using SpikeLfp.Cli;

namespace SpikeLfp.Tests.Packaging;

/// <summary>
/// The one-line message for a libtorch that cannot be loaded. The installed tool is checked end to end by
/// build/package-check.sh (the tool without its GLIBCXX shim exits 4 with this line); here, which failures it covers.
/// </summary>
public class LibTorchLoadTests
{
    [Test]
    public void TorchSharp_type_initialiser_failure_is_a_libtorch_load_failure()
    {
        var failure = new TypeInitializationException("TorchSharp.torch", new NotSupportedException("libtorch-cpu-linux-x64 not found"));
        Assert.That(LibTorchLoad.IsLoadFailure(failure), Is.True);
    }

    [Test]
    public void Other_type_initialiser_failures_are_not()
    {
        var failure = new TypeInitializationException("SpikeLfp.Network.Model.ModelFile", new InvalidOperationException());
        Assert.That(LibTorchLoad.IsLoadFailure(failure), Is.False);
        Assert.That(LibTorchLoad.IsLoadFailure(new InvalidOperationException("torch")), Is.False);
    }

    [Test]
    public void The_explanation_is_one_line_naming_the_platform_and_what_to_do()
    {
        string line = LibTorchLoad.Explain();
        Assert.That(line, Does.Not.Contain('\n'));
        Assert.That(line, Does.Contain(System.Runtime.InteropServices.RuntimeInformation.RuntimeIdentifier));
        Assert.That(line, Does.Contain("install"));
    }
}
