using System.Globalization;

namespace SpikeLfp.Data.Events;

/// <summary>
/// Loads a data set in the N-MNIST folder layout: <c>Train/CLASS/*.bin</c> and <c>Test/CLASS/*.bin</c>, one
/// <see cref="NMnistFormat"/> file per sample. Class folders named by integers (N-MNIST's "0".."9") take that
/// integer as the label; other names (N-Caltech101's "airplanes", ...) are numbered in ordinal order of the
/// train folder. Files are read in ordinal order of their names, so loading is deterministic.
/// </summary>
internal static class NMnistFolder
{
    /// <summary>Folder of the training samples.</summary>
    public const string TrainFolder = "Train";

    /// <summary>Folder of the test samples.</summary>
    public const string TestFolder = "Test";

    /// <summary>The N-MNIST sensor: 34 x 34 pixels (28 x 28 digits moved by saccades), ON and OFF.</summary>
    public static EventSensor NMnistSensor { get; } = EventSensor.Camera(34, 34);

    /// <summary>True when <paramref name="folder"/> has the <c>Train</c> and <c>Test</c> folders of this layout.</summary>
    public static bool Looks(string folder) =>
        Directory.Exists(Path.Combine(folder, TrainFolder)) && Directory.Exists(Path.Combine(folder, TestFolder));

    /// <summary>
    /// Loads both parts of <paramref name="folder"/>. The sensor is <paramref name="sensor"/> when given,
    /// otherwise the folder's <c>sensor.txt</c> (see <see cref="SensorFile"/>), otherwise the smallest camera
    /// holding every event of both parts.
    /// </summary>
    /// <exception cref="DatasetException">A folder or file is missing or malformed, or an event is out of range.</exception>
    public static EventDatasetSplit Load(string folder, string name, EventSensor? sensor = null)
    {
        ArgumentNullException.ThrowIfNull(folder);
        ArgumentNullException.ThrowIfNull(name);
        if (!Directory.Exists(folder))
            throw new DatasetException($"{folder}: data set folder not found");
        foreach (string part in new[] { TrainFolder, TestFolder })
            if (!Directory.Exists(Path.Combine(folder, part)))
                throw new DatasetException($"{Path.Combine(folder, part)}: folder not found (expected {TrainFolder}/CLASS/*.bin and {TestFolder}/CLASS/*.bin)");

        EventSensor? declared = sensor ?? SensorFile.TryRead(folder);
        string[] classes = ClassFolders(Path.Combine(folder, TrainFolder), atLeast: 2);
        var labels = LabelsOf(classes, Path.Combine(folder, TrainFolder));
        int classCount = Math.Max(2, labels.Values.Max() + 1);
        var train = LoadPart(Path.Combine(folder, TrainFolder), name, declared, labels, classCount);
        var test = LoadPart(Path.Combine(folder, TestFolder), name, declared, labels, classCount);
        var split = new EventDatasetSplit(train, test);
        return declared is null ? split.OnCommonSensor() : split;
    }

    private static string[] ClassFolders(string part, int atLeast)
    {
        string[] classes = Directory.GetDirectories(part).Select(Path.GetFileName).OfType<string>()
            .Where(n => !n.StartsWith('.')).ToArray();
        if (classes.Length < atLeast)
            throw new DatasetException($"{part}: {classes.Length} class folders, expected at least {atLeast}");
        return classes;
    }

    private static Dictionary<string, int> LabelsOf(string[] classes, string part)
    {
        bool numeric = classes.All(c => int.TryParse(c, NumberStyles.None, CultureInfo.InvariantCulture, out int v) && v < 100_000);
        if (numeric)
            return classes.ToDictionary(c => c, c => int.Parse(c, NumberStyles.None, CultureInfo.InvariantCulture), StringComparer.Ordinal);
        Array.Sort(classes, StringComparer.Ordinal);
        return classes.Select((c, i) => (c, i)).ToDictionary(p => p.c, p => p.i, StringComparer.Ordinal);
    }

    private static EventDataset LoadPart(string part, string name, EventSensor? sensor, Dictionary<string, int> labels, int classCount)
    {
        var builder = sensor is EventSensor known
            ? new EventDatasetBuilder(name, part, known)
            : EventDatasetBuilder.Fitting(name, part, twoDimensional: true, polarities: 2);
        var samples = new List<(string File, int Label)>();
        long totalEvents = 0;
        foreach (string classFolder in ClassFolders(part, atLeast: 1).OrderBy(c => c, StringComparer.Ordinal))
        {
            if (!labels.TryGetValue(classFolder, out int label))
                throw new DatasetException($"{Path.Combine(part, classFolder)}: class folder not in the training part");
            string[] files = Directory.GetFiles(Path.Combine(part, classFolder), "*.bin");
            Array.Sort(files, StringComparer.Ordinal);
            foreach (string file in files)
            {
                // Before anything is read: a FIFO would block and a device never end; an empty recording holds no events.
                totalEvents += NMnistFormat.EventCount(DataFile.CheckRegularOrEmpty(file), file);
                samples.Add((file, label));
            }
        }
        // The file sizes give the event count exactly: reserve once instead of growing by doubling (N-MNIST-sized
        // sets hold a quarter of a billion events).
        builder.Reserve(totalEvents);
        var scratch = new Scratch();
        foreach (var (file, label) in samples)
        {
            int n = scratch.Read(file);
            builder.Add(scratch.Times.AsSpan(0, n), scratch.X.AsSpan(0, n), scratch.Y.AsSpan(0, n), scratch.Polarity.AsSpan(0, n), label, file);
        }
        if (builder.Count == 0)
            throw new DatasetException($"{part}: holds no .bin files in its class folders");
        return builder.Build(classCount);
    }

    /// <summary>Reusable buffers for one file at a time (the file bytes and its decoded events).</summary>
    private sealed class Scratch
    {
        private byte[] _bytes = [];
        public int[] Times = [];
        public ushort[] X = [];
        public ushort[] Y = [];
        public byte[] Polarity = [];

        public int Read(string file)
        {
            // Listing checked that a file of length 0 is an empty recording (DataFile.CheckRegularOrEmpty): not opened.
            if (new FileInfo(file).Length == 0) return 0;
            try
            {
                using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
                int n = NMnistFormat.EventCount(stream.Length, file); // checked before anything is allocated
                int length = n * NMnistFormat.BytesPerEvent;
                if (_bytes.Length < length) _bytes = new byte[Math.Max(length, 2 * _bytes.Length)];
                if (Times.Length < n)
                {
                    int capacity = Math.Max(n, 2 * Times.Length);
                    Times = new int[capacity];
                    X = new ushort[capacity];
                    Y = new ushort[capacity];
                    Polarity = new byte[capacity];
                }
                stream.ReadExactly(_bytes, 0, length);
                return NMnistFormat.Decode(_bytes.AsSpan(0, length), file, Times, X, Y, Polarity);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new DatasetException($"{file}: cannot read ({IdxFormat.OneLine(e.Message)})", e);
            }
        }
    }
}
