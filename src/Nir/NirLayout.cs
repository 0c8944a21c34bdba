using SpikeLfp.Network.Model;

namespace SpikeLfp.Nir;

/// <summary>
/// What flows along a NIR edge, in SpikeLfp's terms: a vector, or an image that NIR stores channel-first
/// [C, H, W] and SpikeLfp channel-last [y, x, c] (<see cref="ImageShape"/>). <see cref="Flattened"/> is the image a
/// NIR Flatten turned into this vector, whose elements are then in NIR's [c, y, x] order, not SpikeLfp's.
/// </summary>
internal sealed record NirTensor(ImageShape Shape, bool IsImage, ImageShape? Flattened = null)
{
    /// <summary>A vector of <paramref name="size"/> values.</summary>
    public static NirTensor Vector(int size) => new(new ImageShape(1, 1, size), false);

    /// <summary>An image of the given channel-last shape.</summary>
    public static NirTensor Image(ImageShape shape) => new(shape, true);

    /// <summary>Values it holds.</summary>
    public int Size => Shape.Size;

    /// <summary>The shape as NIR writes it: [C, H, W] for an image, [N] for a vector.</summary>
    public long[] NirShape => IsImage ? [Shape.Channels, Shape.Height, Shape.Width] : [Size];

    /// <summary>"[C, H, W]" or "[N]", for messages.</summary>
    public override string ToString() => $"[{string.Join(", ", NirShape)}]";
}

/// <summary>Index maps between NIR's channel-first and SpikeLfp's channel-last image layouts.</summary>
internal static class NirLayout
{
    /// <summary>The channel-first index [c, y, x] of the value at channel-last index <paramref name="channelLast"/> ([y, x, c]).</summary>
    public static int ChannelFirst(ImageShape shape, int channelLast)
    {
        int c = channelLast % shape.Channels, pixel = channelLast / shape.Channels;
        return c * shape.Height * shape.Width + pixel;
    }

    /// <summary>
    /// A row-major [rows, columns] matrix whose columns follow <paramref name="image"/> channel-first, with its
    /// columns reordered channel-last (or back, with <paramref name="toChannelFirst"/>): the weights of a dense layer
    /// reading a flattened image in the other layout.
    /// </summary>
    public static float[] PermuteColumns(ReadOnlySpan<float> matrix, int rows, ImageShape image, bool toChannelFirst)
    {
        int columns = image.Size;
        var result = new float[matrix.Length];
        for (int last = 0; last < columns; last++)
        {
            int first = ChannelFirst(image, last);
            int from = toChannelFirst ? last : first, to = toChannelFirst ? first : last;
            for (int r = 0; r < rows; r++) result[r * columns + to] = matrix[r * columns + from];
        }
        return result;
    }
}
