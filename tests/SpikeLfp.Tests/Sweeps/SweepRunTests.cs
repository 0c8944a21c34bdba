using Newtonsoft.Json.Linq;
using SpikeLfp.Tests.Reliability;
using SpikeCli = SpikeLfp.Tests.Reliability.Cli;

namespace SpikeLfp.Tests.Sweeps;

/// <summary>
/// spikelfp sweep run, status and collect on tiny digits sweeps: tasks run as real spikelfp processes, finished ones
/// are skipped, failures recorded, a stopped sweep resumes to the same models, and collect reports partial sweeps.
/// </summary>
public class SweepRunTests : TempFolderTests
{
    private string Plan(string json, string name = "S")
    {
        File.WriteAllText(Temp[name + ".json"], json.Replace("TINY", Tiny));
        var result = SpikeCli.Run("sweep", "plan", Temp[name + ".json"], "--out", Temp[name]);
        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
        return Temp[name];
    }

    // Flags of a tiny digits run; "TINY" in a sweep file below stands for them.
    private const string Tiny = "\"model\": \"64-16-10\", \"limit\": 100, \"steps\": 6, \"batch\": 20, \"threads\": 1";

    [Test]
    public void Run_with_two_jobs_finishes_every_task_then_skips_them_and_collect_reports_the_seed_spread()
    {
        string s = Plan("""{"command": "train", "flags": {TINY, "epochs": 2}, "grid": {"seed": [0, 1], "lr": [0.01, 0.05]}}""");
        var run = SpikeCli.Run("sweep", "run", s, "--jobs", "2");
        Assert.That(run.ExitCode, Is.EqualTo(0), run.ToString());
        Assert.That(run.Output, Does.Contain("4 of 4 tasks done (4 in this run"));
        var finished = Enumerable.Range(0, 4).Select(i => File.GetLastWriteTimeUtc(Path.Combine(s, $"tasks/000{i}/done.json"))).ToArray();

        var again = SpikeCli.Run("sweep", "run", s, "--jobs", "2");
        Assert.That(again.ExitCode, Is.EqualTo(0), again.ToString());
        Assert.That(again.Output, Does.Contain("4 of 4 tasks done (0 in this run"));
        Assert.That(Enumerable.Range(0, 4).Select(i => File.GetLastWriteTimeUtc(Path.Combine(s, $"tasks/000{i}/done.json"))), Is.EqualTo(finished));

        var status = SpikeCli.Run("sweep", "status", s);
        Assert.That(status.Output, Does.Contain("4 tasks: 4 done, 0 running, 0 failed, 0 pending"));

        var collect = SpikeCli.Run("sweep", "collect", s);
        Assert.That(collect.ExitCode, Is.EqualTo(0), collect.ToString());
        var metrics = Enumerable.Range(0, 4).Select(i => JObject.Parse(File.ReadAllText(Path.Combine(s, $"tasks/000{i}/run/metrics.json")))).ToArray();
        var csv = File.ReadAllLines(Path.Combine(s, "results.csv"));
        Assert.That(csv[0], Is.EqualTo("task,configuration,rule,seed,lr,test_accuracy,train_accuracy,epochs,seconds"));
        Assert.That(csv.Skip(1).Select(line => line.Split(',')[..6]), Is.EqualTo(metrics.Select((m, i) => new[]
        {
            $"{i}", $"lfp lr={(i % 2 == 0 ? "0.01" : "0.05")}", "lfp", $"{i / 2}", i % 2 == 0 ? "0.01" : "0.05", ((double)m["test_accuracy"]!).ToString("R", System.Globalization.CultureInfo.InvariantCulture),
        })));

        var json = JObject.Parse(File.ReadAllText(Path.Combine(s, "results.json")));
        Assert.That((int)json["finished"]!, Is.EqualTo(4));
        foreach (var c in json["configurations"]!)
        {
            string lr = ((string)c["configuration"]!).Split('=')[1];
            var values = metrics.Where((_, i) => (i % 2 == 0 ? "0.01" : "0.05") == lr).Select(m => (double)m["test_accuracy"]!).ToArray();
            Assert.That((double)c["test_accuracy_mean"]!, Is.EqualTo(values.Average()).Within(1e-12));
            Assert.That((double)c["test_accuracy_min"]!, Is.EqualTo(values.Min()));
            Assert.That((double)c["test_accuracy_max"]!, Is.EqualTo(values.Max()));
            Assert.That((double)c["test_accuracy_sd"]!, Is.EqualTo(Math.Abs(values[0] - values[1]) / Math.Sqrt(2)).Within(1e-12));
        }
        string report = File.ReadAllText(Path.Combine(s, "report.md"));
        Assert.That(report, Does.Contain("4 of 4 tasks finished").And.Contain("| configuration | seeds | mean | sd | min | max |")
            .And.Contain("![accuracy per configuration](accuracy.png)").And.Contain("![training curves](curves.png)"));
        foreach (string plot in new[] { "accuracy.png", "accuracy.svg", "curves.png", "curves.svg" })
            Assert.That(new FileInfo(Path.Combine(s, plot)).Length, Is.GreaterThan(1000), plot);
    }

    [Test]
    public void A_failing_task_is_recorded_with_its_exit_code_and_last_stderr_line_and_collect_says_what_is_missing()
    {
        // --threshold -1 passes the plan (a number) but the command refuses it: exit 2 with one line on stderr.
        string s = Plan("""{"command": "train", "flags": {TINY, "epochs": 1}, "grid": {"threshold": [1, -1]}}""");
        var run = SpikeCli.Run("sweep", "run", s);
        Assert.That(run.ExitCode, Is.EqualTo(1), run.ToString());
        Assert.That(run.Output, Does.Contain("task 1 (threshold=-1): FAILED (exit 2): spikelfp train: --threshold"));

        var failed = JObject.Parse(File.ReadAllText(Path.Combine(s, "tasks/0001/failed.json")));
        Assert.That((int)failed["exit_code"]!, Is.EqualTo(2));
        string lastLine = File.ReadAllLines(Path.Combine(s, "tasks/0001/stderr.log")).Last(l => l.Trim().Length > 0);
        Assert.That((string)failed["last_error"]!, Is.EqualTo(lastLine));

        var status = SpikeCli.Run("sweep", "status", s);
        Assert.That(status.Output, Does.Contain("2 tasks: 1 done, 0 running, 1 failed, 0 pending"));
        Assert.That(status.Output, Does.Contain($"failed   task 1 (threshold=-1): exit 2: {lastLine}"));

        var collect = SpikeCli.Run("sweep", "collect", s);
        Assert.That(collect.ExitCode, Is.EqualTo(0), collect.ToString());
        Assert.That(collect.Output, Does.Contain("(1 of 2 tasks)").And.Contain("missing 1 tasks: 1 failed (tasks 1)"));
        Assert.That(File.ReadAllLines(Path.Combine(s, "results.csv")), Has.Length.EqualTo(2));
        Assert.That(File.ReadAllText(Path.Combine(s, "report.md")), Does.Contain("**Partial:** missing 1 failed (tasks 1)").And.Contain("failed with exit 2"));
        var missing = JObject.Parse(File.ReadAllText(Path.Combine(s, "results.json")))["missing"]!.Single();
        Assert.That(((int)missing["task"]!, (string?)missing["status"], (int)missing["exit_code"]!), Is.EqualTo((1, "failed", 2)));
    }

    [Test]
    public void A_task_that_restarts_replaces_what_its_earlier_attempt_left_in_its_run_folder()
    {
        // An attempt killed mid-run leaves its lock file and partial output but nothing to continue from, so the next
        // attempt starts again with --overwrite instead of being refused for the folder it wrote itself.
        string s = Plan("""{"command": "compare", "flags": {"model": "64-8-10", "limit": 40, "steps": 4, "epochs": 1, "seeds": "0", "surrogates": "atan", "threads": 1}}""");
        string run = Path.Combine(s, "tasks/0000/run");
        Directory.CreateDirectory(run);
        File.WriteAllText(Path.Combine(run, SpikeLfp.Cli.OutputFolder.LockFileName), "12345\n");
        File.WriteAllText(Path.Combine(run, "comparison.json"), "{\"partial\":");

        var result = SpikeCli.Run("sweep", "run", s);

        Assert.That(result.ExitCode, Is.EqualTo(0), result + File.ReadAllText(Path.Combine(s, "tasks/0000/stderr.log")));
        Assert.That(JObject.Parse(File.ReadAllText(Path.Combine(run, "comparison.json")))["rows"], Is.Not.Null, "the new attempt's comparison");
    }

    [Test]
    public void A_stopped_compare_task_continues_from_what_it_saved_to_the_uninterrupted_result()
    {
        string[] flags = ["--model", "64-8-10", "--limit", "40", "--steps", "4", "--epochs", "2", "--seeds", "0,1", "--surrogates", "atan", "--threads", "1"];
        string s = Plan("""{"command": "compare", "flags": {"model": "64-8-10", "limit": 40, "steps": 4, "epochs": 2, "seeds": "0,1", "surrogates": "atan", "threads": 1}}""");
        string run = Path.Combine(s, "tasks/0000/run");
        // An attempt stopped before its first batch, as SIGTERM from scancel leaves it: the LFP run's checkpoint saved.
        using (var stop = new CancellationTokenSource())
        {
            stop.Cancel();
            Assert.That(SpikeCli.Run(stop.Token, ["compare", .. flags, "--out", run]).ExitCode, Is.EqualTo(130));
        }
        Assert.That(File.Exists(Path.Combine(run, SpikeLfp.Sweeps.TaskRunner.CompareProgressFile)), Is.True);

        var result = SpikeCli.Run("sweep", "run", s);

        Assert.That(result.ExitCode, Is.EqualTo(0), result + File.ReadAllText(Path.Combine(s, "tasks/0000/stderr.log")));
        Assert.That(JObject.Parse(File.ReadAllText(Path.Combine(s, "tasks/0000/done.json")))["resumed"]!.Value<bool>(), Is.True);
        string reference = Temp["reference"];
        Assert.That(SpikeCli.Run(["compare", .. flags, "--out", reference]).ExitCode, Is.EqualTo(0));
        Assert.That(StopSignalTests.Rows(run).ToString(), Is.EqualTo(StopSignalTests.Rows(reference).ToString()));
    }

    [Test]
    public void Ctrl_c_stops_the_running_tasks_and_the_next_run_resumes_them_to_the_same_models_as_an_uninterrupted_sweep()
    {
        // The whole digits set, 30 epochs of a network large enough that an epoch takes a noticeable time: a task is
        // stopped after its first checkpoint with 29 epochs to go, so the stop arrives long before its end even when
        // the machine is busy (a 64-16-10, T=6 task took about a second and sometimes finished first).
        string json = """{"command": "train", "flags": {"model": "64-64-10", "steps": 20, "batch": 20, "threads": 1, "epochs": 30}, "grid": {"seed": [0, 1]}}""";
        string stopped = Plan(json, "stopped"), whole = Plan(json, "whole");

        using var stop = new CancellationTokenSource();
        var running = Task.Run(() => SpikeCli.Run(stop.Token, "sweep", "run", stopped, "--jobs", "2"));
        string checkpoint = Path.Combine(stopped, "tasks/0000/run/checkpoint.json");
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (!File.Exists(checkpoint) && !running.IsCompleted && DateTime.UtcNow < deadline) Thread.Sleep(50);
        stop.Cancel();
        var interrupted = running.Result;
        Assert.That(interrupted.ExitCode, Is.EqualTo(130), interrupted.ToString());
        Assert.That(interrupted.ErrorLine, Does.Contain("continue with: spikelfp sweep run"));
        Assert.That(File.Exists(Path.Combine(stopped, "tasks/0000/done.json")), Is.False, "the task must have been stopped before its end");
        Assert.That(SpikeCli.Run("sweep", "status", stopped).Output, Does.Contain("2 tasks: 0 done, 0 running, 0 failed, 2 pending"));

        var resumed = SpikeCli.Run("sweep", "run", stopped, "--jobs", "2");
        Assert.That(resumed.ExitCode, Is.EqualTo(0), resumed.ToString());
        Assert.That(File.ReadAllText(Path.Combine(stopped, "tasks/0000/stdout.log")), Does.Contain("resuming LFP"));
        Assert.That(SpikeCli.Run("sweep", "run", whole, "--jobs", "2").ExitCode, Is.EqualTo(0));
        foreach (string task in new[] { "tasks/0000/run", "tasks/0001/run" })
        {
            Assert.That(File.ReadAllBytes(Path.Combine(stopped, task, "model.json")), Is.EqualTo(File.ReadAllBytes(Path.Combine(whole, task, "model.json"))), task);
            Assert.That(Accuracies(Path.Combine(stopped, task)), Is.EqualTo(Accuracies(Path.Combine(whole, task))), task);
        }
    }

    [Test]
    public void A_second_run_on_the_same_folder_refuses_while_the_first_holds_its_lock()
    {
        string s = Plan("""{"command": "train", "grid": {"seed": [0]}}""");
        using (new FileStream(Path.Combine(s, ".run.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None))
        {
            var second = SpikeCli.Run("sweep", "run", s);
            Assert.That(second.ExitCode, Is.EqualTo(2), second.ToString());
            Assert.That(second.ErrorLine, Does.Contain("is already being run by another 'spikelfp sweep run'").And.Not.Contain("\n"));
        }
        Assert.That(Directory.Exists(Path.Combine(s, "tasks")), Is.False, "nothing ran");
    }

    /// <summary>Train and test accuracy of every epoch of a run (its metrics.json, without the timings).</summary>
    public static double[] Accuracies(string run)
        => JObject.Parse(File.ReadAllText(Path.Combine(run, "metrics.json")))["epochs"]!
            .SelectMany(e => new[] { (double)e["train_accuracy"]!, (double)e["test_accuracy"]! }).ToArray();
}
