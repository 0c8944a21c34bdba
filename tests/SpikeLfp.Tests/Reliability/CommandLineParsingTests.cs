using SpikeLfp.Cli;
using SpikeLfp.Cli.Commands;
using SpikeLfp.Learning.Training;

namespace SpikeLfp.Tests.Reliability;

/// <summary>
/// What the command line gets from System.CommandLine: help generated from each command's declared flags, typo hints,
/// @response files, --name=value, and [suggest] completion; and that they keep the one-line exit-2 contract.
/// </summary>
public class CommandLineParsingTests : TempFolderTests
{
    // Every command and subcommand as the words that select it ("train", "sweep plan").
    private static IEnumerable<TestCaseData> EveryCommand()
    {
        static IEnumerable<(string[] Path, ICommand Command)> Walk(string[] path, ICommand command)
            => command.Subcommands.SelectMany(sub => Walk([.. path, sub.Name], sub)).Prepend((path, command));
        return CommandLine.Commands.SelectMany(c => Walk([c.Name], c))
            .Select(x => new TestCaseData(x.Path, x.Command).SetName($"Help_of_{string.Join("_", x.Path)}_lists_every_flag"));
    }

    [TestCaseSource(nameof(EveryCommand))]
    public void Help_lists_every_declared_flag_word_and_subcommand(string[] path, ICommand command)
    {
        var result = Cli.Run([.. path, "--help"]);
        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
        Assert.That(result.Error, Is.Empty);
        Assert.That(result.Output, Does.Contain($"spikelfp {string.Join(" ", path)}"), "usage line");
        foreach (var flag in command.Flags)
            Assert.That(result.Output, Does.Contain(flag.IsSwitch ? $"--{flag.Name} " : $"--{flag.Name} <{flag.Value}>"), $"--{flag.Name}");
        foreach (var operand in command.Operands) Assert.That(result.Output, Does.Contain($"<{operand.Name}>"));
        foreach (var sub in command.Subcommands) Assert.That(Unwrapped(result.Output), Does.Contain($" {sub.Name} ").And.Contain(sub.Summary));
    }

    // Help wraps long lines; the words and their order are what the tests read.
    private static string Unwrapped(string help) => System.Text.RegularExpressions.Regex.Replace(help, @"\s+", " ");

    [Test]
    public void Top_level_help_lists_every_command_with_its_summary()
    {
        var help = Cli.Run("--help");
        Assert.That(help.ExitCode, Is.EqualTo(0), help.ToString());
        foreach (var command in CommandLine.Commands) Assert.That(Unwrapped(help.Output), Does.Contain($" {command.Name} ").And.Contain(command.Summary));

        var bare = Cli.Run();
        Assert.That(bare.ExitCode, Is.EqualTo(2), "no command is bad usage");
        Assert.That(bare.Output, Is.EqualTo(help.Output), "and prints the same usage");
    }

    [Test]
    public void A_mistyped_flag_is_refused_with_the_nearest_one()
    {
        var result = Cli.Run("train", "--epoch", "1", "--out", Temp["out"]);
        result.AssertRefusedWithout(Temp["out"], "unknown flag --epoch", "did you mean --epochs?", "spikelfp train --help");
    }

    [Test]
    public void A_mistyped_flag_of_a_subcommand_names_the_subcommand()
        => Cli.Run("experiment", "heaviside", "--epoch", "1").AssertUsageError("spikelfp experiment heaviside: unknown flag --epoch", "did you mean --epochs?");

    [Test]
    public void A_mistyped_command_is_refused_with_the_nearest_one()
        => Cli.Run("trian", "--epochs", "1").AssertUsageError("unknown command 'trian'", "did you mean 'train'?");

    [Test]
    public void A_flag_nothing_resembles_gets_no_hint()
    {
        var result = Cli.Run("train", "--bogus", "1");
        result.AssertUsageError("unknown flag --bogus");
        Assert.That(result.ErrorLine, Does.Not.Contain("did you mean"));
    }

    [Test]
    public void Name_equals_value_is_the_same_as_name_space_value()
    {
        Cli.Run("train", "--epochs=0").AssertUsageError("spikelfp train: --epochs must be a positive integer, got 0.");
        string given = Temp["given"], equals = Temp["equals"];
        var spaced = Cli.Run(["train", .. Cli.Quick, "--epochs", "1", "--seed", "3", "--out", given]);
        var joined = Cli.Run(["train", "--model=64-16-10", "--limit=200", "--steps=6", "--batch=20", "--threads=2", "--epochs=1", "--seed=3", $"--out={equals}"]);
        Assert.That(spaced.ExitCode, Is.EqualTo(0), spaced.ToString());
        Assert.That(joined.ExitCode, Is.EqualTo(0), joined.ToString());
        Assert.That(File.ReadAllText(Path.Combine(equals, "model.json")), Is.EqualTo(File.ReadAllText(Path.Combine(given, "model.json"))));
    }

    [Test]
    public void A_response_file_stands_for_the_flags_it_holds()
    {
        string file = Temp["quick.rsp"], outFolder = Temp["out"];
        File.WriteAllLines(file, ["--model 64-16-10 --limit 200", "--steps 6", "--batch 20 --threads 2", "--epochs 1"]);
        var result = Cli.Run("train", $"@{file}", "--out", outFolder);
        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
        Assert.That(result.Output, Does.Contain("model 64-16-10, T=6, batch 20"));
        Assert.That(File.Exists(Path.Combine(outFolder, "model.json")));
    }

    [Test]
    public void A_response_file_keeps_the_bad_input_contract()
    {
        string file = Temp["bad.rsp"];
        File.WriteAllLines(file, ["--epochs 0"]);
        Cli.Run("train", $"@{file}", "--out", Temp["out"]).AssertRefusedWithout(Temp["out"], "--epochs must be a positive integer, got 0");
        Cli.Run("train", $"@{Temp["missing.rsp"]}", "--out", Temp["out"]).AssertRefusedWithout(Temp["out"], "missing.rsp");
    }

    [Test]
    public void A_command_line_in_a_response_file_stops_at_a_batch_boundary_on_ctrl_c()
    {
        string file = Temp["long.rsp"], run = Temp["run"];
        File.WriteAllLines(file, ["train --model 64-32-10 --steps 10 --batch 32 --epochs 40 --seed 3", $"--out {run}"]);
        var interrupted = Cli.SignalWhileRunning([$"@{file}"], "epoch", "INT");
        Assert.That(interrupted.ExitCode, Is.EqualTo(130), interrupted.ToString());
        Assert.That(File.Exists(Checkpoint.PathIn(run)), Is.True, "it stopped the way train stops: with a checkpoint");
    }

    [Test]
    public void A_mistyped_subcommand_is_refused_with_the_nearest_one()
        => Cli.Run("sweep", "stauts", "S").AssertUsageError("unknown subcommand 'stauts'", "did you mean 'status'?", "plan, run");

    [Test]
    public void A_switch_given_twice_is_refused() => Cli.Run("train", "--overwrite", "--overwrite").AssertUsageError("--overwrite is given twice");

    [Test]
    public void Suggest_directive_completes_flags_for_shell_completion()
    {
        var result = Cli.Run("[suggest:11]", "train --epo");
        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
        Assert.That(result.Output.Split('\n', StringSplitOptions.TrimEntries), Does.Contain("--epochs"));
    }

    [Test]
    public void Typos_finds_the_nearest_candidate_within_a_third_of_the_word()
    {
        string[] flags = ["--epochs", "--seed", "--seeds", "--steps"];
        Assert.That(Typos.Nearest("--epoch", flags), Is.EqualTo("--epochs"));
        Assert.That(Typos.Nearest("--sede", flags), Is.EqualTo("--seed"), "two letters swapped count as one edit");
        Assert.That(Typos.Nearest("--ste", flags), Is.EqualTo("--steps"), "a prefix of three letters or more");
        Assert.That(Typos.Nearest("--zzzzzz", flags), Is.Null);
    }
}
