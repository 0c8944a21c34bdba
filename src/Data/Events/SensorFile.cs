using System.Globalization;

namespace SpikeLfp.Data.Events;

/// <summary>
/// The optional <c>sensor.txt</c> of an event folder: one line <c>WIDTHxHEIGHTxPOLARITIES</c>, for example
/// <c>34x34x2</c> (N-MNIST) or <c>700x1x1</c> (a 700-channel cochlea). Without it a folder's sensor is the
/// smallest that holds every event.
/// </summary>
internal static class SensorFile
{
    /// <summary>The file name looked for at the root of an event folder.</summary>
    public const string FileName = "sensor.txt";

    /// <summary>The sensor named by <c>folder/sensor.txt</c>, or null when there is no such file.</summary>
    /// <exception cref="DatasetException">The file exists but does not name a valid sensor.</exception>
    public static EventSensor? TryRead(string folder)
    {
        string path = Path.Combine(folder, FileName);
        if (!File.Exists(path)) return null;
        DataFile.CheckRegular(path);
        var info = new FileInfo(path);
        if (info.Length > 256)
            throw new DatasetException($"{path}: {info.Length} bytes, expected one line WIDTHxHEIGHTxPOLARITIES such as 34x34x2");
        return Parse(File.ReadAllText(path).Trim(), path);
    }

    /// <summary>Parses <c>WIDTHxHEIGHTxPOLARITIES</c>; <paramref name="name"/> goes into messages.</summary>
    /// <exception cref="DatasetException">The text is not three integers joined by 'x' or names no valid sensor.</exception>
    public static EventSensor Parse(string text, string name)
    {
        string[] parts = text.Split('x');
        if (parts.Length != 3
            || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int width)
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int height)
            || !int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out int polarities))
            throw new DatasetException($"{name}: '{text}' is not WIDTHxHEIGHTxPOLARITIES such as 34x34x2 or 700x1x1");
        var sensor = new EventSensor(width, height, polarities);
        try
        {
            sensor.Validate();
        }
        catch (ArgumentOutOfRangeException e)
        {
            throw new DatasetException($"{name}: '{text}': {e.Message.Split('(')[0].Trim()}", e);
        }
        return sensor;
    }

    /// <summary>Writes <c>folder/sensor.txt</c> for <paramref name="sensor"/>.</summary>
    public static void Write(string folder, EventSensor sensor) =>
        File.WriteAllText(Path.Combine(folder, FileName), string.Create(CultureInfo.InvariantCulture, $"{sensor.Width}x{sensor.Height}x{sensor.Polarities}\n"));
}
