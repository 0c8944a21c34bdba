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

/// <summary>
/// Every file inside an event-data folder is checked before it is read: a FIFO or a device among the recordings, the
/// labels or the sensor file is refused with one line naming it, at once instead of blocking or reading forever.
/// </summary>
public class EventFolderFileTests
{
    private TempFolder _folder = null!;

    [SetUp]
    public void CreateFolder()
    {
        if (OperatingSystem.IsWindows()) Assert.Ignore("named pipes in the file system need Linux or macOS");
        _folder = new TempFolder();
    }

    [TearDown]
    public void DeleteFolder() => _folder?.Dispose();

    private string Write(string relative, byte[] bytes)
    {
        string path = Path.Combine(_folder.Path, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private string Fifo(string relative)
    {
        string path = Path.Combine(_folder.Path, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", [path])) mkfifo.WaitForExit();
        return path;
    }

    // Loads on another thread: a reader that blocks on the FIFO fails the wait instead of hanging the test run.
    private static string Refused(Action load)
    {
        var read = Task.Run(() => Assert.Throws<DatasetException>(() => load())!.Message);
        Assert.That(read.Wait(TimeSpan.FromSeconds(30)), Is.True, "returned without waiting for a writer");
        return read.Result;
    }

    private static readonly byte[] OneEvent = [1, 2, 0x80, 0, 10];

    [Test]
    public void A_fifo_among_nmnist_recordings_is_refused_and_an_empty_recording_reads_as_no_events()
    {
        Write("Train/0/00001.bin", OneEvent);
        Write("Train/1/00002.bin", []);
        Write("Test/0/00003.bin", OneEvent);
        Assert.That(NMnistFolder.Load(_folder.Path, "nmnist").Train.Count, Is.EqualTo(2), "an empty recording is a sample without events");

        string fifo = Fifo("Train/1/00004.bin");
        Assert.That(Refused(() => NMnistFolder.Load(_folder.Path, "nmnist")), Is.EqualTo($"{fifo}: not a regular file (a pipe, a socket or a device)"));
    }

    [Test]
    public void A_device_linked_into_an_nmnist_folder_is_refused()
    {
        Write("Train/0/00001.bin", OneEvent);
        Write("Train/1/00005.bin", OneEvent);
        Write("Test/0/00003.bin", OneEvent);
        string link = Path.Combine(_folder.Path, "Train", "0", "00002.bin");
        File.CreateSymbolicLink(link, "/dev/zero");
        Assert.That(Refused(() => NMnistFolder.Load(_folder.Path, "nmnist")), Does.Contain(link).And.Contain("not a regular file"));
    }

    [TestCase("train/labels.csv")]
    [TestCase("train/a.csv")]
    [TestCase("sensor.txt")]
    public void A_fifo_in_an_event_table_folder_is_refused(string which)
    {
        Write("train/labels.csv", "a.csv,0\n"u8.ToArray());
        Write("train/a.csv", "t,x,y,p\n1,2,3,1\n"u8.ToArray());
        Write("test/labels.csv", "b.csv,0\n"u8.ToArray());
        Write("test/b.csv", "t,x,y,p\n1,2,3,1\n"u8.ToArray());
        string path = Path.Combine(_folder.Path, which);
        File.Delete(path);
        Fifo(which);
        Assert.That(Refused(() => EventTableFolder.Load(_folder.Path, "table")), Is.EqualTo($"{path}: empty, or not a regular file (a pipe or a device)"));
    }
}
