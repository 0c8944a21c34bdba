using SpikeLfp.Network.IO;
using System.Globalization;
using SpikeLfp.Network.Model;
using SpikeLfp.Nir;

namespace SpikeLfp.Cli;

/// <summary>
/// The NIR import choices (time step, discretisation, reset) parsed in one place: for `nir inspect|import|export`
/// and for `--model F.nir` on train, compare, simulate and plot, so every command builds the same network from
/// the same file and flags as `nir import`.
/// </summary>
public static class NirModelOptions
{
    /// <summary>The time step of a --model F.nir in seconds; not --dt, which is the event bin width in ms.</summary>
    public const string DtFlag = "nir-dt";

    /// <summary>--discretisation: euler or exact, how time constants become per-step factors.</summary>
    public static readonly Flag DiscretisationFlag = Flag.OneOf("discretisation", ["euler", "exact"], "euler (snnTorch, Norse; default) or exact (beta = exp(-dt/tau))");

    /// <summary>--nir-dt and --discretisation: how a --model F.nir is imported (train and compare take --reset and --immediate-reset with their neuron flags).</summary>
    public static readonly Flag[] ModelFlags =
    [
        new(DtFlag, "D", "--model F.nir (a NIR graph, see 'spikelfp nir --help'): its time step in seconds (required; the --dt of nir import)"),
        DiscretisationFlag with { Description = "--model F.nir: euler (default) or exact" },
    ];

    /// <summary>Every flag a --model F.nir reads, for the commands that load a model file (simulate, plot).</summary>
    public static readonly Flag[] Flags =
    [
        .. ModelFlags,
        CommonOptions.ResetFlag with { Description = "--model F.nir: zero-all (default), zero or subtract, as nir import" },
        Flag.Switch("immediate-reset", "--model F.nir: reset in the step of the spike (default: the step after), as nir import"),
    ];

    // Flags that a --model F.nir reads and a model.json refuses.
    private static readonly string[] ImportFlags = [.. Flags.Select(f => f.Name)];

    // Flags that describe the neurons of a freshly built network; a NIR graph brings its own.
    private static readonly string[] NeuronFlags = ["neuron", "alpha", "readout", "beta", "threshold"];

    /// <summary>True when --model names a NIR graph (by its .nir extension).</summary>
    public static bool IsNir(string? model) => model?.EndsWith(".nir", StringComparison.OrdinalIgnoreCase) == true;

    /// <summary>
    /// The import options from the time step flag <paramref name="dtFlag"/> (<paramref name="defaultDt"/> when not
    /// given; null makes it required), --discretisation, --reset (default zero-all) and --immediate-reset.
    /// </summary>
    public static NirImportOptions Parse(Arguments a, string dtFlag, string? defaultDt, string? model = null)
    {
        string binWidth = dtFlag != "dt" && a.Has("dt") ? " (--dt is the bin width of event data in ms)" : "";
        string text = a.OptionalString(dtFlag) ?? defaultDt
            ?? throw new UsageException($"--model {model}: a NIR graph needs --{dtFlag} D, the time step in seconds its time constants are discretised with{binWidth}.");
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double dt) || !double.IsFinite(dt) || dt <= 0)
            throw new UsageException($"--{dtFlag} must be a time step in seconds > 0, got '{text}'.");
        var rule = DiscretisationFlag.Chosen(a, "euler") == "exact" ? NirDiscretisation.Exact : NirDiscretisation.Euler;
        var reset = NetworkSpec.ResetNames[CommonOptions.ResetFlag.Chosen(a, "zero-all")];
        return new NirImportOptions(dt, rule, reset, DelayedReset: !a.Has("immediate-reset"));
    }

    /// <summary>The options of a --model F.nir (for a resumable run's settings); null for any other model.</summary>
    public static NirImportOptions? ForModel(Arguments a)
        => a.OptionalString("model") is { } model && IsNir(model) ? Parse(a, DtFlag, null, model) : null;

    /// <summary>
    /// The network of --model F.nir on train and compare: the neuron flags of a fresh network are refused (the graph
    /// sets its neurons), the import flags apply.
    /// </summary>
    public static SpikingNetwork Import(Arguments a, string path)
    {
        if (NeuronFlags.FirstOrDefault(a.Has) is { } flag)
            throw new UsageException($"--{flag}: --model {path} is a NIR graph, which sets its own neurons; leave --{flag} out (a NIR model takes --{DtFlag}, --discretisation, --reset, --immediate-reset).");
        var options = Parse(a, DtFlag, null, path);
        // HDF5 would open a FIFO and wait for a writer forever.
        try { if (File.Exists(path)) InputFile.CheckRegular(path); }
        catch (IOException e) { throw new InvalidModelException($"{path}: cannot be read ({FileErrorMessage.Reason(e)})"); }
        return NirImporter.ToNetwork(NirReader.Read(path), options, path);
    }

    /// <summary>The model file of simulate and plot: a model.json written by train or nir import, or a NIR graph.</summary>
    public static SpikingNetwork Load(Arguments a, string path)
    {
        if (IsNir(path)) return Import(a, path);
        RefuseWithoutNir(a, path, ImportFlags);
        return ModelFile.Load(path);
    }

    /// <summary>A usage error when one of <paramref name="flags"/> is given with a --model that is not a NIR graph.</summary>
    public static void RefuseWithoutNir(Arguments a, string? model, IEnumerable<string> flags)
    {
        if (flags.FirstOrDefault(a.Has) is { } flag)
            throw new UsageException($"--{flag}: applies to a NIR graph (--model F.nir), not to --model {model ?? "(default)"}.");
    }
}
