using System.Text;

namespace SpikeLfp.Cli;

/// <summary>The Markdown pieces the commands' report.md files share.</summary>
public static class Markdown
{
    /// <summary>Appends a table: the first column left-aligned (labels), the others right-aligned (numbers).</summary>
    public static void Table(StringBuilder md, IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string>> rows)
    {
        md.AppendLine("| " + string.Join(" | ", header) + " |");
        md.AppendLine("|" + string.Join("|", header.Select((_, i) => i == 0 ? "---" : "---:")) + "|");
        foreach (var row in rows) md.AppendLine("| " + string.Join(" | ", row) + " |");
    }
}
