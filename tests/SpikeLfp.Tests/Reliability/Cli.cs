using System.Diagnostics;
using Newtonsoft.Json.Linq;
using SpikeLfp.Cli;

namespace SpikeLfp.Tests.Reliability;

/// <summary>What one in-process run of the command line printed and returned.</summary>
public sealed record CliResult(int ExitCode, string Output, string Error)
{
    /// <summary>stderr without its trailing newline; the tests require exactly one line.</summary>
    public string ErrorLine => Error.TrimEnd('\n', '\r');

    public override string ToString() => $"exit {ExitCode}\nstdout: {Output}\nstderr: {Error}";

    public void Deconstruct(out int exitCode, out string output, out string error) => (exitCode, output, error) = (ExitCode, Output, Error);

    /// <summary>Asserts a usage error: exit 2, one line starting "spikelfp" that contains every fragment, no stack trace.</summary>
    public void AssertUsageError(params string[] fragments)
    {
        Assert.That(ExitCode, Is.EqualTo(2), ToString());
        Assert.That(ErrorLine, Does.StartWith("spikelfp"), ToString());
        Assert.That(ErrorLine, Does.Not.Contain("\n"), "one line");
        Assert.That(Error, Does.Not.Contain("   at "), "no stack trace");
        foreach (var f in fragments) Assert.That(ErrorLine, Does.Contain(f), ToString());
    }

    /// <summary><see cref="AssertUsageError"/>, and <paramref name="folder"/> (the command's --out) was not created.</summary>
    public void AssertRefusedWithout(string folder, params string[] fragments)
    {
        AssertUsageError(fragments);
        Assert.That(Directory.Exists(folder), Is.False, "no output folder is created");
    }
}

/// <summary>Runs spikelfp in-process (CommandLine.Run with string writers) or as a real process.</summary>
public static class Cli
{
    /// <summary>Small, fast training settings on the embedded digits: 200 samples, 64-16-10, T=6.</summary>
    public static readonly string[] Quick = ["--model", "64-16-10", "--limit", "200", "--steps", "6", "--batch", "20", "--threads", "2"];

    /// <summary><see cref="Quick"/> without the flags that <paramref name="args"/> gives itself.</summary>
    public static string[] QuickWithout(IReadOnlyList<string> args)
    {
        var result = new List<string>();
        for (int i = 0; i < Quick.Length; i += 2)
            if (!args.Contains(Quick[i])) result.AddRange([Quick[i], Quick[i + 1]]);
        return result.ToArray();
    }

    public static CliResult Run(params string[] args) => Run(CancellationToken.None, args);

    /// <summary>Runs a command that must succeed and reads the JSON file it wrote (a failure shows what it printed).</summary>
    public static (CliResult Result, JObject Json) RunForJson(string jsonPath, params string[] args)
    {
        var result = Run(args);
        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
        return (result, JObject.Parse(File.ReadAllText(jsonPath)));
    }

    public static CliResult Run(CancellationToken cancellation, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = CommandLine.Run(args, output, error, cancellation);
        return new CliResult(code, output.ToString(), error.ToString());
    }

    /// <summary>
    /// The spikelfp.dll built next to the tests (the Cli project reference copies it into the test output; with a
    /// runtime identifier it may sit one folder down).
    /// </summary>
    public static string DllPath()
    {
        string root = AppContext.BaseDirectory;
        string direct = Path.Combine(root, "spikelfp.dll");
        if (File.Exists(direct)) return direct;
        return Directory.EnumerateFiles(root, "spikelfp.dll", SearchOption.AllDirectories).FirstOrDefault()
               ?? throw new FileNotFoundException($"spikelfp.dll is not in the test output {root}; build the test project first.");
    }

    /// <summary>Starts "dotnet spikelfp.dll ARGS" with redirected output.</summary>
    public static Process Start(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(DllPath());
        foreach (var a in args) start.ArgumentList.Add(a);
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        return Process.Start(start)!;
    }

    /// <summary>
    /// Starts the real process, waits for its first line starting with <paramref name="after"/> (so the signals land in
    /// the middle of the work), sends <paramref name="signals"/> ("INT", "TERM") one right after the other, and returns
    /// what it did by its end (at most a minute later).
    /// </summary>
    public static CliResult SignalWhileRunning(string[] args, string after, params string[] signals)
    {
        using var process = Start(args);
        var stderr = new System.Text.StringBuilder();
        process.ErrorDataReceived += (_, e) => { lock (stderr) stderr.AppendLine(e.Data); };
        process.BeginErrorReadLine();
        var stdout = new System.Text.StringBuilder();
        string? line;
        do { line = process.StandardOutput.ReadLine(); stdout.AppendLine(line); } while (line is not null && !line.StartsWith(after, StringComparison.Ordinal));
        Assert.That(line, Is.Not.Null, $"the command printed a line starting '{after}'");
        // Sent from here (kill(2)), not by starting a kill process: on a loaded machine starting one took longer than the
        // rest of the run, and the signal arrived after its end.
        foreach (string signal in signals)
            if (Kill(process.Id, SignalNumber(signal)) != 0) Assert.Fail($"kill -{signal} {process.Id} failed.");
        stdout.Append(process.StandardOutput.ReadToEnd());
        Assert.That(process.WaitForExit(60_000), Is.True, "the command ended after the signal");
        process.WaitForExit();
        lock (stderr) return new CliResult(process.ExitCode, stdout.ToString(), stderr.ToString());
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    // POSIX numbers, the same on Linux and macOS.
    private static int SignalNumber(string name) => name switch
    {
        "INT" => 2,
        "TERM" => 15,
        _ => throw new ArgumentException($"no number for signal '{name}'."),
    };

    /// <summary>Runs the real process to the end (at most <paramref name="timeout"/>) and returns what it did.</summary>
    public static CliResult RunProcess(TimeSpan timeout, params string[] args)
    {
        using var process = Start(args);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"spikelfp {string.Join(' ', args)} did not finish within {timeout}.");
        }
        return new CliResult(process.ExitCode, stdout.Result, stderr.Result);
    }
}

/// <summary>A fresh folder under the system temp folder, deleted afterwards.</summary>
public sealed class TempFolder : IDisposable
{
    public TempFolder() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "spikelfp-tests", Guid.NewGuid().ToString("N"));

    public string this[string name] => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

/// <summary>Base of test classes whose every test gets a fresh temporary folder, deleted afterwards.</summary>
public abstract class TempFolderTests
{
    /// <summary>This test's folder.</summary>
    protected TempFolder Temp { get; private set; } = null!;

    [SetUp]
    public void CreateTempFolder() => Temp = new TempFolder();

    [TearDown]
    public void DeleteTempFolder() => Temp.Dispose();
}
