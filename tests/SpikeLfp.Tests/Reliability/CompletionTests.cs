using SpikeLfp.Cli;
using SpikeLfp.Cli.Commands;
using SpikeLfp.Learning.Optimizers;
using SpikeLfp.Network.Encoding;
using SpikeLfp.Network.Model;

namespace SpikeLfp.Tests.Reliability;

/// <summary>
/// Value completion: a flag with a closed set of values offers them to [suggest] (what shell completion calls), shows
/// them in --help, and accepts exactly them, all read from its one declaration.
/// </summary>
public class CompletionTests
{
    // Every command and subcommand as the words that select it, with its declaration.
    private static IEnumerable<(string[] Path, ICommand Command)> Commands()
    {
        static IEnumerable<(string[] Path, ICommand Command)> Walk(string[] path, ICommand command)
            => command.Subcommands.SelectMany(sub => Walk([.. path, sub.Name], sub)).Prepend((path, command));
        return CommandLine.Commands.SelectMany(c => Walk([c.Name], c));
    }

    private static IEnumerable<TestCaseData> FlagsWithValues()
        => Commands().SelectMany(c => c.Command.Flags.Where(f => f.Choices.Count > 0)
            .Select(f => new TestCaseData(c.Path, f).SetName($"Completion_of_{string.Join("_", c.Path)}_--{f.Name}_offers_its_values")));

    // The words [suggest] offers at the end of the command line.
    private static string[] Suggestions(string line)
    {
        var result = Cli.Run($"[suggest:{line.Length}]", line);
        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
        Assert.That(result.Error, Is.Empty);
        return result.Output.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
    }

    [TestCaseSource(nameof(FlagsWithValues))]
    public void Every_flag_with_known_values_offers_them_after_the_flag(string[] path, Flag flag)
        => Assert.That(Suggestions($"{string.Join(" ", path)} --{flag.Name} "), Is.EquivalentTo(flag.Choices));

    [Test]
    public void Completion_offers_the_values_that_start_with_what_was_typed_first()
    {
        Assert.That(Suggestions("train --optimizer a")[0], Is.EqualTo("adam"));
        Assert.That(Suggestions("compare --surrogate-loss mse")[0], Is.EqualTo("mse-count"));
    }

    [Test]
    public void Completion_offers_the_kinds_of_plot_and_the_known_data_sets()
    {
        Assert.That(Suggestions("plot "), Is.SupersetOf(new[] { "raster", "traces", "histograms", "weights", "curves" }));
        Assert.That(Suggestions("train --dataset "), Is.EquivalentTo(new[] { "digits", "fashion-mnist", "mnist", "shd", "ssc", "nmnist" }));
        Assert.That(Suggestions("data inspect --dataset "), Is.EquivalentTo(new[] { "shd", "ssc", "nmnist" }));
    }

    [Test]
    public void Choice_flags_take_their_values_from_the_library_names()
    {
        Assert.That(CommonOptions.OptimizerFlag.Choices, Is.EqualTo(Enum.GetValues<OptimizerKind>().Select(k => k.Name())));
        Assert.That(CommonOptions.EncoderFlag.Choices, Is.EqualTo(InputEncoders.Names));
        Assert.That(CommonOptions.ResetFlag.Choices, Is.EqualTo(NetworkSpec.ResetNames.Keys));
    }

    private static IEnumerable<TestCaseData> ClosedFlags()
        => Commands().SelectMany(c => c.Command.Flags).Where(f => f.Value == string.Join("|", f.Choices) && f.Choices.Count > 0)
            .DistinctBy(f => (f.Name, string.Join(",", f.Choices)))
            .Select(f => new TestCaseData(f).SetName($"Closed_flag_--{f.Name}_accepts_exactly_{string.Join("_", f.Choices)}"));

    [TestCaseSource(nameof(ClosedFlags))]
    public void A_closed_flag_accepts_each_of_its_values_and_refuses_others_naming_them(Flag flag)
    {
        static Arguments Parse(Flag flag, string value) => new("cmd", [$"--{flag.Name}", value], new HashSet<string> { flag.Name }, new HashSet<string>());
        foreach (string value in flag.Choices) Assert.That(flag.Chosen(Parse(flag, value), flag.Choices[0]), Is.EqualTo(value));
        Assert.That(flag.Chosen(new Arguments("cmd", [], new HashSet<string> { flag.Name }, new HashSet<string>()), flag.Choices[^1]), Is.EqualTo(flag.Choices[^1]), "the default when not given");
        Assert.That(() => flag.Chosen(Parse(flag, "bogus"), flag.Choices[0]),
            Throws.TypeOf<UsageException>().With.Message.EqualTo($"cmd: --{flag.Name} must be one of {string.Join(", ", flag.Choices)}, got 'bogus'."));
    }

    [Test]
    public void Help_shows_the_values_of_a_closed_flag()
    {
        var help = Cli.Run("compare", "--help");
        Assert.That(help.ExitCode, Is.EqualTo(0), help.ToString());
        Assert.That(help.Output, Does.Contain("--lfp-optimizer <sgd|adam>").And.Contain("--surrogate-optimizer <adam|sgd>")
            .And.Contain("--surrogate-loss <ce-rate|ce-count|mse-count>").And.Contain("--device <cpu|gpu|auto>"));
    }

    [Test]
    public void A_bad_value_of_a_closed_flag_is_still_one_line_and_exit_2()
    {
        Cli.Run("train", "--encoder", "morse").AssertUsageError("--encoder must be one of current, rows, rate, latency, got 'morse'.");
        Cli.Run("bench", "--workload", "cnn").AssertUsageError("--workload must be one of all, mlp, recurrent, events, lifcnn, got 'cnn'.");
    }
}
