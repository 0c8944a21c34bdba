using Newtonsoft.Json.Linq;
using SpikeLfp.Data;
using SpikeLfp.Learning.Training;

namespace SpikeLfp.Tests.Reliability;

/// <summary>
/// --resume and the data and checkpoint it continues from: the same folder named relatively or absolutely is the
/// same data set, a data set whose pixels or labels changed is refused, and so is a progress beyond the epoch.
/// </summary>
public class ResumeDataTests : TempFolderTests
{
    private string IdxFolder()
    {
        string folder = Temp["idx"];
        Directory.CreateDirectory(folder);
        var random = new Random(5);
        foreach (var (images, labels, count) in new[] { (IdxDataset.TrainImagesFile, IdxDataset.TrainLabelsFile, 40), (IdxDataset.TestImagesFile, IdxDataset.TestLabelsFile, 12) })
        {
            var pixels = new byte[count * 8];
            random.NextBytes(pixels);
            IdxFormat.WriteImages(Path.Combine(folder, images), pixels, count, 2, 4);
            IdxFormat.WriteLabels(Path.Combine(folder, labels), Enumerable.Range(0, count).Select(i => (byte)(i % 3)).ToArray());
        }
        return folder;
    }

    private string CheckpointedRunOn(string dataset)
    {
        string run = Temp["run"];
        var result = Cli.Run("train", "--dataset", dataset, "--model", "8-6-3", "--steps", "4", "--batch", "8", "--epochs", "1", "--checkpoint-every", "1", "--out", run);
        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
        return run;
    }

    [Test]
    public void A_relative_dataset_resumes_when_given_as_an_absolute_path_and_the_checkpoint_stores_it_absolute()
    {
        string folder = IdxFolder();
        string run = CheckpointedRunOn(Path.GetRelativePath(Environment.CurrentDirectory, folder));
        var saved = JObject.Parse(File.ReadAllText(Checkpoint.PathIn(run)))["arguments"]!;
        Assert.That(saved["dataset"]!.Value<string>(), Is.EqualTo(folder));
        Assert.That(saved["data-hash"]!.Value<string>(), Does.StartWith("sha256:"));

        var resumed = Cli.Run("train", "--resume", "--out", run, "--dataset", folder, "--epochs", "2");
        Assert.That(resumed.ExitCode, Is.EqualTo(0), resumed.ToString());
    }

    [TestCase(IdxDataset.TrainLabelsFile)]
    [TestCase(IdxDataset.TestImagesFile)]
    public void A_data_set_changed_since_the_checkpoint_is_refused(string changed)
    {
        string folder = IdxFolder();
        string run = CheckpointedRunOn(folder);
        string path = Path.Combine(folder, changed);
        if (changed == IdxDataset.TrainLabelsFile)
        {
            var labels = IdxFormat.ReadLabels(path);
            labels[0] = (byte)((labels[0] + 1) % 3); // one label, same count
            IdxFormat.WriteLabels(path, labels);
        }
        else
        {
            var (pixels, count, rows, cols) = IdxFormat.ReadImages(path);
            pixels[5] ^= 0xff; // one test pixel
            IdxFormat.WriteImages(path, pixels, count, rows, cols);
        }
        var result = Cli.Run("train", "--resume", "--out", run, "--epochs", "2");
        result.AssertUsageError("--resume", "changed since the checkpoint");
    }

    [Test]
    public void A_checkpoint_whose_next_batch_is_beyond_the_epoch_is_refused()
    {
        string run = CheckpointedRunOn(IdxFolder());
        string path = Checkpoint.PathIn(run);
        var json = JObject.Parse(File.ReadAllText(path));
        json["in_progress"] = new JObject
        {
            ["epoch"] = 2, ["next_batch"] = 999, ["correct"] = 0, ["reward_total"] = 0.0, ["spike_totals"] = new JArray(0.0, 0.0), ["train_seconds"] = 0.0,
        };
        File.WriteAllText(path, Checkpoint.WithChecksum(json.ToString()));
        Cli.Run("train", "--resume", "--out", run, "--epochs", "2").AssertUsageError("'next_batch' is 999", "beyond the 5 batches");
    }

    [Test]
    public void A_checkpoint_changed_by_hand_is_refused_at_the_command_line()
    {
        string run = CheckpointedRunOn(IdxFolder());
        string path = Checkpoint.PathIn(run);
        File.WriteAllText(path, File.ReadAllText(path).Replace("\"lr\": 0.02", "\"lr\": 0.03"));
        Cli.Run("train", "--resume", "--out", run, "--epochs", "2").AssertUsageError("checkpoint.json", "'checksum' does not match");
    }
}
