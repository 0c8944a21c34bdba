using PureHDF;
using PureHDF.Selections;

namespace SpikeLfp.Data.Events;

/// <summary>
/// Reads the Heidelberg spiking data sets (SHD, SSC: Cramer et al. 2020) from their HDF5 files with PureHDF:
/// <c>spikes/times</c> (one variable-length array of spike times in seconds per sample; float16 in the
/// published files, float32 and float64 accepted too), <c>spikes/units</c> (variable-length channel indices,
/// 0..699, uint16 in the published files; 8-, 16- and 32-bit integers accepted) and <c>labels</c> (one integer
/// per sample). The <c>extra</c> group (speaker, class names) is not needed for training and is not read.
/// Times become whole microseconds (rounded); every sample is checked for order and range.
/// </summary>
internal static class HeidelbergSpikesFormat
{
    /// <summary>Channels of the cochlea model of SHD and SSC.</summary>
    public const int Channels = 700;

    /// <summary>The SHD/SSC sensor: 700 channels, no polarity.</summary>
    public static EventSensor Sensor { get; } = EventSensor.Channels(Channels);

    // Samples read per PureHDF call: bounds the transient jagged arrays to a few megabytes.
    private const int Block = 256;
    // One variable-length element takes 16 bytes in the file (length and global heap id); a header claiming more
    // samples than the file can describe is corrupt.
    private const int VlenReferenceBytes = 16;

    /// <summary>Reads one SHD/SSC file.</summary>
    /// <param name="path">An HDF5 file such as <c>shd_train.h5</c>.</param>
    /// <param name="name">Name given to the set, for example "shd".</param>
    /// <param name="classCount">Number of classes (SHD 20, SSC 35); null takes the largest label + 1.</param>
    /// <exception cref="DatasetException">The file is missing, not HDF5, lacks a dataset or holds bad events.</exception>
    public static EventDataset Read(string path, string name, int? classCount = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(name);
        DataFile.CheckRegular(path);
        long fileLength = new FileInfo(path).Length;
        try
        {
            using var file = H5File.OpenRead(path);
            return Read(file, path, fileLength, name, classCount);
        }
        catch (DatasetException)
        {
            throw;
        }
        catch (OutOfMemoryException e)
        {
            // PureHDF allocates what a heap header claims; a corrupt size over the array limit ends here.
            throw new DatasetException($"{path}: corrupt HDF5 file, a stored size claims more than can be held in memory", e);
        }
        catch (Exception e)
        {
            // PureHDF reports a damaged file with many exception types; all mean the same to a user.
            throw new DatasetException($"{path}: not a readable HDF5 file of SHD/SSC spikes ({IdxFormat.OneLine(e.Message)})", e);
        }
    }

    private static EventDataset Read(IH5Group file, string path, long fileLength, string name, int? classCount)
    {
        var times = RequireDataset(file, "spikes/times", path);
        var units = RequireDataset(file, "spikes/units", path);
        var labelsSet = RequireDataset(file, "labels", path);
        ulong count = SampleCount(times, "spikes/times", path);
        if (SampleCount(units, "spikes/units", path) != count)
            throw new DatasetException($"{path}: spikes/units has {SampleCount(units, "spikes/units", path)} samples but spikes/times has {count}");
        if (SampleCount(labelsSet, "labels", path) != count)
            throw new DatasetException($"{path}: labels has {SampleCount(labelsSet, "labels", path)} entries but spikes/times has {count} samples");
        if (count == 0)
            throw new DatasetException($"{path}: holds no samples");
        if (count * VlenReferenceBytes > (ulong)fileLength)
            throw new DatasetException($"{path}: claims {count} samples, more than a {fileLength}-byte file can hold");

        int timeSize = VlenBase(times, "spikes/times", H5DataTypeClass.FloatingPoint, [2, 4, 8], "float16, float32 or float64", path);
        int unitSize = VlenBase(units, "spikes/units", H5DataTypeClass.FixedPoint, [1, 2, 4], "an 8-, 16- or 32-bit integer", path);
        int[] labels = ReadLabels(labelsSet, (int)count, path);

        var builder = new EventDatasetBuilder(name, path, Sensor);
        var scratchTimes = new List<int>();
        var scratchUnits = new List<ushort>();
        for (int start = 0; start < (int)count; start += Block)
        {
            int n = Math.Min(Block, (int)count - start);
            var selection = new HyperslabSelection((ulong)start, (ulong)n);
            double[][] t = ReadTimes(times, timeSize, selection);
            long[][] u = ReadUnits(units, unitSize, selection);
            for (int i = 0; i < n; i++)
            {
                int sample = start + i;
                string sampleName = $"{path}: sample {sample}";
                if (t[i].Length != u[i].Length)
                    throw new DatasetException($"{sampleName} has {t[i].Length} spike times but {u[i].Length} units");
                ToEvents(t[i], u[i], scratchTimes, scratchUnits, sampleName);
                builder.Add(CollectionsMarshalSpan(scratchTimes), CollectionsMarshalSpan(scratchUnits), default, default, labels[sample], sampleName);
            }
        }
        int classes = classCount ?? Math.Max(2, labels.Max() + 1);
        return builder.Build(classes, keepSampleNames: false);
    }

    private static ReadOnlySpan<T> CollectionsMarshalSpan<T>(List<T> list) => System.Runtime.InteropServices.CollectionsMarshal.AsSpan(list);

    private static void ToEvents(double[] seconds, long[] units, List<int> timesUs, List<ushort> channels, string sampleName)
    {
        timesUs.Clear();
        channels.Clear();
        for (int k = 0; k < seconds.Length; k++)
        {
            double us = Math.Round(seconds[k] * 1e6);
            if (!double.IsFinite(us) || us < 0 || us > int.MaxValue)
                throw new DatasetException($"{sampleName}: spike {k} at {seconds[k]} s is not a time in [0, {int.MaxValue / 1e6:F0}] s");
            if ((ulong)units[k] >= Channels)
                throw new DatasetException($"{sampleName}: spike {k} has unit {units[k]}, outside 0..{Channels - 1}");
            timesUs.Add((int)us);
            channels.Add((ushort)units[k]);
        }
    }

    private static IH5Dataset RequireDataset(IH5Group file, string path, string fileName)
    {
        string[] parts = path.Split('/');
        IH5Group group = file;
        for (int i = 0; i < parts.Length - 1; i++)
        {
            if (!group.LinkExists(parts[i]) || group.Get(parts[i]) is not IH5Group next)
                throw new DatasetException($"{fileName}: has no group '{parts[i]}' (expected datasets spikes/times, spikes/units and labels)");
            group = next;
        }
        if (!group.LinkExists(parts[^1]) || group.Get(parts[^1]) is not IH5Dataset dataset)
            throw new DatasetException($"{fileName}: has no dataset '{path}'");
        return dataset;
    }

    private static ulong SampleCount(IH5Dataset dataset, string name, string path)
    {
        ulong[] dims = dataset.Space.Dimensions;
        if (dims.Length != 1)
            throw new DatasetException($"{path}: {name} has {dims.Length} dimensions, expected 1 (one entry per sample)");
        return dims[0];
    }

    private static int VlenBase(IH5Dataset dataset, string name, H5DataTypeClass expected, int[] sizes, string what, string path)
    {
        var type = dataset.Type;
        if (type.Class != H5DataTypeClass.VariableLength)
            throw new DatasetException($"{path}: {name} is {type.Class}, expected variable-length arrays of {what}");
        var baseType = type.VariableLength.BaseType;
        if (baseType.Class != expected || !sizes.Contains(baseType.Size))
            throw new DatasetException($"{path}: {name} holds {baseType.Class} of {baseType.Size} bytes, expected {what}");
        return baseType.Size;
    }

    private static int[] ReadLabels(IH5Dataset dataset, int count, string path)
    {
        var type = dataset.Type;
        if (type.Class != H5DataTypeClass.FixedPoint || type.Size is not (1 or 2 or 4 or 8))
            throw new DatasetException($"{path}: labels are {type.Class} of {type.Size} bytes, expected integers");
        bool signed = type.FixedPoint.IsSigned;
        long[] values = (type.Size, signed) switch
        {
            (1, _) => Array.ConvertAll(dataset.Read<byte[]>(), v => (long)v),
            (2, false) => Array.ConvertAll(dataset.Read<ushort[]>(), v => (long)v),
            (2, true) => Array.ConvertAll(dataset.Read<short[]>(), v => (long)v),
            (4, false) => Array.ConvertAll(dataset.Read<uint[]>(), v => (long)v),
            (4, true) => Array.ConvertAll(dataset.Read<int[]>(), v => (long)v),
            _ => dataset.Read<long[]>(),
        };
        var labels = new int[count];
        for (int i = 0; i < count; i++)
        {
            if (values[i] < 0 || values[i] > ushort.MaxValue)
                throw new DatasetException($"{path}: label {values[i]} of sample {i} is outside 0..{ushort.MaxValue}");
            labels[i] = (int)values[i];
        }
        return labels;
    }

    private static double[][] ReadTimes(IH5Dataset dataset, int size, Selection selection) => size switch
    {
        2 => Array.ConvertAll(dataset.Read<Half[][]>(selection), a => Array.ConvertAll(a, v => (double)v)),
        4 => Array.ConvertAll(dataset.Read<float[][]>(selection), a => Array.ConvertAll(a, v => (double)v)),
        _ => dataset.Read<double[][]>(selection),
    };

    private static long[][] ReadUnits(IH5Dataset dataset, int size, Selection selection)
    {
        bool signed = dataset.Type.VariableLength.BaseType.FixedPoint.IsSigned;
        return (size, signed) switch
        {
            (1, _) => Array.ConvertAll(dataset.Read<byte[][]>(selection), a => Array.ConvertAll(a, v => (long)v)),
            (2, false) => Array.ConvertAll(dataset.Read<ushort[][]>(selection), a => Array.ConvertAll(a, v => (long)v)),
            (2, true) => Array.ConvertAll(dataset.Read<short[][]>(selection), a => Array.ConvertAll(a, v => (long)v)),
            (4, false) => Array.ConvertAll(dataset.Read<uint[][]>(selection), a => Array.ConvertAll(a, v => (long)v)),
            _ => Array.ConvertAll(dataset.Read<int[][]>(selection), a => Array.ConvertAll(a, v => (long)v)),
        };
    }
}
