using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace SpikeLfp.Data.Events;

/// <summary>
/// Reads the columns of a NumPy <c>.npy</c> file (format versions 1 to 3) as whole numbers: either a 1-D
/// structured array whose fields are the columns, or a 2-D C-order numeric array whose columns are given by the
/// caller. Little-endian (or single-byte) integers, booleans and floats; a float must hold a whole number.
/// The header's shape is checked against the file length before any column is allocated.
/// </summary>
internal static partial class NpyFormat
{
    private static ReadOnlySpan<byte> Magic => [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];
    private const int MaxHeaderBytes = 1 << 16;

    /// <summary>Largest .npy event file read (it is read whole, and its columns widened to 64 bits): 256 MiB.</summary>
    public const long MaxFileBytes = 1L << 28;

    /// <summary>The named columns of <paramref name="path"/> as <c>long</c> arrays, in file order of their names.</summary>
    /// <param name="path">The file to read.</param>
    /// <param name="columnsOf2D">Names given to the columns of a 2-D array, by the number of columns (for example 2 -> t, channel).</param>
    /// <exception cref="DatasetException">The file is not a supported .npy file or a value is not a whole number.</exception>
    public static (string[] Names, long[][] Columns) ReadColumns(string path, Func<int, string[]?> columnsOf2D)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(columnsOf2D);
        byte[] bytes;
        DataFile.CheckRegular(path);
        long length = new FileInfo(path).Length;
        if (length > MaxFileBytes)
            throw new DatasetException($"{path}: {length} bytes, more than the limit of {MaxFileBytes} for an event file");
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DatasetException($"{path}: cannot read ({IdxFormat.OneLine(e.Message)})", e);
        }
        return ReadColumns(bytes, path, columnsOf2D);
    }

    /// <summary>As <see cref="ReadColumns(string, Func{int, string[]})"/> over bytes in memory; <paramref name="name"/> goes into messages.</summary>
    public static (string[] Names, long[][] Columns) ReadColumns(ReadOnlySpan<byte> bytes, string name, Func<int, string[]?> columnsOf2D)
    {
        var (header, dataStart) = Header(bytes, name);
        string descr = Field(header, "descr", name);
        string shapeText = Field(header, "shape", name);
        if (Field(header, "fortran_order", name) != "False")
            throw new DatasetException($"{name}: Fortran-order arrays are not supported, save it in C order");
        long[] shape = ParseShape(shapeText, name);
        var data = bytes[dataStart..];

        if (descr.StartsWith('['))
        {
            var fields = ParseFields(descr, name);
            if (shape.Length != 1)
                throw new DatasetException($"{name}: a structured array must have one dimension, got shape {shapeText}");
            int itemSize = fields.Sum(f => f.Type.Size);
            long rows = CheckLength(shape[0], itemSize, data.Length, name);
            var columns = new long[fields.Count][];
            int offset = 0;
            for (int c = 0; c < fields.Count; c++)
            {
                columns[c] = Column(data, (int)rows, itemSize, offset, fields[c].Type, fields[c].Name, name);
                offset += fields[c].Type.Size;
            }
            return (fields.Select(f => f.Name).ToArray(), columns);
        }

        var type = ParseType(descr.Trim('\''), name);
        if (shape.Length != 2)
            throw new DatasetException($"{name}: a plain array must have two dimensions (events x columns), got shape {shapeText}");
        if (shape[1] > 16 || columnsOf2D((int)shape[1]) is not { } names)
            throw new DatasetException($"{name}: {shape[1]} columns, expected a known column layout");
        long n = CheckLength(shape[0], type.Size * (int)shape[1], data.Length, name);
        var result = new long[names.Length][];
        for (int c = 0; c < names.Length; c++)
            result[c] = Column(data, (int)n, type.Size * names.Length, c * type.Size, type, names[c], name);
        return (names, result);
    }

    private static (string Header, int DataStart) Header(ReadOnlySpan<byte> bytes, string name)
    {
        if (bytes.Length < 10 || !bytes[..6].SequenceEqual(Magic))
            throw new DatasetException($"{name}: not a .npy file (no \\x93NUMPY magic)");
        int major = bytes[6];
        int headerLength, start;
        if (major == 1) { headerLength = BinaryPrimitives.ReadUInt16LittleEndian(bytes[8..]); start = 10; }
        else if (major is 2 or 3)
        {
            if (bytes.Length < 12) throw new DatasetException($"{name}: truncated .npy header");
            uint length = BinaryPrimitives.ReadUInt32LittleEndian(bytes[8..]);
            headerLength = length > MaxHeaderBytes ? int.MaxValue : (int)length;
            start = 12;
        }
        else throw new DatasetException($"{name}: .npy format version {major} is not supported (1 to 3 are)");
        if (headerLength > MaxHeaderBytes || start + headerLength > bytes.Length)
            throw new DatasetException($"{name}: truncated .npy header ({headerLength} bytes claimed, {bytes.Length - start} in the file)");
        return (Encoding.UTF8.GetString(bytes.Slice(start, headerLength)), start + headerLength);
    }

    private static string Field(string header, string key, string name)
    {
        var match = Regex.Match(header, $@"'{key}'\s*:\s*(\[.*?\]|\(.*?\)|'[^']*'|True|False)");
        if (!match.Success)
            throw new DatasetException($"{name}: .npy header lacks '{key}'");
        return match.Groups[1].Value;
    }

    private static long[] ParseShape(string text, string name)
    {
        var parts = text.Trim('(', ')').Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var shape = new long[parts.Length];
        for (int i = 0; i < parts.Length; i++)
            if (!long.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out shape[i]))
                throw new DatasetException($"{name}: .npy shape {text} is not a tuple of sizes");
        return shape;
    }

    private static List<(string Name, NpyType Type)> ParseFields(string descr, string name)
    {
        var fields = new List<(string, NpyType)>();
        foreach (Match m in FieldPattern().Matches(descr))
            fields.Add((m.Groups[1].Value, ParseType(m.Groups[2].Value, name)));
        if (fields.Count == 0)
            throw new DatasetException($"{name}: .npy structured type {descr} has no fields of plain numbers");
        return fields;
    }

    [GeneratedRegex(@"\(\s*'([^']+)'\s*,\s*'([^']+)'\s*\)")]
    private static partial Regex FieldPattern();

    private readonly record struct NpyType(char Kind, int Size);

    private static NpyType ParseType(string descr, string name)
    {
        // '<i8', '|u1', '<f4', '|b1', '=i4' ('=' is native, little-endian on every platform .NET runs on here).
        if (descr.Length >= 3 && descr[0] is '<' or '|' or '=' && descr[1] is 'i' or 'u' or 'f' or 'b'
            && int.TryParse(descr.AsSpan(2), NumberStyles.None, CultureInfo.InvariantCulture, out int size))
        {
            bool ok = descr[1] switch
            {
                'i' or 'u' => size is 1 or 2 or 4 or 8,
                'f' => size is 4 or 8,
                _ => size == 1,
            };
            if (ok && (size == 1 || descr[0] != '|')) return new NpyType(descr[1], size);
        }
        throw new DatasetException($"{name}: .npy type '{descr}' is not supported (little-endian integers, booleans or floats)");
    }

    private static long CheckLength(long rows, int rowBytes, int available, string name)
    {
        if (rows < 0 || rows > int.MaxValue || rows * rowBytes != available)
            throw new DatasetException($"{name}: .npy header claims {rows} rows of {rowBytes} bytes but the file holds {available} data bytes");
        return rows;
    }

    private static long[] Column(ReadOnlySpan<byte> data, int rows, int stride, int offset, NpyType type, string column, string name)
    {
        var values = new long[rows];
        for (int r = 0; r < rows; r++)
        {
            var b = data.Slice(r * stride + offset, type.Size);
            values[r] = (type.Kind, type.Size) switch
            {
                ('b', _) or ('u', 1) => b[0],
                ('i', 1) => (sbyte)b[0],
                ('i', 2) => BinaryPrimitives.ReadInt16LittleEndian(b),
                ('u', 2) => BinaryPrimitives.ReadUInt16LittleEndian(b),
                ('i', 4) => BinaryPrimitives.ReadInt32LittleEndian(b),
                ('u', 4) => BinaryPrimitives.ReadUInt32LittleEndian(b),
                ('i', 8) => BinaryPrimitives.ReadInt64LittleEndian(b),
                ('u', 8) => (long)Math.Min(BinaryPrimitives.ReadUInt64LittleEndian(b), long.MaxValue),
                ('f', 4) => Whole(BinaryPrimitives.ReadSingleLittleEndian(b), r, column, name),
                _ => Whole(BinaryPrimitives.ReadDoubleLittleEndian(b), r, column, name),
            };
        }
        return values;
    }

    private static long Whole(double v, int row, string column, string name)
    {
        if (!double.IsFinite(v) || v != Math.Floor(v) || Math.Abs(v) > long.MaxValue / 2)
            throw new DatasetException($"{name}: row {row} of column '{column}' is {v.ToString(CultureInfo.InvariantCulture)}, expected a whole number");
        return (long)v;
    }
}
