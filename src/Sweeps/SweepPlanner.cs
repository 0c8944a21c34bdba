namespace SpikeLfp.Sweeps;

/// <summary>Expands a sweep file into its numbered tasks: variations outermost, then the grid axes in file order.</summary>
public static class SweepPlanner
{
    /// <summary>Folder of all tasks inside a sweep folder.</summary>
    public const string TasksFolder = "tasks";

    /// <summary>The tasks of <paramref name="spec"/>, numbered from 0; the same spec always gives the same tasks.</summary>
    public static IReadOnlyList<SweepTask> Expand(SweepSpec spec, bool checkpoints)
    {
        var variations = spec.Variations.Count == 0 ? [[]] : spec.Variations;
        var combinations = new List<List<Flag>>();
        foreach (var variation in variations)
        {
            IEnumerable<List<Flag>> product = [[.. spec.Flags, .. variation]];
            foreach (var axis in spec.Axes)
                product = product.SelectMany(flags => axis.Values.Select(value => new List<Flag>([.. flags, .. value])));
            combinations.AddRange(product);
        }
        var merged = combinations.Select(Merge).ToList();
        var varying = merged.SelectMany(m => m.Keys).Distinct()
            .Where(name => merged.Select(m => m.TryGetValue(name, out var f) ? f : null).Distinct().Count() > 1).ToList();
        int width = Math.Max(4, (merged.Count - 1).ToString(System.Globalization.CultureInfo.InvariantCulture).Length);
        return merged.Select((flags, i) =>
        {
            string folder = $"{TasksFolder}/{i.ToString(System.Globalization.CultureInfo.InvariantCulture).PadLeft(width, '0')}";
            var settings = varying.Where(flags.ContainsKey).ToDictionary(name => name, name => flags[name].Value ?? "");
            return new SweepTask(i, folder, CommandLine(spec.Command, flags, checkpoints, folder + "/run"), settings, checkpoints);
        }).ToList();
    }

    // Later flags override earlier ones (a variation or axis over the base flags); a switch turned off disappears.
    private static Dictionary<string, Flag> Merge(List<Flag> flags)
    {
        var merged = new Dictionary<string, Flag>();
        var order = new List<string>();
        foreach (var flag in flags)
        {
            if (!merged.ContainsKey(flag.Name)) order.Add(flag.Name);
            merged[flag.Name] = flag;
        }
        return order.Where(n => merged[n].On).ToDictionary(n => n, n => merged[n]);
    }

    private static string[] CommandLine(string command, Dictionary<string, Flag> flags, bool checkpoints, string runFolder)
    {
        var args = new List<string> { command };
        foreach (var flag in flags.Values)
        {
            args.Add("--" + flag.Name);
            if (flag.Value is not null) args.Add(flag.Value);
        }
        // Every epoch, so a stopped or pre-empted task loses at most one epoch.
        if (checkpoints && !flags.ContainsKey(CheckpointFlag)) args.AddRange(["--" + CheckpointFlag, "1"]);
        args.AddRange(["--out", runFolder]);
        return args.ToArray();
    }

    /// <summary>The flag that makes a checkpointing command save every N epochs.</summary>
    public const string CheckpointFlag = "checkpoint-every";
}
