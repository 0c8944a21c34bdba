using SpikeLfp.Cli;

namespace SpikeLfp.Tests.Reliability;

/// <summary>Lists of integers on the command line (--seeds, --neurons): single values, ranges, and what is refused.</summary>
public class IntListTests
{
    private static int[] Parse(string text)
        => new Arguments("test", ["--seeds", text], new HashSet<string> { "seeds" }, new HashSet<string>()).IntList("seeds", []);

    [TestCase("0,1,2", new[] { 0, 1, 2 })]
    [TestCase("7", new[] { 7 })]
    [TestCase("0-4", new[] { 0, 1, 2, 3, 4 })]
    [TestCase("3-3", new[] { 3 })]
    [TestCase("0-2, 10, 12-13", new[] { 0, 1, 2, 10, 12, 13 })]
    public void Values_and_inclusive_ranges_are_expanded_in_order(string text, int[] expected)
        => Assert.That(Parse(text), Is.EqualTo(expected));

    [TestCase("")]
    [TestCase("1,,2")]
    [TestCase("-1")]
    [TestCase("5-2")]
    [TestCase("1-")]
    [TestCase("a-b")]
    [TestCase("0-99999999")]
    [TestCase("1.5")]
    public void Anything_else_is_a_usage_error_naming_the_flag(string text)
    {
        var error = Assert.Throws<UsageException>(() => Parse(text))!;
        Assert.That(error.Message, Does.Contain("--seeds").And.Contain("ranges A-B"));
    }

    [Test]
    public void Without_the_flag_the_fallback_is_returned()
        => Assert.That(new Arguments("test", [], new HashSet<string> { "seeds" }, new HashSet<string>()).IntList("seeds", [0, 1, 2]), Is.EqualTo(new[] { 0, 1, 2 }));
}
