using Newtonsoft.Json.Linq;
using SpikeLfp.Tests.Reliability;

namespace SpikeLfp.Tests.Events;

/// <summary>
/// Event data through train, compare and simulate on the real command line: the digits recorded by the emulated event
/// camera, binned, delivered as input spikes.
/// </summary>
public class EventTrainingCommandTests
{
    private static string _root = null!;
    private static string _events = null!;

    [OneTimeSetUp]
    public void Record()
    {
        _root = Path.Combine(Path.GetTempPath(), $"spikelfp-events-train-{Guid.NewGuid():N}");
        Directory.CreateDirectory(_root);
        _events = Path.Combine(_root, "digits-events");
        var convert = Run("data", "convert", "--dataset", "digits", "--to", "events", "--out", _events);
        Assert.That(convert.ExitCode, Is.EqualTo(0), convert.ToString());
    }

    [OneTimeTearDown]
    public void DeleteFolder() => Directory.Delete(_root, recursive: true);

    private static CliResult Run(params string[] args) => SpikeLfp.Tests.Reliability.Cli.Run(args);

    private static string In(string name) => Path.Combine(_root, name);

    [Test]
    public void Train_learns_from_recorded_events_and_resumes_from_its_checkpoint()
    {
        string folder = In("train");
        var first = Run("train", "--dataset", "events:" + _events, "--dt", "20", "--limit", "300", "--epochs", "1", "--checkpoint-every", "1", "--lr", "0.05", "--out", folder);
        Assert.That(first.ExitCode, Is.EqualTo(0), first.ToString());
        Assert.That(first.Output, Does.Contain("model 200-100-10, T=15"), "10x10 pixels x 2 polarities; 300 ms in 20 ms bins");

        var resumed = Run("train", "--resume", "--epochs", "4", "--out", folder);
        Assert.That(resumed.ExitCode, Is.EqualTo(0), resumed.ToString());
        var metrics = JObject.Parse(File.ReadAllText(Path.Combine(folder, "metrics.json")));
        Assert.That((double)metrics["test_accuracy"]!, Is.GreaterThan(0.2), "well above chance (10%) after 4 epochs on 300 samples");

        var simulate = Run("simulate", "--model", Path.Combine(folder, "model.json"), "--dataset", "events:" + _events, "--dt", "20", "--samples", "2", "--out", In("simulate"));
        Assert.That(simulate.ExitCode, Is.EqualTo(0), simulate.ToString());
        var summary = JObject.Parse(File.ReadAllText(Path.Combine(In("simulate"), "simulation.json")));
        Assert.That((string?)summary["encoder"], Is.EqualTo("events"));
    }

    [Test]
    public void Resume_refuses_event_files_whose_spikes_changed_with_the_same_counts_and_labels()
    {
        string events = In("events-copy");
        foreach (string file in Directory.EnumerateFiles(_events, "*", SearchOption.AllDirectories))
        {
            string copy = Path.Combine(events, Path.GetRelativePath(_events, file));
            Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
            File.Copy(file, copy);
        }
        string folder = In("train-changed");
        var first = Run("train", "--dataset", "events:" + events, "--dt", "20", "--limit", "60", "--epochs", "1", "--checkpoint-every", "1", "--out", folder);
        Assert.That(first.ExitCode, Is.EqualTo(0), first.ToString());

        // Every training event's polarity flipped: same files, same event counts, same labels, other input spikes.
        foreach (string file in Directory.EnumerateFiles(Path.Combine(events, "Train"), "*.bin", SearchOption.AllDirectories))
        {
            byte[] bytes = File.ReadAllBytes(file);
            for (int b = 2; b < bytes.Length; b += 5) bytes[b] ^= 0x80;
            File.WriteAllBytes(file, bytes);
        }
        Run("train", "--resume", "--epochs", "2", "--out", folder).AssertUsageError("--resume", "changed since the checkpoint");
    }

    [Test]
    public void Compare_trains_lfp_and_the_surrogate_on_the_same_recorded_events()
    {
        string folder = In("compare");
        var result = Run("compare", "--dataset", "events:" + _events, "--dt", "20", "--limit", "200", "--epochs", "1", "--seeds", "0", "--surrogates", "atan", "--out", folder);
        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
        var json = JObject.Parse(File.ReadAllText(Path.Combine(folder, "comparison.json")));
        Assert.That((string?)json["encoder"], Is.EqualTo("events"));
        Assert.That((int)json["steps"]!, Is.EqualTo(15));
        foreach (var row in (JArray)json["rows"]!)
        {
            Assert.That((double)row["test_accuracy_mean"]!, Is.InRange(0.0, 1.0));
            // Input events cost accumulates, as every spike does: no multiplies anywhere.
            Assert.That((double)row["input_multiply_accumulates_per_sample"]!, Is.EqualTo(0));
            Assert.That((double)row["spike_accumulates_per_sample"]!, Is.GreaterThan(0));
        }
    }

    [TestCase("--encoder", "rate", "is recorded spikes already")]
    [TestCase("--max-per-bin", "3", "the network takes 0/1 input spikes")]
    [TestCase("--model", "64-100-10", "200 input channels after binning")]
    public void Event_training_flags_that_cannot_work_are_exit_2_with_one_line(string flag, string value, string expected)
    {
        string folder = In("never-" + flag.TrimStart('-'));
        var result = Run("train", "--dataset", "events:" + _events, flag, value, "--out", folder);
        result.AssertUsageError(expected);
        Assert.That(Directory.Exists(folder), Is.False);
    }

    [Test]
    public void Image_only_commands_refuse_event_data_with_one_line()
        => Run("experiment", "heaviside", "--dataset", "events:" + _events).AssertUsageError("event data sets work with");
}
