using System.Buffers.Binary;
using System.Xml.Linq;
using NUnit.Framework;
using SkiaSharp;

namespace SpikeLfp.Viz.Tests;

/// <summary>Reads back written images: PNG header and pixels, SVG structure.</summary>
internal static class ImageChecks
{
    private static readonly byte[] PngSignature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>Width and height from the PNG's IHDR chunk (which must come first).</summary>
    public static (int Width, int Height) PngSize(string path)
    {
        byte[] head = new byte[24];
        using (var f = File.OpenRead(path)) f.ReadExactly(head);
        Assert.That(head.AsSpan(0, 8).ToArray(), Is.EqualTo(PngSignature), "PNG signature");
        Assert.That(System.Text.Encoding.ASCII.GetString(head, 12, 4), Is.EqualTo("IHDR"));
        return (BinaryPrimitives.ReadInt32BigEndian(head.AsSpan(16)), BinaryPrimitives.ReadInt32BigEndian(head.AsSpan(20)));
    }

    /// <summary>Decodes the PNG and checks it is opaque, white at the corner, and holds real drawing.</summary>
    public static void AssertPngHasContent(string path, int minDistinctColours = 3, double minInkFraction = 0.002)
    {
        using var bitmap = SKBitmap.Decode(path);
        Assert.That(bitmap, Is.Not.Null, "PNG decodes");
        var colours = new HashSet<uint>();
        long ink = 0, transparent = 0;
        for (int y = 0; y < bitmap.Height; y++)
            for (int x = 0; x < bitmap.Width; x++)
            {
                SKColor c = bitmap.GetPixel(x, y);
                if (c.Alpha != 255) transparent++;
                if (c.Red < 235 || c.Green < 235 || c.Blue < 235) ink++;
                if (colours.Count < 1000) colours.Add((uint)c);
            }
        Assert.That(bitmap.GetPixel(0, 0), Is.EqualTo(SKColors.White), "white background");
        Assert.That(transparent, Is.Zero, "opaque background");
        Assert.That(colours, Has.Count.GreaterThanOrEqualTo(minDistinctColours), "distinct colours");
        Assert.That(ink / (double)(bitmap.Width * bitmap.Height), Is.GreaterThan(minInkFraction), "fraction of non-white pixels");
    }

    /// <summary>Parses the SVG (throws on malformed XML) and returns it.</summary>
    public static XDocument LoadSvg(string path)
    {
        var doc = XDocument.Load(path);
        Assert.That(doc.Root!.Name.LocalName, Is.EqualTo("svg"));
        return doc;
    }

    /// <summary>Rectangles whose style fills them with the given rgb() colour.</summary>
    public static int CountFilledRects(XDocument svg, SKColor colour)
    {
        string fill = $"fill:rgb({colour.Red},{colour.Green},{colour.Blue})";
        return svg.Descendants().Count(e => e.Name.LocalName == "rect" && ((string?)e.Attribute("style") ?? "").Contains(fill, StringComparison.Ordinal));
    }

    /// <summary>All text content of the SVG's text elements.</summary>
    public static List<string> Texts(XDocument svg) =>
        svg.Descendants().Where(e => e.Name.LocalName == "text").Select(e => e.Value).ToList();
}
