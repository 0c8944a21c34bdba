using Newtonsoft.Json.Linq;
using SpikeLfp.Tests.Reliability;
using SpikeCli = SpikeLfp.Tests.Reliability.Cli;

namespace SpikeLfp.Tests.Sweeps;

/// <summary>spikelfp sweep plan: the tasks a sweep file expands into, and its refusals (exit 2, one line, nothing written).</summary>
public class SweepPlanTests : TempFolderTests
{
    private string SweepFile(string json)
    {
        string path = Temp["sweep.json"];
        File.WriteAllText(path, json);
        return path;
    }

    private static JObject[] Tasks(string folder) => File.ReadAllLines(Path.Combine(folder, "tasks.jsonl")).Select(JObject.Parse).ToArray();

    [Test]
    public void Plan_takes_variations_outermost_then_the_grid_in_file_order_with_exact_command_lines()
    {
        string file = SweepFile("""
            {"command": "train", "flags": {"epochs": 2, "limit": 100, "immediate-reset": true},
             "variations": [{"optimizer": "sgd"}, {"optimizer": "adam", "lr": 0.002, "immediate-reset": false}],
             "grid": {"seed": [0, 1], "lr": [0.01, 0.05]}}
            """);
        var result = SpikeCli.Run("sweep", "plan", file, "--out", Temp["S"]);
        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
        var tasks = Tasks(Temp["S"]);
        Assert.That(tasks, Has.Length.EqualTo(8));
        Assert.That(tasks.Select(t => (int)t["index"]!), Is.EqualTo(Enumerable.Range(0, 8)));
        Assert.That(tasks[0]["args"]!.Values<string>(), Is.EqualTo(new[]
        {
            "train", "--epochs", "2", "--limit", "100", "--immediate-reset", "--optimizer", "sgd", "--seed", "0", "--lr", "0.01",
            "--checkpoint-every", "1", "--out", "tasks/0000/run",
        }));
        // The axis value overrides the variation's lr; the switch the variation turns off is gone.
        Assert.That(tasks[7]["args"]!.Values<string>(), Is.EqualTo(new[]
        {
            "train", "--epochs", "2", "--limit", "100", "--optimizer", "adam", "--lr", "0.05", "--seed", "1",
            "--checkpoint-every", "1", "--out", "tasks/0007/run",
        }));
        Assert.That(tasks.Select(t => ((JObject)t["settings"]!).ToString(Newtonsoft.Json.Formatting.None)).Take(3), Is.EqualTo(new[]
        {
            """{"immediate-reset":"","optimizer":"sgd","seed":"0","lr":"0.01"}""",
            """{"immediate-reset":"","optimizer":"sgd","seed":"0","lr":"0.05"}""",
            """{"immediate-reset":"","optimizer":"sgd","seed":"1","lr":"0.01"}""",
        }));
    }

    [Test]
    public void Planning_the_same_file_twice_gives_the_same_tasks_and_a_different_plan_is_refused()
    {
        string file = SweepFile("""{"command": "compare", "flags": {"epochs": 1}, "grid": {"seeds": [0, 1, 2], "rates": [{"lfp-lr": 0.01, "surrogate-lr": 0.001}, {"lfp-lr": 0.02, "surrogate-lr": 0.002}]}}""");
        Assert.That(SpikeCli.Run("sweep", "plan", file, "--out", Temp["S"]).ExitCode, Is.EqualTo(0));
        string first = File.ReadAllText(Temp["S/tasks.jsonl"]);
        var again = SpikeCli.Run("sweep", "plan", file, "--out", Temp["S"]);
        Assert.That(again.ExitCode, Is.EqualTo(0), again.ToString());
        Assert.That(again.Output, Does.Contain("already holds this plan"));
        Assert.That(File.ReadAllText(Temp["S/tasks.jsonl"]), Is.EqualTo(first));
        var tasks = Tasks(Temp["S"]);
        Assert.That(tasks, Has.Length.EqualTo(6));
        Assert.That(tasks[1]["args"]!.Values<string>(), Is.EqualTo(new[] { "compare", "--epochs", "1", "--seeds", "0", "--lfp-lr", "0.02", "--surrogate-lr", "0.002", "--out", "tasks/0001/run" }),
            "compare writes no checkpoints: no --checkpoint-every");

        File.WriteAllText(file, """{"command": "compare", "flags": {"epochs": 2}, "grid": {"seeds": [0, 1, 2]}}""");
        var changed = SpikeCli.Run("sweep", "plan", file, "--out", Temp["S"]);
        Assert.That(changed.ExitCode, Is.EqualTo(2));
        Assert.That(changed.ErrorLine, Does.Contain("already holds a different sweep plan").And.Not.Contain("\n"));
        Assert.That(File.ReadAllText(Temp["S/tasks.jsonl"]), Is.EqualTo(first));
    }

    [TestCase("""{"command": "train", "grid": {"learning-rate": [0.1]}}""", "grid.learning-rate[0]: 'train' has no flag --learning-rate")]
    [TestCase("""{"command": "train", "flags": {"out": "x"}}""", "flags.out: --out is set by the sweep itself")]
    [TestCase("""{"command": "simulate"}""", "\"command\" must be train or compare, got \"simulate\"")]
    [TestCase("""{"flags": {}}""", "\"command\" must name the command to run")]
    [TestCase("""{"command": "train", "grid": {"seed": []}}""", "grid axis \"seed\" must be a non-empty list")]
    [TestCase("""{"command": "train", "flags": {"immediate-reset": "yes"}}""", "--immediate-reset is a switch: true or false")]
    [TestCase("""{"command": "train", "flags": {"lr": [1]}}""", "--lr needs a string or a number")]
    [TestCase("""{"command": "train", "seeds": [1]}""", "unknown key \"seeds\"")]
    [TestCase("""{"command": "train", """, "not valid JSON")]
    public void A_bad_sweep_file_is_one_line_naming_the_file_and_what_is_wrong_and_writes_nothing(string json, string message)
    {
        string file = SweepFile(json);
        var result = SpikeCli.Run("sweep", "plan", file, "--out", Temp["S"]);
        Assert.That(result.ExitCode, Is.EqualTo(2), result.ToString());
        Assert.That(result.ErrorLine, Does.StartWith("spikelfp sweep: plan: " + file).And.Contain(message).And.Not.Contain("\n"));
        Assert.That(Directory.Exists(Temp["S"]), Is.False);
    }

    [Test]
    public void Sweep_commands_on_a_folder_that_was_not_planned_or_with_bad_flags_are_one_line_exit_2()
    {
        Directory.CreateDirectory(Temp["empty"]);
        foreach (var args in new[] { new[] { "run", Temp["empty"] }, ["status", Temp["empty"]], ["collect", Temp["empty"]], ["slurm", Temp["empty"]] })
        {
            var result = SpikeCli.Run(["sweep", .. args]);
            Assert.That(result.ExitCode, Is.EqualTo(2), result.ToString());
            Assert.That(result.ErrorLine, Does.Contain("is not a planned sweep (no tasks.jsonl)").And.Not.Contain("\n"));
        }
        Assert.That(SpikeCli.Run("sweep", "plan", SweepFile("""{"command": "train", "grid": {"seed": [0, 1]}}"""), "--out", Temp["S"]).ExitCode, Is.EqualTo(0));
        string[][] bad =
        [
            ["sweep", "run", Temp["S"], "--jobs", "0"],
            ["sweep", "task", Temp["S"], "--index", "2"],
            ["sweep", "task", Temp["S"]],
            ["sweep", "slurm", Temp["S"], "--time", "an hour"],
            ["sweep", "slurm", Temp["S"], "--mem", "4 GB"],
            ["sweep", "slurm", Temp["S"], "--partition", "a\n#SBATCH --x"],
            ["sweep", "frobnicate", Temp["S"]],
            ["sweep", "plan", "--out", Temp["S"]],
        ];
        foreach (var args in bad)
        {
            var result = SpikeCli.Run(args);
            Assert.That(result.ExitCode, Is.EqualTo(2), string.Join(" ", args) + "\n" + result);
            Assert.That(result.ErrorLine, Does.StartWith("spikelfp sweep").And.Not.Contain("\n"), string.Join(" ", args));
        }
        Assert.That(File.Exists(Temp["S/sweep.sbatch"]), Is.False);
    }

    [Test]
    public void The_slurm_script_is_an_array_over_the_unfinished_tasks_with_a_throttle_and_requeue()
    {
        Assert.That(SpikeCli.Run("sweep", "plan", SweepFile("""{"command": "train", "grid": {"seed": [0, 1, 2, 3, 4, 5]}}"""), "--out", Temp["S"]).ExitCode, Is.EqualTo(0));
        foreach (int done in new[] { 1, 2 })
        {
            Directory.CreateDirectory(Temp[$"S/tasks/000{done}"]);
            File.WriteAllText(Temp[$"S/tasks/000{done}/done.json"], "{}");
        }
        var result = SpikeCli.Run("sweep", "slurm", Temp["S"], "--partition", "gpu", "--time", "1:00:00", "--cpus-per-task", "2", "--mem", "4G", "--max-parallel", "3");
        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
        string script = File.ReadAllText(Temp["S/sweep.sbatch"]);
        Assert.That(script, Does.StartWith("#!/bin/bash\n"));
        Assert.That(script, Does.Contain("\n#SBATCH --array=0,3-5%3\n"));
        Assert.That(script, Does.Contain("\n#SBATCH --requeue\n"));
        Assert.That(script, Does.Contain("\n#SBATCH --partition=gpu\n#SBATCH --time=1:00:00\n#SBATCH --cpus-per-task=2\n#SBATCH --mem=4G\n"));
        Assert.That(script, Does.Contain($" sweep task {Temp["S"]} --index \"$SLURM_ARRAY_TASK_ID\"\n"));
        Assert.That(Directory.Exists(Temp["S/slurm"]), Is.True, "sbatch needs the log folder to exist");
    }
}
