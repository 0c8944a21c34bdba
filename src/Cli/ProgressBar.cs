namespace SpikeLfp.Cli;

/// <summary>A one-line live progress bar on stderr; silent when stderr is redirected (logs stay clean).</summary>
public sealed class ProgressBar : IProgress<int>
{
    private readonly string _label;
    private readonly int _total;
    private readonly string _unit;
    private readonly bool _enabled = !Console.IsErrorRedirected;
    private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();
    private long _lastDraw = -1000;

    /// <summary>Creates a bar over <paramref name="total"/> items; the rate is shown in <paramref name="unit"/>/s.</summary>
    public ProgressBar(string label, int total, string unit = "samples") { _label = label; _total = Math.Max(1, total); _unit = unit; }

    /// <inheritdoc/>
    public void Report(int done)
    {
        if (!_enabled) return;
        long now = _clock.ElapsedMilliseconds;
        if (now - _lastDraw < 100 && done < _total) return;
        _lastDraw = now;
        const int width = 30;
        int filled = (int)((long)width * done / _total);
        double rate = done / Math.Max(1e-9, _clock.Elapsed.TotalSeconds);
        Console.Error.Write($"\r{_label} [{new string('#', filled)}{new string('.', width - filled)}] {done}/{_total} {rate:F0} {_unit}/s ");
    }

    /// <summary>Erases the bar.</summary>
    public void Clear() { if (_enabled) Console.Error.Write("\r" + new string(' ', 100) + "\r"); }
}
