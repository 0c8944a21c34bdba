using SpikeLfp.Data.Events;

namespace SpikeLfp.Data.Tests;

/// <summary>Data files are checked before they are opened or read whole: regular, not empty, not over their size limit.</summary>
public class DataFileTests
{
    [Test]
    public void An_npy_event_file_over_the_limit_is_refused_before_it_is_read()
    {
        using var folder = new TempFolder();
        string path = folder.File("events.npy");
        using (var file = File.Create(path)) file.SetLength(NpyFormat.MaxFileBytes + 1); // sparse: nothing is written
        var e = Assert.Throws<DatasetException>(() => NpyFormat.ReadColumns(path, _ => null))!;
        Assert.That(e.Message, Does.Contain("events.npy").And.Contain($"more than the limit of {NpyFormat.MaxFileBytes}"));
    }

    [Test]
    public void A_fifo_or_an_empty_file_is_refused_without_being_opened()
    {
        if (OperatingSystem.IsWindows()) Assert.Ignore("named pipes in the file system need Linux or macOS");
        using var folder = new TempFolder();
        string fifo = folder.File("labels.npy");
        using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", [fifo])) mkfifo.WaitForExit();
        var read = Task.Run(() => Assert.Throws<DatasetException>(() => NpyFormat.ReadColumns(fifo, _ => null))!.Message);
        Assert.That(read.Wait(TimeSpan.FromSeconds(30)), Is.True, "returned without waiting for a writer");
        Assert.That(read.Result, Does.Contain("not a regular file"));
    }
}
