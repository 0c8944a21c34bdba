namespace SpikeLfp.Viz;

/// <summary>
/// Input events of one sample as plain coordinates for <see cref="Plots.InputEventRaster"/>: event k is at
/// <see cref="TimesMs"/>[k] on input channel <see cref="ChannelOf"/>[k], with polarity
/// <see cref="Polarity"/>[k] (1 ON, 0 OFF) when the sensor has polarities.
/// </summary>
/// <param name="Name">What the channels are, for the axis title ("input" or "sensor").</param>
/// <param name="Channels">Number of input channels (rows of the raster).</param>
/// <param name="TimesMs">Time of each event in milliseconds.</param>
/// <param name="ChannelOf">Channel of each event, in [0, Channels).</param>
/// <param name="Polarity">Polarity of each event, or null when the sensor has none.</param>
/// <param name="DurationMs">Length of the time axis in milliseconds.</param>
public sealed record InputEvents(string Name, int Channels, double[] TimesMs, int[] ChannelOf, byte[]? Polarity, double DurationMs)
{
    /// <summary>Number of events.</summary>
    public int Count => TimesMs.Length;
}
