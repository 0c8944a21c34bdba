using System.Globalization;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using SpikeLfp.Learning.Optimizers;
using SpikeLfp.Network.Encoding;
using SpikeLfp.Network.IO;
using SpikeLfp.Network.Model;

namespace SpikeLfp.Learning.Training;

/// <summary>
/// Everything needed to continue a training run exactly where it stopped: the network's weights, the
/// optimizer's state, the settings, how far training got (completed epochs and, when it stopped inside an
/// epoch, the next batch and that epoch's sums so far), the metrics of the completed epochs, and the
/// command-line arguments the caller needs to rebuild its inputs (data set, limit, ...).
/// </summary>
/// <remarks>
/// There is no random-number state to save: the data order of an epoch comes from (seed, epoch) alone
/// (<see cref="EpochSchedule.Order"/>), spike encoders draw from a counter-based generator keyed by
/// (seed, sample key) (<see cref="EpochSchedule.TrainingKey"/>), and initial weights are only drawn before
/// the first epoch. Seed, epoch and batch index therefore determine every random draw that is still to come.
/// Weights travel as model JSON (shortest round-trip floats, read back exactly); optimizer buffers and the
/// epoch sums as base64 float32 and round-trip doubles, so a resumed run is bit-identical to an
/// uninterrupted one.
/// </remarks>
public sealed record Checkpoint(
    TrainingRule Rule,
    TrainingOptions Options,
    SpikingNetwork Network,
    OptimizerState Optimizer,
    IReadOnlyList<EpochMetrics> Metrics,
    EpochProgress? InProgress,
    IReadOnlyDictionary<string, string> Arguments)
{
    /// <summary>Identifies the file kind.</summary>
    public const string Format = "spikelfp-checkpoint";
    /// <summary>Current format version: 2 carries a checksum of its content. Version 1 (no checksum) is still read.</summary>
    public const int Version = 2;
    private const int FirstVersion = 1;
    /// <summary>The key of the checksum: "sha256:" and the hex SHA-256 of the rest of the document in canonical form.</summary>
    public const string ChecksumKey = "checksum";
    /// <summary>The file name inside a run's output folder.</summary>
    public const string FileName = "checkpoint.json";

    /// <summary>Epochs finished (their metrics are in <see cref="Metrics"/>).</summary>
    public int CompletedEpochs => Metrics.Count;

    /// <summary>The path of the checkpoint of the run in <paramref name="folder"/>.</summary>
    public static string PathIn(string folder) => System.IO.Path.Combine(folder, FileName);

    /// <summary>
    /// Takes a checkpoint of <paramref name="trainer"/> after <paramref name="metrics"/> (completed epochs) and,
    /// if it stopped inside an epoch, <paramref name="inProgress"/> (copied).
    /// </summary>
    public static Checkpoint Of(ILfpBatchTrainer trainer, IReadOnlyList<EpochMetrics> metrics, EpochProgress? inProgress, IReadOnlyDictionary<string, string> arguments)
    {
        trainer.SyncNetwork();
        EpochProgress? copy = null;
        if (inProgress is { NextBatch: > 0 })
        {
            copy = new EpochProgress(inProgress.Epoch, inProgress.SpikeTotals.Length)
            {
                NextBatch = inProgress.NextBatch, Correct = inProgress.Correct, RewardTotal = inProgress.RewardTotal, TrainSeconds = inProgress.TrainSeconds,
            };
            inProgress.SpikeTotals.CopyTo(copy.SpikeTotals, 0);
        }
        return new Checkpoint(TrainingRule.Lfp, trainer.Options, trainer.Network.Clone(), trainer.SaveOptimizerState(), metrics.ToArray(), copy, new Dictionary<string, string>(arguments));
    }

    /// <summary>Gives <paramref name="trainer"/> (built from <see cref="Network"/> and <see cref="Options"/>) the saved optimizer state.</summary>
    public void RestoreOptimizer(ILfpBatchTrainer trainer) => trainer.LoadOptimizerState(Optimizer);

    /// <summary>The checkpoint JSON text.</summary>
    /// <exception cref="NumericalInstabilityException">A weight or optimizer value is NaN or infinite: such a state is never saved.</exception>
    public string ToJson()
    {
        for (int k = 0; k < Network.Layers.Count; k++)
            if (!Network.Layers[k].Parameters().All(AllFinite))
                throw new NumericalInstabilityException($"refusing to save a checkpoint: layer {Network.LayerName(k)} has non-finite weights.");
        foreach (var (name, arrays) in Optimizer.Buffers)
            if (!arrays.All(AllFinite))
                throw new NumericalInstabilityException($"refusing to save a checkpoint: optimizer buffer '{name}' has non-finite values.");
        var root = new JObject
        {
            ["format"] = Format,
            ["version"] = Version,
            ["rule"] = Rule.Key,
            ["completed_epochs"] = CompletedEpochs,
            ["options"] = OptionsToJson(Options),
            ["arguments"] = new JObject(Arguments.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => new JProperty(p.Key, p.Value))),
            ["in_progress"] = InProgress is null ? null : new JObject
            {
                ["epoch"] = InProgress.Epoch,
                ["next_batch"] = InProgress.NextBatch,
                ["correct"] = InProgress.Correct,
                ["reward_total"] = InProgress.RewardTotal,
                ["spike_totals"] = new JArray(InProgress.SpikeTotals),
                ["train_seconds"] = InProgress.TrainSeconds,
            },
            ["metrics"] = new JArray(Metrics.Select(m => m.ToJson())),
            ["optimizer"] = new JObject
            {
                ["kind"] = Optimizer.Kind.Name(),
                ["steps"] = Optimizer.Steps,
                ["buffers"] = new JObject(Optimizer.Buffers.OrderBy(p => p.Key, StringComparer.Ordinal)
                    .Select(p => new JProperty(p.Key, new JArray(p.Value.Select(Base64Floats))))),
            },
            ["model"] = JObject.Parse(ModelFile.ToJson(Network)),
        };
        // Hashed as it will read back (parsed, then written compactly), so writer and reader hash the same text.
        root[ChecksumKey] = Checksum(Read(root.ToString(Formatting.None)));
        return root.ToString(Formatting.Indented);
    }

    /// <summary>
    /// <paramref name="text"/> (checkpoint JSON) with its checksum computed anew: for a checkpoint edited on purpose,
    /// which Parse would otherwise refuse as damaged.
    /// </summary>
    public static string WithChecksum(string text)
    {
        var root = Read(text);
        root[ChecksumKey] = Checksum(root);
        return root.ToString(Formatting.Indented);
    }

    // The document as Parse reads it: doubles for every number with a fraction, no dates, bounded depth.
    private static JObject Read(string text)
    {
        using var reader = new JsonTextReader(new StringReader(text)) { FloatParseHandling = FloatParseHandling.Double, DateParseHandling = DateParseHandling.None, MaxDepth = 32 };
        var root = JObject.Load(reader);
        while (reader.Read()) { }
        return root;
    }

    // "sha256:HEX" of the document without its checksum, written compactly.
    private static string Checksum(JObject root)
    {
        var content = (JObject)root.DeepClone();
        content.Remove(ChecksumKey);
        var hash = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(content.ToString(Formatting.None)));
        return "sha256:" + Convert.ToHexStringLower(hash);
    }

    /// <summary>Writes the checkpoint atomically: a kill at any moment leaves the previous checkpoint or this one.</summary>
    /// <exception cref="NumericalInstabilityException">The state holds NaN or infinity; the file on disk is left as it was.</exception>
    public void Save(string path) => AtomicFile.WriteAllText(path, ToJson());

    /// <summary>Reads and validates a checkpoint file.</summary>
    /// <exception cref="CheckpointException">Missing, unreadable, not JSON, another format or version, or inconsistent.</exception>
    public static Checkpoint Load(string path)
    {
        string text;
        try { text = InputFile.ReadAllText(path, InputFile.MaxWeightsFileBytes); }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        { throw new CheckpointException($"no checkpoint at '{path}'."); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        { throw new CheckpointException($"checkpoint '{path}' cannot be read: {e.Message}"); }
        return Parse(text, path);
    }

    /// <summary>Parses checkpoint JSON text; <paramref name="source"/> names it in error messages.</summary>
    /// <exception cref="CheckpointException">Not a valid checkpoint; the message says why.</exception>
    public static Checkpoint Parse(string text, string source)
    {
        JObject root;
        try { root = Read(text); }
        catch (JsonException e) { throw new CheckpointException($"{source}: not a valid checkpoint (JSON error: {e.Message})"); }

        try
        {
            if (root.Value<string?>("format") != Format)
                throw new CheckpointException($"{source}: not a SpikeLfp checkpoint (format is not '{Format}').");
            if (root["version"] is not { Type: JTokenType.Integer } version)
                throw new CheckpointException($"{source}: 'version' must be a whole number (1 or {Version}), got {root["version"]?.ToString(Formatting.None) ?? "nothing"}.");
            if (version.Value<long>() is not (FirstVersion or Version))
                throw new CheckpointException($"{source}: checkpoint version {version} is not supported (this SpikeLfp reads versions {FirstVersion} and {Version}).");
            if (version.Value<long>() == Version)
            {
                string expected = Checksum(root);
                if (root.Value<string?>(ChecksumKey) is not { } written)
                    throw new CheckpointException($"{source}: '{ChecksumKey}' is missing (a version-{Version} checkpoint carries one).");
                if (written != expected)
                    throw new CheckpointException($"{source}: '{ChecksumKey}' does not match the content (the file was changed or damaged after it was written).");
            }
            var rule = TrainingRule.Parse(root.Value<string?>("rule") ?? throw new CheckpointException($"{source}: no 'rule'."));
            var options = OptionsFromJson(Object(root, "options", source), source);
            var network = ModelFile.Parse(Object(root, "model", source).ToString(Formatting.None), $"{source} (model)");
            var metrics = Array(root, "metrics", source).Select((t, i) => ReadMetrics(t, i, source)).ToArray();
            for (int e = 0; e < metrics.Length; e++)
                if (metrics[e].Epoch != e + 1) throw new CheckpointException($"{source}: metrics of epoch {metrics[e].Epoch} found where epoch {e + 1} belongs.");
            var arguments = Object(root, "arguments", source).Properties().ToDictionary(p => p.Name, p => p.Value.Value<string>() ?? "");
            var optimizer = OptimizerFromJson(Object(root, "optimizer", source), network, options, source);

            EpochProgress? inProgress = null;
            if (root["in_progress"] is JObject p)
            {
                inProgress = new EpochProgress((int)Number(p, "epoch", 1, int.MaxValue, source, whole: true), network.Layers.Count)
                {
                    NextBatch = (int)Number(p, "next_batch", 1, int.MaxValue, source, whole: true),
                    Correct = (long)Number(p, "correct", 0, long.MaxValue, source, whole: true),
                    RewardTotal = Number(p, "reward_total", double.MinValue, double.MaxValue, source),
                    TrainSeconds = Number(p, "train_seconds", 0, double.MaxValue, source),
                };
                var spikes = Array(p, "spike_totals", source);
                if (spikes.Count != network.Layers.Count)
                    throw new CheckpointException($"{source}: 'spike_totals' has {spikes.Count} values for {network.Layers.Count} layers.");
                for (int k = 0; k < spikes.Count; k++)
                {
                    inProgress.SpikeTotals[k] = Number(new JObject { [$"spike_totals[{k}]"] = spikes[k].DeepClone() }, $"spike_totals[{k}]", 0, double.MaxValue, source);
                }
                if (inProgress.Correct > (long)inProgress.NextBatch * options.BatchSize)
                    throw new CheckpointException($"{source}: 'correct' is {inProgress.Correct}, more than the {(long)inProgress.NextBatch * options.BatchSize} samples of {inProgress.NextBatch} batches.");
                if (inProgress.Epoch != metrics.Length + 1 || inProgress.NextBatch < 1)
                    throw new CheckpointException($"{source}: the epoch in progress ({inProgress.Epoch}, batch {inProgress.NextBatch}) does not follow the {metrics.Length} completed epochs.");
            }
            if (version.Value<long>() == Version && root["completed_epochs"] is null)
                throw new CheckpointException($"{source}: 'completed_epochs' is missing.");
            if (root["completed_epochs"] is { } completed && completed.Value<int>() != metrics.Length)
                throw new CheckpointException($"{source}: 'completed_epochs' is {completed} but there are metrics of {metrics.Length} epochs.");
            return new Checkpoint(rule, options, network, optimizer, metrics, inProgress, arguments);
        }
        catch (InvalidModelException e) { throw new CheckpointException($"{source}: {e.Message}", e); }
        catch (Exception e) when (e is ArgumentException or FormatException or InvalidCastException or OverflowException or NullReferenceException or JsonException)
        {
            throw new CheckpointException($"{source}: not a valid checkpoint ({e.Message.Split(" (Parameter")[0]})", e);
        }
    }

    private static JObject OptionsToJson(TrainingOptions o) => new()
    {
        ["steps"] = o.Steps,
        ["epochs"] = o.Epochs,
        ["batch"] = o.BatchSize,
        ["optimizer"] = o.Optimizer.Name(),
        ["lr"] = o.LearningRate,
        ["momentum"] = o.Momentum,
        ["clip"] = o.ClipNorm,
        ["seed"] = o.Seed,
        ["encoder"] = o.Encoder.Name(),
        ["evaluation_batch"] = o.EvaluationBatchSize,
    };

    private static TrainingOptions OptionsFromJson(JObject json, string source)
    {
        string optimizer = Required(json, "optimizer", source).Value<string>()!;
        string encoder = Required(json, "encoder", source).Value<string>()!;
        var options = new TrainingOptions
        {
            Steps = Required(json, "steps", source).Value<int>(),
            Epochs = Required(json, "epochs", source).Value<int>(),
            BatchSize = Required(json, "batch", source).Value<int>(),
            LearningRate = Required(json, "lr", source).Value<float>(),
            Momentum = Required(json, "momentum", source).Value<float>(),
            ClipNorm = Required(json, "clip", source).Value<float>(),
            Seed = Required(json, "seed", source).Value<int>(),
            EvaluationBatchSize = Required(json, "evaluation_batch", source).Value<int>(),
        };
        try { options = options with { Optimizer = OptimizerFactory.Parse(optimizer), Encoder = InputEncoders.Parse(encoder) }; options.Validate(); }
        catch (ArgumentException e) { throw new CheckpointException($"{source}: invalid options: {e.Message}"); }
        if (options.EvaluationBatchSize < 1) throw new CheckpointException($"{source}: invalid options: evaluation batch must be positive.");
        return options;
    }

    private static OptimizerState OptimizerFromJson(JObject json, SpikingNetwork network, TrainingOptions options, string source)
    {
        string kind = Required(json, "kind", source).Value<string>()!;
        if (kind != options.Optimizer.Name())
            throw new CheckpointException($"{source}: optimizer state is for '{kind}' but the options say '{options.Optimizer.Name()}'.");
        long steps = Required(json, "steps", source).Value<long>();
        if (steps < 0) throw new CheckpointException($"{source}: optimizer step count {steps} is negative.");
        // One buffer per parameter array, in the trainer's order (SpikingNetwork.Parameters).
        var lengths = network.Parameters().Select(p => p.Length).ToArray();
        string[] expected = options.Optimizer == OptimizerKind.Adam ? ["m", "v"] : ["velocity"];
        var buffers = new Dictionary<string, float[][]>();
        var given = Object(json, "buffers", source);
        foreach (string name in expected)
        {
            var arrays = Array(given, name, source);
            // The optimizer allocates its buffers at its first step: empty exactly when it made none.
            if ((arrays.Count == 0) != (steps == 0))
                throw new CheckpointException($"{source}: optimizer buffer '{name}' has {arrays.Count} arrays after {steps} optimizer steps.");
            if (arrays.Count != 0 && arrays.Count != lengths.Length)
                throw new CheckpointException($"{source}: optimizer buffer '{name}' has {arrays.Count} arrays but the model has {lengths.Length} parameter arrays.");
            var values = new float[arrays.Count][];
            for (int i = 0; i < arrays.Count; i++)
            {
                values[i] = FloatsFromBase64(arrays[i].Value<string>() ?? "", $"{source}: optimizer buffer '{name}'[{i}]");
                if (values[i].Length != lengths[i])
                    throw new CheckpointException($"{source}: optimizer buffer '{name}'[{i}] has {values[i].Length} values but its parameter has {lengths[i]}.");
            }
            buffers[name] = values;
        }
        if (given.Properties().Select(p => p.Name).Except(expected).FirstOrDefault() is { } extra)
            throw new CheckpointException($"{source}: unexpected optimizer buffer '{extra}' for {kind}.");
        return new OptimizerState(options.Optimizer, steps, buffers);
    }

    private static string Base64Floats(float[] values)
    {
        var bytes = new byte[values.Length * sizeof(float)];
        for (int i = 0; i < values.Length; i++)
            System.Buffers.Binary.BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * sizeof(float)), values[i]);
        return Convert.ToBase64String(bytes);
    }

    private static float[] FloatsFromBase64(string text, string what)
    {
        byte[] bytes;
        try { bytes = Convert.FromBase64String(text); }
        catch (FormatException) { throw new CheckpointException($"{what} is not base64."); }
        if (bytes.Length % sizeof(float) != 0) throw new CheckpointException($"{what} has {bytes.Length} bytes, not a whole number of float32 values.");
        var values = new float[bytes.Length / sizeof(float)];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = System.Buffers.Binary.BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(i * sizeof(float)));
            if (!float.IsFinite(values[i])) throw new CheckpointException($"{what}[{i}] is not finite.");
        }
        return values;
    }

    private static bool AllFinite(float[] values)
    {
        foreach (float x in values) if (!float.IsFinite(x)) return false;
        return true;
    }

    private static EpochMetrics ReadMetrics(JToken token, int index, string source)
    {
        if (token is not JObject json) throw new CheckpointException($"{source}: 'metrics'[{index}] must be an object.");
        try { return EpochMetrics.FromJson(json); }
        catch (FormatException e) { throw new CheckpointException($"{source}: 'metrics'[{index}]: {e.Message}"); }
    }

    // A finite number in [min, max] under key (a whole one when asked), refused by name otherwise.
    private static double Number(JObject json, string key, double min, double max, string source, bool whole = false)
    {
        try { return EpochMetrics.FiniteNumber(json, key, min, max, whole); }
        catch (FormatException e) { throw new CheckpointException($"{source}: {e.Message}"); }
    }

    private static JToken Required(JObject json, string key, string source)
        => json[key] is { Type: not JTokenType.Null } token ? token : throw new CheckpointException($"{source}: '{key}' is missing.");

    private static JObject Object(JObject json, string key, string source)
        => json[key] as JObject ?? throw new CheckpointException($"{source}: '{key}' must be an object.");

    private static JArray Array(JObject json, string key, string source)
        => json[key] as JArray ?? throw new CheckpointException($"{source}: '{key}' must be an array.");

    /// <summary>A float as the checkpoint's arguments store it (invariant, round-trip).</summary>
    public static string Text(float value) => value.ToString("R", CultureInfo.InvariantCulture);
}

/// <summary>A checkpoint file is missing, unreadable or invalid; the message names the file and the problem.</summary>
public sealed class CheckpointException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Where an epoch stands: the batches done and the sums its metrics are computed from. Checkpoints carry it so an
/// epoch stopped at a batch boundary continues with results identical to an uninterrupted one
/// (<see cref="LfpTrainer.TrainEpoch(SpikeLfp.Data.Dataset, SpikeLfp.Data.Dataset, EpochProgress, IProgress{int}?, CancellationToken)"/>).
/// </summary>
public sealed class EpochProgress
{
    /// <summary>A fresh epoch <paramref name="epoch"/> (1-based) of a network with <paramref name="layers"/> layers.</summary>
    public EpochProgress(int epoch, int layers)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(epoch);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(layers);
        Epoch = epoch;
        SpikeTotals = new double[layers];
    }

    /// <summary>The epoch (1-based).</summary>
    public int Epoch { get; }
    /// <summary>Index of the next batch to train (0-based), equal to the number of batches done.</summary>
    public int NextBatch { get; set; }
    /// <summary>Correct predictions of the batches done (made before each update).</summary>
    public long Correct { get; set; }
    /// <summary>Summed reward of the batches done, added batch by batch in order.</summary>
    public double RewardTotal { get; set; }
    /// <summary>Spikes per layer of the batches done.</summary>
    public double[] SpikeTotals { get; }
    /// <summary>Seconds spent training the batches done (timing only; never affects results).</summary>
    public double TrainSeconds { get; set; }
}
