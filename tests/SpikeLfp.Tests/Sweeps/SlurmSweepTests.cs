using System.Diagnostics;
using SpikeLfp.Tests.Reliability;
using SpikeCli = SpikeLfp.Tests.Reliability.Cli;

namespace SpikeLfp.Tests.Sweeps;

/// <summary>
/// A sweep through a real SLURM cluster (build/slurm/start.sh runs a one-node one; .ci/run starts it): the array's
/// results equal sweep run's; an element requeued mid-run resumes in the same array, and one cancelled mid-run is
/// resubmitted alone and resumes; every model ends identical to sweep run's.
/// Skipped, with the reason, when sbatch is missing or no cluster answers.
/// </summary>
[Category("Slurm")]
[NonParallelizable]
public class SlurmSweepTests : TempFolderTests
{
    // Two optimizer set-ups of LFP x two seeds on the whole digits set, 12 epochs of a network large enough that an epoch
    // takes a noticeable time: a task is cancelled after its first checkpoint with 11 epochs still to go (a 64-16-10,
    // T=6, 3-epoch task sometimes finished first), short enough for CI.
    private const string Sweep = """
        {"command": "train",
         "flags": {"model": "64-64-10", "steps": 20, "batch": 20, "threads": 1, "epochs": 12},
         "variations": [{"optimizer": "sgd", "lr": 0.02}, {"optimizer": "adam", "lr": 0.002}],
         "grid": {"seed": [0, 1]}}
        """;

    private static readonly TimeSpan JobTimeout = TimeSpan.FromMinutes(5);

    [OneTimeSetUp]
    public void RequireCluster()
    {
        if (Which("sbatch") is null)
            Assert.Ignore("SLURM is not installed (no sbatch on PATH); as root, build/slurm/start.sh installs and starts a one-node cluster.");
        // The cluster of build/slurm/start.sh, when the caller did not source its env.sh.
        string conf = Path.Combine(Environment.GetEnvironmentVariable("SPIKELFP_SLURM_DIR") ?? "/tmp/spikelfp-slurm", "slurm.conf");
        if (Environment.GetEnvironmentVariable("SLURM_CONF") is null && File.Exists(conf)) Environment.SetEnvironmentVariable("SLURM_CONF", conf);
        var (exit, output, error) = Execute("sinfo", "--noheader", "--format", "%T");
        if (exit != 0 || !output.Split('\n').Any(s => s.StartsWith("idle") || s.StartsWith("mixed") || s.StartsWith("alloc")))
            Assert.Ignore($"no SLURM cluster answers (sinfo: exit {exit}, '{(output + error).Trim()}'); start one with build/slurm/start.sh (as root).");
    }

    [Test]
    public void A_submitted_array_matches_sweep_run_after_a_requeued_element_and_a_cancelled_one_resubmitted_alone()
    {
        string local = Plan("local"), cluster = Plan("cluster");
        var run = SpikeCli.Run("sweep", "run", local, "--jobs", "2");
        Assert.That(run.ExitCode, Is.EqualTo(0), run.ToString());

        var submit = SpikeCli.Run("sweep", "slurm", cluster, "--max-parallel", "2", "--cpus-per-task", "1", "--submit");
        Assert.That(submit.ExitCode, Is.EqualTo(0), submit.ToString());
        Assert.That(submit.Output, Does.Contain("array 0-3 (4 of 4 tasks)"));
        Assert.That(File.ReadAllText(Path.Combine(cluster, "sweep.sbatch")), Does.Contain("#SBATCH --array=0-3%2\n"));
        string job = JobId(submit.Output);

        // Once elements 0 and 1 have written their first checkpoint: cancel 0, and requeue 1 as a pre-emption would
        // (made eligible at once; SLURM otherwise holds a requeued job for about two minutes).
        string[] checkpoints = [Path.Combine(cluster, "tasks/0000/run/checkpoint.json"), Path.Combine(cluster, "tasks/0001/run/checkpoint.json")];
        var deadline = DateTime.UtcNow + JobTimeout;
        while (!checkpoints.All(File.Exists) && DateTime.UtcNow < deadline) Thread.Sleep(50);
        Assert.That(checkpoints.All(File.Exists), Is.True, $"tasks 0 and 1 wrote no checkpoint; {Logs(cluster)}");
        Assert.That(Execute("scancel", $"{job}_0").Exit, Is.EqualTo(0));
        Assert.That(Execute("scontrol", "requeue", $"{job}_1").Exit, Is.EqualTo(0));
        Thread.Sleep(500);
        Execute("scontrol", "update", $"JobId={job}_1", "StartTime=now");
        WaitForQueue(job, cluster);
        Assert.That(File.Exists(Path.Combine(cluster, "tasks/0000/done.json")), Is.False, "task 0 finished before it could be cancelled");
        Assert.That(File.ReadAllText(Path.Combine(cluster, "tasks/0001/stdout.log")), Does.Contain("resuming LFP"), "the requeued element resumes its task");
        var status = SpikeCli.Run("sweep", "status", cluster);
        Assert.That(status.Output, Does.Contain("4 tasks: 3 done, 0 running, 0 failed, 1 pending"), status.ToString());

        var resubmit = SpikeCli.Run("sweep", "slurm", cluster, "--submit");
        Assert.That(resubmit.ExitCode, Is.EqualTo(0), resubmit.ToString());
        Assert.That(resubmit.Output, Does.Contain("array 0 (1 of 4 tasks)"), "only the cancelled task is submitted again");
        WaitForQueue(JobId(resubmit.Output), cluster);
        Assert.That(SpikeCli.Run("sweep", "status", cluster).Output, Does.Contain("4 tasks: 4 done"), Logs(cluster));
        Assert.That(File.ReadAllText(Path.Combine(cluster, "tasks/0000/stdout.log")), Does.Contain("resuming LFP"));
        Assert.That(SpikeCli.Run("sweep", "slurm", cluster, "--submit").Output, Does.Contain("nothing to submit"));

        for (int i = 0; i < 4; i++)
        {
            string task = $"tasks/000{i}/run";
            Assert.That(File.ReadAllBytes(Path.Combine(cluster, task, "model.json")), Is.EqualTo(File.ReadAllBytes(Path.Combine(local, task, "model.json"))), task);
            Assert.That(SweepRunTests.Accuracies(Path.Combine(cluster, task)), Is.EqualTo(SweepRunTests.Accuracies(Path.Combine(local, task))), task);
        }
        Assert.That(SpikeCli.Run("sweep", "collect", local).ExitCode, Is.EqualTo(0));
        Assert.That(SpikeCli.Run("sweep", "collect", cluster).ExitCode, Is.EqualTo(0));
        Assert.That(WithoutSeconds(Path.Combine(cluster, "results.csv")), Is.EqualTo(WithoutSeconds(Path.Combine(local, "results.csv"))));
        Assert.That(WithoutSeconds(Path.Combine(cluster, "results.csv")), Has.Length.EqualTo(5));
        Assert.That(File.ReadAllText(Path.Combine(cluster, "report.md")), Does.Contain("4 of 4 tasks finished"));
    }

    [Test]
    public void A_sweep_with_more_tasks_than_the_clusters_MaxArraySize_is_refused_in_one_line()
    {
        // The one-node cluster keeps SLURM's default MaxArraySize of 1001: task 1001 cannot be an array index.
        File.WriteAllText(Temp["big.json"], """{"command": "train", "grid": {"seed": [""" + string.Join(", ", Enumerable.Range(0, 1002)) + "]}}");
        Assert.That(SpikeCli.Run("sweep", "plan", Temp["big.json"], "--out", Temp["big"]).ExitCode, Is.EqualTo(0));
        var result = SpikeCli.Run("sweep", "slurm", Temp["big"]);
        Assert.That(result.ExitCode, Is.EqualTo(2), result.ToString());
        Assert.That(result.ErrorLine, Does.Contain("task 1001 is beyond this cluster's MaxArraySize 1001").And.Not.Contain("\n"));
        Assert.That(File.Exists(Temp["big/sweep.sbatch"]), Is.False);
    }

    private string Plan(string name)
    {
        File.WriteAllText(Temp[name + ".json"], Sweep);
        var plan = SpikeCli.Run("sweep", "plan", Temp[name + ".json"], "--out", Temp[name]);
        Assert.That(plan.ExitCode, Is.EqualTo(0), plan.ToString());
        return Temp[name];
    }

    private static string JobId(string output) => output.TrimEnd().Split('\n')[^1].Trim();

    private static void WaitForQueue(string job, string sweep)
    {
        var deadline = DateTime.UtcNow + JobTimeout;
        while (DateTime.UtcNow < deadline)
        {
            var (exit, output, _) = Execute("squeue", "--noheader", "--jobs", job);
            if (exit != 0 || output.Trim().Length == 0) return;
            Thread.Sleep(250);
        }
        Execute("scancel", job);
        Assert.Fail($"job {job} did not finish within {JobTimeout}; {Logs(sweep)}");
    }

    // results.csv without its last column (wall-clock seconds differ between runs).
    private static string[] WithoutSeconds(string csv) => File.ReadAllLines(csv).Select(l => l[..l.LastIndexOf(',')]).ToArray();

    private static string Logs(string sweep)
    {
        string folder = Path.Combine(sweep, "slurm");
        return Directory.Exists(folder) ? "SLURM logs: " + string.Join(" | ", Directory.GetFiles(folder).Select(f => File.ReadAllText(f).Trim())) : "no SLURM logs";
    }

    private static string? Which(string program)
        => (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(d => Path.Combine(d, program)).FirstOrDefault(File.Exists);

    private static (int Exit, string Output, string Error) Execute(string program, params string[] args)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output, error.Result);
    }
}
