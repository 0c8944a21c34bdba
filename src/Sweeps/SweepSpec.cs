using System.Globalization;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace SpikeLfp.Sweeps;

/// <summary>One flag of a task's command line: a value flag, a switch that is on, or a switch turned off.</summary>
/// <param name="Name">The flag without its dashes, for example "lr".</param>
/// <param name="Value">Its value; null for a switch.</param>
/// <param name="On">False for a switch a variation turns off (JSON false): it is left out of the command line.</param>
public sealed record Flag(string Name, string? Value, bool On = true);

/// <summary>A grid axis: one name and the values it takes; each value sets one flag or several together.</summary>
/// <param name="Name">The axis name (the flag name when its values are plain).</param>
/// <param name="Values">Per value, the flags it sets.</param>
public sealed record SweepAxis(string Name, IReadOnlyList<IReadOnlyList<Flag>> Values);

/// <summary>
/// A sweep file: a base command with its flags, optional variations (each a set of flags), and a grid whose
/// product is taken for every variation. For example
/// <c>{"command":"train","flags":{"epochs":2},"grid":{"seed":[0,1],"lr":[0.01,0.02]}}</c>.
/// </summary>
/// <param name="Command">The spikelfp command each task runs (train or compare).</param>
/// <param name="Flags">Flags of every task.</param>
/// <param name="Variations">Flag sets applied one per task group (empty: one group with no extra flags).</param>
/// <param name="Axes">Grid axes, outermost first.</param>
public sealed record SweepSpec(string Command, IReadOnlyList<Flag> Flags, IReadOnlyList<IReadOnlyList<Flag>> Variations, IReadOnlyList<SweepAxis> Axes)
{
    /// <summary>Flags the sweep sets itself, so a sweep file may not.</summary>
    public static readonly IReadOnlySet<string> Reserved = new HashSet<string> { "out", "resume", "overwrite" };

    // Flags whose value may be a file or folder: made absolute at planning, since tasks run inside the sweep folder.
    private static readonly string[] PathFlags = ["data-dir", "dataset", "model"];

    /// <summary>
    /// Reads and checks a sweep file against the commands it may name (<paramref name="commands"/>: name to flags).
    /// Relative paths in path flags are taken relative to the file's folder.
    /// </summary>
    public static SweepSpec Load(string path, IReadOnlyDictionary<string, CommandFlags> commands)
    {
        if (!File.Exists(path)) throw new SweepException($"{path}: no such sweep file.");
        JObject root;
        try { root = JObject.Parse(File.ReadAllText(path)); }
        catch (JsonException e) { throw new SweepException($"{path}: not valid JSON ({e.Message})"); }
        catch (IOException e) { throw new SweepException($"{path}: cannot be read ({e.Message})"); }
        return Parse(root, path, commands, Path.GetDirectoryName(Path.GetFullPath(path))!);
    }

    /// <summary>Checks a parsed sweep file; <paramref name="source"/> names it in messages.</summary>
    public static SweepSpec Parse(JObject root, string source, IReadOnlyDictionary<string, CommandFlags> commands, string baseFolder)
    {
        foreach (var p in root.Properties())
            if (p.Name is not ("command" or "flags" or "grid" or "variations"))
                throw new SweepException($"{source}: unknown key \"{p.Name}\" (expected command, flags, grid, variations).");
        string command = root["command"] is JValue { Type: JTokenType.String } c ? (string)c! : throw new SweepException($"{source}: \"command\" must name the command to run: {string.Join(" or ", commands.Keys)}.");
        if (!commands.TryGetValue(command, out var known))
            throw new SweepException($"{source}: \"command\" must be {string.Join(" or ", commands.Keys)}, got \"{command}\".");
        var reader = new FlagReader(source, command, known, baseFolder);

        var flags = root["flags"] is null ? [] : reader.Flags(root["flags"]!, "flags");
        var variations = new List<IReadOnlyList<Flag>>();
        if (root["variations"] is { } v)
        {
            if (v is not JArray { Count: > 0 } list) throw new SweepException($"{source}: \"variations\" must be a non-empty list of flag objects.");
            for (int i = 0; i < list.Count; i++) variations.Add(reader.Flags(list[i], $"variations[{i}]"));
        }
        var axes = new List<SweepAxis>();
        if (root["grid"] is { } g)
        {
            if (g is not JObject grid) throw new SweepException($"{source}: \"grid\" must be an object of axis name to a list of values.");
            foreach (var axis in grid.Properties())
            {
                if (axis.Value is not JArray { Count: > 0 } values)
                    throw new SweepException($"{source}: grid axis \"{axis.Name}\" must be a non-empty list of values.");
                axes.Add(new SweepAxis(axis.Name, values.Select((value, i) => value is JObject
                    ? reader.Flags(value, $"grid.{axis.Name}[{i}]")
                    : (IReadOnlyList<Flag>)[reader.Flag(axis.Name, value, $"grid.{axis.Name}[{i}]")]).ToList()));
            }
        }
        return new SweepSpec(command, flags, variations, axes);
    }

    private sealed class FlagReader(string source, string command, CommandFlags known, string baseFolder)
    {
        public IReadOnlyList<Flag> Flags(JToken token, string where)
        {
            if (token is not JObject o) throw new SweepException($"{source}: {where} must be an object of flag name to value.");
            return o.Properties().Select(p => Flag(p.Name, p.Value, $"{where}.{p.Name}")).ToList();
        }

        public Flag Flag(string name, JToken value, string where)
        {
            if (Reserved.Contains(name)) throw new SweepException($"{source}: {where}: --{name} is set by the sweep itself; leave it out.");
            bool isSwitch = known.Switches.Contains(name);
            if (!isSwitch && !known.Values.Contains(name))
                throw new SweepException($"{source}: {where}: '{command}' has no flag --{name}.");
            if (isSwitch)
                return value.Type == JTokenType.Boolean ? new Flag(name, null, (bool)value!) : throw new SweepException($"{source}: {where}: --{name} is a switch: true or false.");
            string text = value.Type switch
            {
                JTokenType.String => (string)value!,
                JTokenType.Integer => ((long)value).ToString(CultureInfo.InvariantCulture),
                JTokenType.Float => ((double)value).ToString("R", CultureInfo.InvariantCulture),
                _ => throw new SweepException($"{source}: {where}: --{name} needs a string or a number."),
            };
            if (PathFlags.Contains(name) && !Path.IsPathRooted(text) && Path.Exists(Path.Combine(baseFolder, text)))
                text = Path.GetFullPath(Path.Combine(baseFolder, text));
            return new Flag(name, text);
        }
    }
}
