using NUnit.Framework;
using SpikeLfp.Cli;

namespace SpikeLfp.Tests.Reliability;

/// <summary>The one-line reasons of failed writes: the file the user asked for and a cause they can act on.</summary>
public class FileErrorMessageTests
{
    [Test]
    public void A_temporary_file_removed_before_its_rename_names_the_target_and_the_removal()
    {
        // The folder still exists: the removal of the run's folder was caught half-way, after the temporary file.
        string folder = Path.GetTempPath();
        string temp = Path.Combine(folder, ".checkpoint.json.4242.0123456789abcdef0123456789abcdef.tmp");
        var e = new FileNotFoundException($"Could not find file '{temp}'.");

        Assert.That(FileErrorMessage.Describe(e), Is.EqualTo(
            $"'{Path.Combine(folder, "checkpoint.json")}': the file being written was removed during the run"));
    }

    [Test]
    public void A_temporary_file_in_a_removed_folder_says_the_folder_is_gone()
    {
        string temp = Path.Combine(Path.GetTempPath(), "spikelfp-no-such-folder-" + Guid.NewGuid().ToString("N"),
            ".model.json.0123456789abcdef0123456789abcdef.tmp");
        var e = new FileNotFoundException($"Could not find file '{temp}'.");

        Assert.That(FileErrorMessage.Reason(e), Is.EqualTo("its folder does not exist (was it removed during the run?)"));
    }

    [Test]
    public void A_missing_file_the_user_named_is_no_such_file()
    {
        var e = new FileNotFoundException($"Could not find file '{Path.Combine(Path.GetTempPath(), "labels.idx")}'.");

        Assert.That(FileErrorMessage.Reason(e), Is.EqualTo("no such file"));
    }
}
