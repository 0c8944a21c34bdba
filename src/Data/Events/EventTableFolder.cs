using System.Globalization;

namespace SpikeLfp.Data.Events;

/// <summary>
/// The generic event layout, for any sensor converted once (DVS Gesture, a touch sensor, a custom cochlea):
/// <code>
/// D/sensor.txt         optional, WIDTHxHEIGHTxPOLARITIES such as 128x128x2 (else fitted to the events)
/// D/train/labels.csv   one line per sample: FILE,LABEL (a first line "file,label" is skipped)
/// D/train/FILE         one sample: .csv or .npy
/// D/test/labels.csv, D/test/FILE ...
/// </code>
/// A sample file holds one event per row with columns <c>t,x,y,p</c> (camera) or <c>t,channel</c> (one row of
/// channels): t in whole microseconds, non-decreasing; x, y, channel from 0; p 0 (OFF) or 1 (ON). A CSV starts
/// with a header naming the columns; an .npy is a structured array with those field names or a 2-D array with
/// 4 or 2 columns in that order. Labels are integers from 0; the class count is the largest label + 1.
/// </summary>
internal static class EventTableFolder
{
    /// <summary>Folder of the training samples.</summary>
    public const string TrainFolder = "train";

    /// <summary>Folder of the test samples.</summary>
    public const string TestFolder = "test";

    /// <summary>Name of the label file in each part.</summary>
    public const string LabelsFile = "labels.csv";

    private static readonly string[] CameraColumns = ["t", "x", "y", "p"];
    private static readonly string[] ChannelColumns = ["t", "channel"];

    /// <summary>True when <paramref name="folder"/> has <c>train/labels.csv</c>.</summary>
    public static bool Looks(string folder) => File.Exists(Path.Combine(folder, TrainFolder, LabelsFile));

    /// <summary>Loads both parts of <paramref name="folder"/>.</summary>
    /// <exception cref="DatasetException">A file is missing or malformed, a label is missing or an event is out of range.</exception>
    public static EventDatasetSplit Load(string folder, string name)
    {
        ArgumentNullException.ThrowIfNull(folder);
        ArgumentNullException.ThrowIfNull(name);
        if (!Directory.Exists(folder))
            throw new DatasetException($"{folder}: data set folder not found");
        EventSensor? declared = SensorFile.TryRead(folder);
        var trainList = ReadLabels(Path.Combine(folder, TrainFolder));
        var testList = ReadLabels(Path.Combine(folder, TestFolder));
        int classCount = Math.Max(2, trainList.Concat(testList).Max(e => e.Label) + 1);
        var train = LoadPart(Path.Combine(folder, TrainFolder), trainList, name, declared, classCount);
        var test = LoadPart(Path.Combine(folder, TestFolder), testList, name, declared, classCount);
        if (train.Sensor.IsChannelSensor != test.Sensor.IsChannelSensor)
            throw new DatasetException($"{folder}: train samples have {(train.Sensor.IsChannelSensor ? "t,channel" : "t,x,y,p")} columns but test samples do not");
        var split = new EventDatasetSplit(train, test);
        return declared is null ? split.OnCommonSensor() : split;
    }

    private static List<(string File, int Label)> ReadLabels(string part)
    {
        string path = Path.Combine(part, LabelsFile);
        if (!File.Exists(path))
            throw new DatasetException($"{path}: file not found (expected lines FILE,LABEL)");
        DataFile.CheckRegular(path);   // a FIFO would block the read below
        var entries = new List<(string, int)>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        int lineNumber = 0;
        foreach (string raw in File.ReadLines(path))
        {
            lineNumber++;
            string line = raw.Trim();
            if (line.Length == 0 || (lineNumber == 1 && line.Equals("file,label", StringComparison.OrdinalIgnoreCase))) continue;
            int comma = line.LastIndexOf(',');
            string file = comma < 0 ? "" : line[..comma].Trim();
            if (comma <= 0 || !int.TryParse(line.AsSpan(comma + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int label) || label > ushort.MaxValue)
                throw new DatasetException($"{path}: line {lineNumber} is '{Shorten(line)}', expected FILE,LABEL with a label from 0");
            if (file.Contains("..", StringComparison.Ordinal) || Path.IsPathRooted(file))
                throw new DatasetException($"{path}: line {lineNumber} names '{file}', expected a file inside {part}");
            if (!seen.Add(file))
                throw new DatasetException($"{path}: line {lineNumber} lists '{file}' a second time");
            entries.Add((file, label));
        }
        if (entries.Count == 0)
            throw new DatasetException($"{path}: lists no samples");
        // Every sample file in the folder must be labelled: a count that disagrees is a broken conversion.
        int onDisk = Directory.EnumerateFiles(part, "*", SearchOption.AllDirectories)
            .Count(f => f.EndsWith(".csv", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".npy", StringComparison.OrdinalIgnoreCase)) - 1;
        if (onDisk != entries.Count)
            throw new DatasetException($"{path}: lists {entries.Count} samples but {part} holds {onDisk} .csv/.npy sample files");
        return entries;
    }

    private static EventDataset LoadPart(string part, List<(string File, int Label)> entries, string name, EventSensor? declared, int classCount)
    {
        EventDatasetBuilder? builder = declared is EventSensor known ? new EventDatasetBuilder(name, part, known) : null;
        bool? channels = declared?.IsChannelSensor;
        foreach (var (file, label) in entries)
        {
            string path = Path.Combine(part, file);
            if (!File.Exists(path))
                throw new DatasetException($"{path}: listed in {LabelsFile} but not found");
            var (names, columns) = ReadTable(path);
            bool isChannels = names.Length == 2;
            if (channels is bool expected && expected != isChannels)
                throw new DatasetException($"{path}: has columns {string.Join(",", names)}, but {(expected ? "t,channel" : "t,x,y,p")} {(declared is null ? "as the first sample" : "for the sensor in " + SensorFile.FileName)}");
            channels = isChannels;
            builder ??= EventDatasetBuilder.Fitting(name, part, twoDimensional: !isChannels, polarities: isChannels ? 1 : 2);
            var (t, x, y, p) = Convert(path, names, columns);
            builder.Add(t, x, y, p, label, path);
        }
        return builder!.Build(classCount);
    }

    private static (string[] Names, long[][] Columns) ReadTable(string path)
    {
        (string[] names, long[][] columns) = path.EndsWith(".npy", StringComparison.OrdinalIgnoreCase)
            ? NpyFormat.ReadColumns(path, n => n switch { 4 => CameraColumns, 2 => ChannelColumns, _ => null })
            : ReadCsv(path);
        if (!names.SequenceEqual(CameraColumns) && !names.SequenceEqual(ChannelColumns))
            throw new DatasetException($"{path}: columns {string.Join(",", names)}, expected t,x,y,p or t,channel");
        return (names, columns);
    }

    private static (string[] Names, long[][] Columns) ReadCsv(string path)
    {
        DataFile.CheckRegular(path);
        using var reader = new StreamReader(path);
        string? header = reader.ReadLine();
        if (header is null)
            throw new DatasetException($"{path}: empty, expected a header t,x,y,p or t,channel");
        string[] names = header.Split(',', StringSplitOptions.TrimEntries);
        var columns = names.Select(_ => new List<long>()).ToArray();
        int lineNumber = 1;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (line.Length == 0) continue;
            string[] cells = line.Split(',');
            if (cells.Length != names.Length)
                throw new DatasetException($"{path}: line {lineNumber} has {cells.Length} values, expected {names.Length}");
            for (int c = 0; c < cells.Length; c++)
            {
                if (!long.TryParse(cells[c], NumberStyles.AllowLeadingSign | NumberStyles.AllowLeadingWhite | NumberStyles.AllowTrailingWhite, CultureInfo.InvariantCulture, out long v))
                    throw new DatasetException($"{path}: line {lineNumber} column '{names[c]}' is '{Shorten(cells[c])}', expected a whole number");
                columns[c].Add(v);
            }
        }
        return (names, columns.Select(c => c.ToArray()).ToArray());
    }

    private static (int[] T, ushort[] X, ushort[] Y, byte[] P) Convert(string path, string[] names, long[][] columns)
    {
        int n = columns[0].Length;
        var t = new int[n];
        var x = new ushort[n];
        bool camera = names.Length == 4;
        var y = camera ? new ushort[n] : [];
        var p = camera ? new byte[n] : [];
        for (int k = 0; k < n; k++)
        {
            t[k] = (int)Checked(columns[0][k], 0, int.MaxValue, path, k, "t");
            x[k] = (ushort)Checked(columns[1][k], 0, EventSensor.MaxSide - 1, path, k, names[1]);
            if (!camera) continue;
            y[k] = (ushort)Checked(columns[2][k], 0, EventSensor.MaxSide - 1, path, k, "y");
            p[k] = (byte)Checked(columns[3][k], 0, 1, path, k, "p");
        }
        return (t, x, y, p);
    }

    private static long Checked(long value, long min, long max, string path, int k, string column)
    {
        if (value < min || value > max)
            throw new DatasetException($"{path}: event {k} has {column} = {value}, outside {min}..{max}");
        return value;
    }

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "...";
}
