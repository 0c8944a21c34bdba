namespace SpikeLfp.Data.Events;

/// <summary>
/// The address space of an event sensor: <see cref="Width"/> x <see cref="Height"/> pixels (or channels) and
/// <see cref="Polarities"/> polarities. A cochlea model such as SHD's is one row of 700 channels with one
/// polarity; an event camera such as N-MNIST's is 34 x 34 pixels with ON and OFF polarities.
/// </summary>
/// <param name="Width">Columns of pixels, or channels of a one-dimensional sensor (1..65535).</param>
/// <param name="Height">Rows of pixels; 1 for a one-dimensional sensor (1..65535).</param>
/// <param name="Polarities">1 (no polarity) or 2 (OFF = 0, ON = 1).</param>
public readonly record struct EventSensor(int Width, int Height, int Polarities)
{
    /// <summary>Largest side of a sensor: coordinates are stored as 16-bit unsigned integers.</summary>
    public const int MaxSide = ushort.MaxValue;

    /// <summary>A one-dimensional sensor of <paramref name="channels"/> channels and no polarity (SHD, SSC: 700).</summary>
    public static EventSensor Channels(int channels) => new(channels, 1, 1);

    /// <summary>An event camera of <paramref name="width"/> x <paramref name="height"/> pixels with ON and OFF events.</summary>
    public static EventSensor Camera(int width, int height) => new(width, height, 2);

    /// <summary>True for a sensor of one row and one polarity, whose events carry only a channel.</summary>
    public bool IsChannelSensor => Height == 1 && Polarities == 1;

    /// <summary>Number of distinct addresses: <c>Width * Height * Polarities</c>.</summary>
    public int AddressCount => Width * Height * Polarities;

    /// <summary>Throws when a side is outside 1..65535 or the polarity count is not 1 or 2.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The layout cannot be stored.</exception>
    public void Validate()
    {
        if (Width is < 1 or > MaxSide) throw new ArgumentOutOfRangeException(nameof(Width), Width, $"sensor width must lie in 1..{MaxSide}");
        if (Height is < 1 or > MaxSide) throw new ArgumentOutOfRangeException(nameof(Height), Height, $"sensor height must lie in 1..{MaxSide}");
        if (Polarities is not (1 or 2)) throw new ArgumentOutOfRangeException(nameof(Polarities), Polarities, "sensor polarities must be 1 or 2");
        if ((long)Width * Height * Polarities > int.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(Width), $"sensor {this} has more than {int.MaxValue} addresses");
    }

    /// <summary>"700 channels" or "34x34 pixels, 2 polarities".</summary>
    public override string ToString() => IsChannelSensor
        ? $"{Width} channels"
        : Height == 1 ? $"{Width} channels, {Polarities} polarities" : $"{Width}x{Height} pixels, {Polarities} polarit{(Polarities == 1 ? "y" : "ies")}";
}
