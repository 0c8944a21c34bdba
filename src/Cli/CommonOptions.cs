using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using SpikeLfp.Data;
using SpikeLfp.Learning.Training;
using SpikeLfp.Network.Model;
using SpikeLfp.Neurons;

namespace SpikeLfp.Cli;

/// <summary>Flags shared by the commands that build, load or train networks, parsed and validated in one place.</summary>
public static class CommonOptions
{
    /// <summary>Flags taking a value, shared by train-like commands.</summary>
    public static readonly string[] TrainingFlags =
        ["dataset", "data-dir", "model", "steps", "epochs", "batch", "optimizer", "lr", "momentum", "clip", "seed",
         "encoder", "beta", "threshold", "reset", "limit", "out", "threads", "device"];

    /// <summary>Switches shared by train-like commands.</summary>
    public static readonly string[] TrainingSwitches = ["immediate-reset"];

    /// <summary>Help lines of --dataset and --data-dir, for commands that take only data flags.</summary>
    public const string DataHelp = """
          --dataset NAME   digits (embedded, default), fashion-mnist, mnist, or a folder of IDX files
          --data-dir D     where fetched data sets live (default: ~/.cache/spikelfp)
        """;

    /// <summary>Help lines of --limit and --out.</summary>
    public const string LimitAndOutHelp = """
          --limit N        use only N training and N test samples, spread evenly over each set (quick runs)
          --out DIR        output folder (default: a new folder under runs/)
        """;

    /// <summary>Help text of the shared flags.</summary>
    public const string TrainingHelp = """
          --dataset NAME     digits (embedded, default), fashion-mnist, mnist, or a folder of IDX files
          --data-dir D       where fetched data sets live (default: ~/.cache/spikelfp)
          --model SPEC       layer sizes like 64-100-10 (default: inputs-100-classes), or a JSON file:
                             an architecture {"input":64,"layers":[{"size":100,"beta":0.9},...]} or a model.json;
                             convolutional: 28x28x1-c12k5-p2-c64k5-p2-10 (cNkK[sS][pP] conv, pK/apK max/avg pool),
                             or lifcnn (that network, the reference LifCNN)
          --steps T          simulation steps per sample (default 15)
          --epochs N         passes over the training set (default 30)
          --batch B          samples per update (default 32)
          --optimizer NAME   sgd (default) or adam
          --lr X             learning rate (default 0.02)
          --momentum X       SGD momentum (default 0.9)
          --clip X           global gradient-norm clip, 0 = off (default 3)
          --seed S           seed of initialisation, shuffling and spike encoding (default 0)
          --encoder NAME     current (same analog input every step, default), rate (Bernoulli), latency
          --beta X           membrane leak in [0,1] (default 0.9)
          --threshold X      firing threshold > 0 (default 1)
          --reset MODE       subtract (default) or zero
          --immediate-reset  reset in the step of the spike instead of the next (default: delayed, as snntorch)
          --limit N          use only N training and N test samples, spread evenly over each set (quick runs)
          --threads N        CPU threads (default: all cores)
          --out DIR          output folder (default: a new folder under runs/)
        """;

    /// <summary>Neuron parameters from --beta, --threshold, --reset, --immediate-reset.</summary>
    public static LifParameters Neurons(Arguments a)
    {
        float beta = a.Float("beta", 0.9f);
        float threshold = a.Float("threshold", 1f);
        var reset = a.Choice("reset", "subtract", "subtract", "zero") == "zero" ? ResetMode.Zero : ResetMode.Subtract;
        try { return new LifParameters(beta, threshold, reset, !a.Has("immediate-reset")); }
        catch (ArgumentException e) { throw new UsageException($"--{e.ParamName}: invalid neuron parameter: {e.Message.Split(" (Parameter")[0]}"); }
    }

    /// <summary>Training options from the shared flags.</summary>
    public static TrainingOptions Training(Arguments a, TrainingOptions? defaults = null)
    {
        var d = defaults ?? new TrainingOptions();
        var options = d with
        {
            Steps = a.Int("steps", d.Steps, 1, 100_000),
            Epochs = a.Int("epochs", d.Epochs, 1),
            BatchSize = a.Int("batch", d.BatchSize, 1, 1_000_000),
            Optimizer = a.Choice("optimizer", d.Optimizer, "sgd", "adam"),
            LearningRate = a.Float("lr", d.LearningRate, positive: true),
            Momentum = a.Float("momentum", d.Momentum),
            ClipNorm = a.Float("clip", d.ClipNorm),
            Seed = a.Int("seed", d.Seed, 0),
            Encoder = a.Choice("encoder", d.Encoder, "current", "rate", "latency"),
        };
        try { options.Validate(); }
        catch (ArgumentException e) { throw new UsageException(e.Message); }
        return options;
    }

    /// <summary>Loads the data set named by --dataset (and --data-dir), trimmed by --limit.</summary>
    public static DatasetSplit Data(Arguments a)
    {
        string name = a.String("dataset", "digits");
        var split = DatasetCatalog.Resolve(name, a.OptionalString("data-dir"));
        int limit = a.Int("limit", int.MaxValue, 1);
        return limit == int.MaxValue ? split : new DatasetSplit(split.Train.Spread(limit), split.Test.Spread(limit));
    }

    /// <summary>
    /// The network for --model: a compact spec (fresh seeded weights), an architecture JSON file, or a model.json
    /// (its trained weights). Checked against the data set's input size and class count.
    /// </summary>
    public static SpikingNetwork Network(Arguments a, Dataset data, int seed)
    {
        var neurons = Neurons(a);
        string? model = a.OptionalString("model");
        SpikingNetwork network;
        if (model is null)
            network = SpikingNetwork.Create(NetworkSpec.Parse($"{data.FeatureCount}-100-{data.ClassCount}", neurons), seed);
        else if (model.EndsWith(".json", StringComparison.OrdinalIgnoreCase) || File.Exists(model))
            network = LoadJsonModel(model, neurons, seed);
        else
        {
            try { network = ConvSpec.IsConvSpec(model) ? ConvSpec.Parse(model, neurons).Create(seed) : SpikingNetwork.Create(NetworkSpec.Parse(model, neurons), seed); }
            catch (InvalidModelException e) { throw new UsageException($"--model: {e.Message}"); }
        }
        if (network.InputSize != data.FeatureCount)
            throw new UsageException($"--model: the network takes {network.InputSize} inputs but data set '{data.Name}' has {data.FeatureCount} features per sample.");
        if (network.OutputSize < data.ClassCount)
            throw new UsageException($"--model: the network has {network.OutputSize} outputs but data set '{data.Name}' has {data.ClassCount} classes.");
        return network;
    }

    private static SpikingNetwork LoadJsonModel(string path, LifParameters neurons, int seed)
    {
        if (!File.Exists(path)) throw new InvalidModelException($"model file '{path}' does not exist.");
        JObject json;
        try { json = JObject.Parse(File.ReadAllText(path)); }
        catch (JsonException e) { throw new InvalidModelException($"{path}: not valid JSON ({e.Message})"); }
        catch (IOException e) { throw new InvalidModelException($"{path}: cannot be read ({e.Message})"); }
        return json.ContainsKey("format")
            ? ModelFile.Load(path)
            : ConvSpec.IsConvJson(json) ? ConvSpec.FromJson(json, neurons, path).Create(seed)
            : SpikingNetwork.Create(NetworkSpec.FromJson(json, neurons, path), seed);
    }

    /// <summary>
    /// The output folder: --out, or runs/&lt;command&gt;-&lt;timestamp&gt;. Created here, after the inputs were
    /// validated, and checked to be writable so no run starts that cannot save its results.
    /// </summary>
    public static string OutputFolder(Arguments a, string command)
    {
        string folder = a.OptionalString("out") ?? Path.Combine("runs", $"{command}-{DateTime.Now:yyyyMMdd-HHmmss}");
        if (File.Exists(folder)) throw new UsageException($"--out: '{folder}' is a file, not a folder.");
        try
        {
            Directory.CreateDirectory(folder);
            string probe = Path.Combine(folder, $".write-test-{Environment.ProcessId}");
            File.WriteAllText(probe, "");
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"--out: cannot write to '{folder}': {e.Message}");
        }
        return folder;
    }
}
