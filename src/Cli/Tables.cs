using System.Text;

namespace SpikeLfp.Cli;

/// <summary>The tables and report pieces every command prints or writes: aligned plain text and Markdown.</summary>
public static class Tables
{
    /// <summary>A plain-text table: the first column left-aligned (labels), the others right-aligned (numbers).</summary>
    public static string Aligned(IReadOnlyList<string> header, IReadOnlyList<IReadOnlyList<string>> rows)
    {
        var widths = header.Select((c, i) => Math.Max(c.Length, rows.Count == 0 ? 0 : rows.Max(row => row[i].Length))).ToArray();
        var text = new StringBuilder();
        text.AppendLine(Line(header, widths));
        foreach (var row in rows) text.AppendLine(Line(row, widths));
        return text.ToString();
    }

    private static string Line(IReadOnlyList<string> cells, int[] widths)
        => string.Join("  ", cells.Select((c, i) => i == 0 ? c.PadRight(widths[i]) : c.PadLeft(widths[i])));

    /// <summary>Appends a Markdown table: the first column left-aligned (labels), the others right-aligned (numbers).</summary>
    public static void Markdown(StringBuilder md, IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string>> rows)
    {
        md.AppendLine("| " + string.Join(" | ", header) + " |");
        md.AppendLine("|" + string.Join("|", header.Select((_, i) => i == 0 ? "---" : "---:")) + "|");
        foreach (var row in rows) md.AppendLine("| " + string.Join(" | ", row) + " |");
    }

    /// <summary>
    /// Appends a figure of a report: the PNG inline, then a line linking its SVG and, when given,
    /// <paramref name="more"/> (a sentence continuing that line, for example a link to the numbers).
    /// </summary>
    public static void Figure(StringBuilder md, string alt, string png, string svg, string? more = null)
    {
        md.AppendLine($"![{alt}]({png})");
        md.AppendLine();
        md.AppendLine($"Vector version: [{svg}]({svg})" + (more is null ? "" : ". " + more));
    }

    /// <summary>Starts a report.md: the title and the command line that produced it.</summary>
    public static StringBuilder Report(string title, string command, IReadOnlyList<string> args)
    {
        var md = new StringBuilder();
        md.AppendLine($"# {title}");
        md.AppendLine();
        md.AppendLine($"Command: `spikelfp {command}" + (args.Count == 0 ? "" : " " + string.Join(" ", args)) + "`");
        md.AppendLine();
        return md;
    }
}
