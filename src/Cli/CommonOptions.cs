using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using SpikeLfp.Data;
using SpikeLfp.Learning.Optimizers;
using SpikeLfp.Learning.Training;
using SpikeLfp.Network;
using SpikeLfp.Network.IO;
using SpikeLfp.Network.Model;
using SpikeLfp.Network.Simulation;
using SpikeLfp.Network.Encoding;
using SpikeLfp.Network.Synapses;
using SpikeLfp.Neurons;

namespace SpikeLfp.Cli;

/// <summary>Flags shared by the commands that build, load or train networks, parsed and validated in one place.</summary>
public static class CommonOptions
{
    /// <summary>The data sets known by name, image and event ones, which completion offers for --dataset (a folder is also taken).</summary>
    public static readonly IReadOnlyList<string> DatasetNames = [.. DatasetCatalog.KnownNames, .. SpikeLfp.Data.Events.EventDatasets.KnownNames];

    /// <summary>The values of --model that name a whole network rather than its layer sizes or a file: lifcnn.</summary>
    public static readonly IReadOnlyList<string> ModelNames = [ConvSpec.LifCnnName];

    /// <summary>--reset: subtract, zero or zero-all (<see cref="NetworkSpec.ResetNames"/>).</summary>
    public static readonly Flag ResetFlag = Flag.OneOf("reset", [.. NetworkSpec.ResetNames.Keys], "subtract (default), zero (the carried membrane), or zero-all (the whole step, input included: snntorch's Synaptic and recurrent neurons); with --model F.nir: its import's reset, zero-all by default");

    /// <summary>--optimizer: the names of <see cref="OptimizerKind"/>, sgd and adam.</summary>
    public static readonly Flag OptimizerFlag = Flag.OneOf("optimizer", [.. Enum.GetValues<OptimizerKind>().Select(k => k.Name())], "sgd (default) or adam");

    /// <summary>--encoder: the encoders of feature vectors (<see cref="InputEncoders.Names"/>).</summary>
    public static readonly Flag EncoderFlag = Flag.OneOf("encoder", InputEncoders.Names, "current (same analog input every step, default), rows (step t sees image row t; the first layer takes one row), rate (Bernoulli), latency");

    /// <summary>--neuron: lif or cuba.</summary>
    public static readonly Flag NeuronFlag = Flag.OneOf("neuron", ["lif", "cuba"], "lif (default) or cuba (current-based LIF: a synaptic current drives the membrane)");

    /// <summary>--readout: spikes (the output layer spikes) or li (a non-spiking leaky integrator).</summary>
    public static readonly Flag ReadoutFlag = Flag.OneOf("readout", ["spikes", "li"], "spikes (default: the output layer spikes, prediction by spike count) or li (a non-spiking leaky integrator, prediction by its time-averaged membrane)");

    /// <summary>--dataset and --data-dir, the flags of every command that reads a data set.</summary>
    public static readonly Flag[] DataFlags =
    [
        new("dataset", "NAME", "digits (embedded, default), fashion-mnist, mnist, or a folder of IDX files") { Choices = DatasetNames },
        new("data-dir", "D", "where fetched data sets live (default: ~/.cache/spikelfp)"),
    ];

    /// <summary>--limit N.</summary>
    public static readonly Flag LimitFlag = new("limit", "N", "use only N training and N test samples, spread evenly over each set (quick runs)");

    /// <summary>--out DIR and --overwrite of the commands that write a run folder.</summary>
    public static readonly Flag[] OutFlags =
    [
        new("out", "DIR", "output folder (default: a new folder under runs/)"),
        Flag.Switch(OutputFolder.OverwriteSwitch, "replace an earlier run in --out (without it, a folder that is not empty is refused)"),
    ];

    /// <summary>--beta, --threshold, --reset and --immediate-reset: the membrane of a fresh network (or the import of a NIR graph).</summary>
    public static readonly Flag[] NeuronFlags =
    [
        new("beta", "X", "membrane leak in [0,1] (default 0.9)"),
        new("threshold", "X", "firing threshold > 0 (default 1)"),
        ResetFlag,
        Flag.Switch("immediate-reset", "reset in the step of the spike instead of the next (default: delayed, as snntorch)"),
    ];

    /// <summary>The flags shared by train-like commands.</summary>
    public static readonly Flag[] TrainingFlags =
    [
        .. DataFlags,
        new("model", "SPEC", $$"""layer sizes like 64-100-10 (default: inputs-{{NetworkSpec.DefaultHiddenSize}}-classes; rN is a recurrent layer, for example 28-r128-10), or a JSON file: an architecture {"input":64,"layers":[{"size":100,"neuron":"cuba","alpha":0.7,"recurrent":true},...]} or a model.json, or a NIR graph F.nir (with --nir-dt); convolutional: 28x28x1-c12k5-p2-c64k5-p2-10 (cNkK[sS][pP] conv, pK/apK max/avg pool), or lifcnn (that network, the reference LifCNN)""") { Choices = ModelNames },
        new("steps", "T", "simulation steps per sample (default 15; with --encoder rows, the image's rows)"),
        new("epochs", "N", "passes over the training set (default 30)"),
        new("batch", "B", "samples per update (default 32)"),
        OptimizerFlag,
        new("lr", "X", "learning rate (default 0.02)"),
        new("momentum", "X", "SGD momentum (default 0.9)"),
        new("clip", "X", "global gradient-norm clip, 0 = off (default 3)"),
        new("seed", "S", "seed of initialisation, shuffling and spike encoding (default 0)"),
        EncoderFlag,
        NeuronFlag,
        new("alpha", "X", "cuba: synaptic-current decay in [0,1] (default 0.8)"),
        ReadoutFlag,
        .. NeuronFlags,
        LimitFlag,
        new("threads", "N", "CPU threads (default: all cores)"),
        Backends.DeviceFlag,
        .. OutFlags,
        .. NirModelOptions.ModelFlags,
        .. EventOptions.BinningOnlyFlags,
    ];

    /// <summary>Default synaptic-current decay of --neuron cuba: 1 - dt / tau_syn with Norse's default tau_syn = 5 ms at dt = 1 ms.</summary>
    public const float DefaultAlpha = 0.8f;

    /// <summary>Membrane parameters from --beta, --threshold, --reset, --immediate-reset.</summary>
    public static LifParameters Neurons(Arguments a)
    {
        float beta = a.Float("beta", 0.9f);
        float threshold = a.Float("threshold", 1f);
        var reset = NetworkSpec.ResetNames[ResetFlag.Chosen(a, "subtract")];
        try { return new LifParameters(beta, threshold, reset, !a.Has("immediate-reset")); }
        catch (ArgumentException e) { throw new UsageException($"--{e.ParamName}: invalid neuron parameter: {e.Message.Split(" (Parameter")[0]}"); }
    }

    /// <summary>The neuron kind and parameters from --neuron and --alpha plus the membrane flags of <see cref="Neurons"/>.</summary>
    public static NeuronModel Neuron(Arguments a)
    {
        var membrane = Neurons(a);
        string kind = NeuronFlag.Chosen(a, "lif");
        if (kind == "lif")
        {
            if (a.Has("alpha")) throw new UsageException("--alpha: only --neuron cuba has a synaptic current.");
            return new LifNeuron(membrane);
        }
        try { return new CubaLifNeuron(membrane, a.Float("alpha", DefaultAlpha)); }
        catch (ArgumentException e) { throw new UsageException($"--alpha: invalid neuron parameter: {e.Message.Split(" (Parameter")[0]}"); }
    }

    /// <summary>
    /// The options as they apply to <paramref name="input"/>: with --encoder rows and no --steps, one step per image row;
    /// with event data, the recorded spikes and one step per bin.
    /// </summary>
    /// <exception cref="SizeLimitException">A training batch of that many steps would not fit in memory.</exception>
    public static TrainingOptions ForData(Arguments a, TrainingOptions options, InputData input, SpikingNetwork network)
    {
        var applied = input.Recorded is { } recorded ? options with { Encoder = EncoderKind.Events, Steps = recorded.Steps }
            : options.Encoder == EncoderKind.Rows && !a.Has("steps") ? options with { Steps = input.Split.Train.FeatureCount / network.InputSize } : options;
        IInputEncoder encoder = input.Recorded?.Encoder ?? InputEncoders.Create(applied.Encoder, 0, input.Split.Train.FeatureCount, network.InputSize);
        ForwardTrace.CheckSize(network, Math.Min(applied.BatchSize, Math.Max(1, input.Split.Train.Count)), applied.Steps, encoder.Kind);
        return applied;
    }

    /// <summary>
    /// The encoder and step count of a simulation of <paramref name="network"/> on <paramref name="input"/> from --encoder,
    /// --seed and --steps (default 15, or one step per image row with rows), checked against the data; event data
    /// brings its recorded spikes and one step per bin.
    /// </summary>
    public static (IInputEncoder Encoder, int Steps) SimulationInput(Arguments a, SpikingNetwork network, InputData input)
    {
        if (input.Recorded is { } recorded)
        {
            CheckFits(network, input, rows: false);
            return (recorded.Encoder, recorded.Steps);
        }
        var data = input.Split.Test;
        var kind = InputEncoders.Parse(EncoderFlag.Chosen(a, EncoderKind.Current.Name()));
        bool rows = kind == EncoderKind.Rows;
        CheckFits(network, input, rows);
        int steps = a.Int("steps", rows ? data.FeatureCount / network.InputSize : 15, 1, 100_000);
        return (InputEncoders.Create(kind, (ulong)a.Int("seed", 0, 0), data.FeatureCount, network.InputSize), steps);
    }

    /// <summary>The input encoder the options name, shaped for <paramref name="input"/> and <paramref name="network"/>; event data's recorded spikes.</summary>
    public static IInputEncoder Encoder(TrainingOptions options, InputData input, SpikingNetwork network)
        => input.Recorded?.Encoder ?? InputEncoders.Create(options.Encoder, (ulong)options.Seed, input.Split.Train.FeatureCount, network.InputSize);

    /// <summary>Training options from the shared flags.</summary>
    public static TrainingOptions Training(Arguments a, TrainingOptions? defaults = null)
    {
        var d = defaults ?? new TrainingOptions();
        var options = d with
        {
            Steps = a.Int("steps", d.Steps, 1, 100_000),
            Epochs = a.Int("epochs", d.Epochs, 1),
            BatchSize = a.Int("batch", d.BatchSize, 1, 1_000_000),
            Optimizer = OptimizerFactory.Parse(OptimizerFlag.Chosen(a, d.Optimizer.Name())),
            LearningRate = a.Float("lr", d.LearningRate, positive: true),
            Momentum = a.Float("momentum", d.Momentum),
            ClipNorm = a.Float("clip", d.ClipNorm),
            Seed = a.Int("seed", d.Seed, 0),
            Encoder = InputEncoders.Parse(EncoderFlag.Chosen(a, d.Encoder.Name())),
        };
        try { options.Validate(); }
        catch (ArgumentException e) { throw new UsageException(e.Message); }
        return options;
    }

    /// <summary>Loads the image data set named by --dataset (and --data-dir), trimmed by --limit.</summary>
    /// <exception cref="UsageException">An event data set, for a command that takes images only.</exception>
    public static DatasetSplit Data(Arguments a)
    {
        string name = a.String("dataset", "digits");
        if (SpikeLfp.Data.Events.EventDatasets.IsEventDataset(name))
            throw new UsageException($"--dataset {name}: event data sets work with train, compare, simulate and plot; this command takes images.");
        var split = DatasetCatalog.Resolve(name, a.OptionalString("data-dir"));
        int limit = a.Int("limit", int.MaxValue, 1);
        return limit == int.MaxValue ? split : new DatasetSplit(split.Train.Spread(limit), split.Test.Spread(limit));
    }

    /// <summary>
    /// True when <paramref name="network"/>'s first layer reads an image (a convolution or a pool): event frames
    /// are then binned channel-last, the layout of its input.
    /// </summary>
    public static bool ReadsImage(SpikingNetwork network) => network.Layers[0].Connection is Conv2dSynapses or PooledSynapses;

    /// <summary>
    /// True when --model names a network whose first layer reads an image: a NIR graph or model file with one, or a
    /// convolutional spec. Read before the data, which it decides the layout of; a model that does not load is
    /// reported where the network is built, so here it counts as no image.
    /// </summary>
    public static bool ModelReadsImage(Arguments a)
    {
        string? model = a.OptionalString("model");
        if (model is null) return false;
        try
        {
            if (NirModelOptions.IsNir(model)) return ReadsImage(NirModelOptions.Import(a, model));
            if (ConvSpec.IsConvSpec(model) && !File.Exists(model))
                return ConvSpec.Parse(model, LifParameters.Default).Layers[0] is var first && (first.Kind == ConvLayerKind.Conv2d || first.Pool is not null);
            if (model.EndsWith(".json", StringComparison.OrdinalIgnoreCase) && File.Exists(model))
                return ReadsImage(LoadJsonModel(a, model, Neuron(a), seed: 0));
        }
        catch (Exception e) when (e is InvalidModelException or UsageException or IOException) { }
        return false;
    }

    /// <summary>
    /// The network for --model: a compact spec (fresh seeded weights), an architecture JSON file, or a model.json
    /// (its trained weights), or a NIR graph imported as nir import would. Checked against the data set's input size
    /// and class count.
    /// </summary>
    public static SpikingNetwork Network(Arguments a, InputData input, int seed)
    {
        var data = input.Split.Train;
        bool rows = a.OptionalString(EncoderFlag.Name) == EncoderKind.Rows.Name();
        string? model = a.OptionalString("model");
        SpikingNetwork network;
        if (NirModelOptions.IsNir(model))
        {
            network = NirModelOptions.Import(a, model!);
            CheckFits(network, input, rows);
            return network;
        }
        NirModelOptions.RefuseWithoutNir(a, model, [NirModelOptions.DtFlag, "discretisation"]);
        var neuron = Neuron(a);
        bool li = ReadoutFlag.Chosen(a, "spikes") == "li";
        NetworkSpec Readout(NetworkSpec spec) => li ? spec.WithLiReadout(neuron.Membrane.Beta) : spec;
        if (li && model is not null && (ConvSpec.IsConvSpec(model) || model.EndsWith(".json", StringComparison.OrdinalIgnoreCase) || File.Exists(model)))
            throw new UsageException("--readout li: takes a compact dense spec (64-100-10); in a JSON architecture set the output layer's \"neuron\": \"li\".");
        if (model is null)
            network = SpikingNetwork.Create(Readout(NetworkSpec.Default(input.InputSize(rows), data.ClassCount, neuron)), seed);
        else if (model.EndsWith(".json", StringComparison.OrdinalIgnoreCase) || File.Exists(model))
            network = LoadJsonModel(a, model, neuron, seed);
        else
        {
            try
            {
                if (!ConvSpec.IsConvSpec(model)) network = SpikingNetwork.Create(Readout(NetworkSpec.Parse(model, neuron)), seed);
                else if (neuron is LifNeuron) network = ConvSpec.Parse(model, neuron.Membrane).Create(seed);
                else throw new UsageException($"--neuron {neuron.Kind}: convolutional specs take LIF neurons only (a JSON architecture can set each layer's neuron).");
            }
            catch (InvalidModelException e) { throw new UsageException($"--model: {e.Message}"); }
        }
        CheckFits(network, input, rows);
        return network;
    }

    /// <summary>Throws a usage error when <paramref name="network"/> cannot take the samples of <paramref name="input"/>.</summary>
    public static void CheckFits(SpikingNetwork network, InputData input, bool rows)
    {
        var data = input.Split.Train;
        if (input.Recorded is { } recorded)
        {
            if (network.InputSize != recorded.Channels)
                throw new UsageException($"--model: the network takes {network.InputSize} inputs but data set '{data.Name}' has {recorded.Channels} input channels after binning.");
        }
        else if (rows && data.FeatureCount % network.InputSize != 0)
            throw new UsageException($"--encoder rows: the network's {network.InputSize} inputs are one row per step, but data set '{data.Name}' has {data.FeatureCount} features per sample, not a whole number of such rows (its images are {data.Shape.Height}x{data.Shape.Width}).");
        else if (!rows && network.InputSize != data.FeatureCount)
            throw new UsageException($"--model: the network takes {network.InputSize} inputs but data set '{data.Name}' has {data.FeatureCount} features per sample.");
        if (network.OutputSize < data.ClassCount)
            throw new UsageException($"--model: the network has {network.OutputSize} outputs but data set '{data.Name}' has {data.ClassCount} classes.");
    }

    // Flags that set the neurons of a fresh network; a model.json brings its own trained neurons.
    private static readonly string[] FreshNeuronFlags = ["neuron", "alpha", "beta", "threshold", "reset", "immediate-reset"];

    private static SpikingNetwork LoadJsonModel(Arguments a, string path, NeuronModel neuron, int seed)
    {
        if (!File.Exists(path)) throw new InvalidModelException($"model file '{path}' does not exist.");
        JObject json;
        try { json = JObject.Parse(InputFile.ReadAllText(path, InputFile.MaxWeightsFileBytes)); }
        catch (JsonException e) { throw new InvalidModelException($"{path}: not valid JSON ({e.Message})"); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new InvalidModelException($"{path}: cannot be read ({FileErrorMessage.Reason(e)})"); }
        if (json.ContainsKey("format") && FreshNeuronFlags.FirstOrDefault(a.Has) is { } flag)
            throw new UsageException($"--{flag}: --model {path} is a trained model.json, whose neurons are saved with it; leave --{flag} out (an architecture JSON or a spec like 64-100-10 takes it).");
        return json.ContainsKey("format")
            ? ModelFile.Load(path)
            : ConvSpec.IsConvJson(json) ? ConvSpec.FromJson(json, neuron.Membrane, path).Create(seed)
            : SpikingNetwork.Create(NetworkSpec.FromJson(json, neuron, path), seed);
    }

    /// <summary>
    /// The seeds of an experiment from --seed S (one seed) or --seeds LIST (0,1,2 or 0-19), <paramref name="defaults"/>
    /// when neither is given; both at once or a seed listed twice is a usage error.
    /// </summary>
    public static int[] Seeds(Arguments a, string command, int[] defaults)
    {
        if (a.Has("seed") && a.Has("seeds")) throw new UsageException($"{command}: give --seed or --seeds, not both.");
        int[] seeds = a.Has("seed") ? [a.Int("seed", 0, 0)] : a.IntList("seeds", defaults);
        if (seeds.Distinct().Count() != seeds.Length) throw new UsageException($"{command}: --seeds lists a seed twice: '{a.OptionalString("seeds")}'.");
        return seeds;
    }
}
