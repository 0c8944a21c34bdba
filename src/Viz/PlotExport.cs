using OxyPlot;
using OxyPlot.SkiaSharp;

namespace SpikeLfp.Viz;

/// <summary>Image formats that <see cref="PlotExport"/> writes.</summary>
public enum ImageFormat
{
    /// <summary>Portable Network Graphics, rendered with SkiaSharp.</summary>
    Png,
    /// <summary>Scalable Vector Graphics, written by OxyPlot's SVG exporter.</summary>
    Svg,
}

/// <summary>Writes plot models to image files. The format follows the file extension (.png or .svg).</summary>
public static class PlotExport
{
    /// <summary>Default image width in pixels.</summary>
    public const int DefaultWidth = 1200;
    /// <summary>Default image height in pixels.</summary>
    public const int DefaultHeight = 700;
    /// <summary>Width of the command line's spike rasters, in pixels.</summary>
    public const int RasterWidth = 1400;
    /// <summary>Height of the command line's spike rasters, in pixels.</summary>
    public const int RasterHeight = 800;
    /// <summary>Width of the command line's curve plots (pruning, seeds, convergence, sweeps), in pixels.</summary>
    public const int CurvesWidth = 1000;
    /// <summary>Height of the command line's curve plots, in pixels.</summary>
    public const int CurvesHeight = 700;

    /// <summary>
    /// The image format for a file path, from its extension (case-insensitive).
    /// </summary>
    /// <exception cref="ArgumentException">The extension is neither .png nor .svg.</exception>
    public static ImageFormat FormatOf(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        string ext = Path.GetExtension(path);
        if (ext.Equals(".png", StringComparison.OrdinalIgnoreCase)) return ImageFormat.Png;
        if (ext.Equals(".svg", StringComparison.OrdinalIgnoreCase)) return ImageFormat.Svg;
        throw new ArgumentException(
            $"Cannot tell the image format of '{path}': the extension must be .png or .svg, not '{(ext.Length == 0 ? "(none)" : ext)}'.",
            nameof(path));
    }

    /// <summary>
    /// Renders <paramref name="model"/> to <paramref name="path"/> as PNG or SVG (chosen by the extension),
    /// <paramref name="width"/> x <paramref name="height"/> pixels. The file is written to a temporary file in
    /// the same folder and then renamed over the target, so readers never see a half-written image.
    /// A model without a visible background gets an opaque white one.
    /// </summary>
    /// <exception cref="ArgumentException">The extension is neither .png nor .svg.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The width or height is not positive.</exception>
    /// <exception cref="InvalidOperationException">Rendering failed; no file is written and an existing one is kept.</exception>
    public static void Save(PlotModel model, string path, int width = DefaultWidth, int height = DefaultHeight)
    {
        ArgumentNullException.ThrowIfNull(model);
        ImageFormat format = FormatOf(path);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        if (model.Background.IsInvisible()) model.Background = OxyColors.White;

        string fullPath = Path.GetFullPath(path);
        string folder = Path.GetDirectoryName(fullPath)!;
        Directory.CreateDirectory(folder);
        string temp = Path.Combine(folder, $".{Path.GetFileName(fullPath)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                Write(model, stream, format, width, height);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, fullPath, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    /// <summary>Renders <paramref name="model"/> into <paramref name="stream"/> in the given format.</summary>
    /// <exception cref="InvalidOperationException">Rendering the model failed (the stream then holds an unusable image).</exception>
    public static void Write(PlotModel model, Stream stream, ImageFormat format, int width = DefaultWidth, int height = DefaultHeight)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        switch (format)
        {
            case ImageFormat.Png:
                // Text shaping (HarfBuzz) buys nothing for plain Latin labels and costs a native dependency.
                new PngExporter { Width = width, Height = height, UseTextShaping = false }.Export(model, stream);
                break;
            case ImageFormat.Svg:
                using (var measurer = new SkiaRenderContext { RenderTarget = RenderTarget.VectorGraphic, UseTextShaping = false })
                {
                    new OxyPlot.SvgExporter { Width = width, Height = height, TextMeasurer = measurer }.Export(model, stream);
                }
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(format), format, "Unknown image format.");
        }
        // OxyPlot catches rendering errors and paints their message into the image instead; treat that as failure.
        if (model.GetLastPlotException() is { } error)
            throw new InvalidOperationException($"Rendering the plot '{model.Title}' failed: {error.Message}", error);
    }
}
