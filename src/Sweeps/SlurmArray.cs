using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using SpikeLfp.Network.IO;

namespace SpikeLfp.Sweeps;

/// <summary>The sbatch settings of a sweep's job array; null leaves a setting to the cluster's defaults.</summary>
/// <param name="Partition">--partition.</param>
/// <param name="Time">--time, for example 01:00:00.</param>
/// <param name="CpusPerTask">--cpus-per-task.</param>
/// <param name="Memory">--mem, for example 4G.</param>
/// <param name="MaxParallel">The array's %K throttle: at most this many tasks at once.</param>
public sealed record SlurmOptions(string? Partition, string? Time, int? CpusPerTask, string? Memory, int? MaxParallel);

/// <summary>
/// A sweep as a SLURM job array: array index = task index, each element running <c>spikelfp sweep task S --index i</c>.
/// Only tasks that are neither finished, running nor still queued from an earlier submission go into the array.
/// </summary>
public static class SlurmArray
{
    /// <summary>The script written into the sweep folder.</summary>
    public const string ScriptName = "sweep.sbatch";
    /// <summary>Folder of the array elements' SLURM logs.</summary>
    public const string LogFolder = "slurm";

    /// <summary>The job name of a sweep's arrays: stable for the folder, so earlier submissions can be found in the queue.</summary>
    public static string JobName(SweepFolder folder)
        => "spikelfp-sweep-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(folder.Path)))[..10];

    /// <summary>Task indices as a SLURM array list: 0-3,5,7-9.</summary>
    public static string IndexList(IEnumerable<int> indices)
    {
        var sorted = indices.Distinct().Order().ToList();
        var parts = new List<string>();
        for (int i = 0; i < sorted.Count;)
        {
            int j = i;
            while (j + 1 < sorted.Count && sorted[j + 1] == sorted[j] + 1) j++;
            parts.Add(i == j ? Invariant(sorted[i]) : $"{Invariant(sorted[i])}-{Invariant(sorted[j])}");
            i = j + 1;
        }
        return string.Join(",", parts);
    }

    /// <summary>The tasks an array should run now: not finished, not running, not queued by an earlier submission.</summary>
    public static IReadOnlyList<int> Unfinished(SweepFolder folder, IReadOnlySet<int> queued)
        => TaskState.All(folder).Where(s => s.Status is SweepTaskStatus.Pending or SweepTaskStatus.Failed && !queued.Contains(s.Task.Index)).Select(s => s.Task.Index).ToList();

    /// <summary>The sbatch script for <paramref name="indices"/>.</summary>
    public static string Script(SweepFolder folder, IReadOnlyList<int> indices, SlurmOptions options, Launcher launcher)
    {
        var s = new StringBuilder();
        s.AppendLine("#!/bin/bash");
        s.AppendLine($"#SBATCH --job-name={JobName(folder)}");
        s.AppendLine($"#SBATCH --array={IndexList(indices)}" + (options.MaxParallel is int k ? $"%{Invariant(k)}" : ""));
        // A pre-empted or failed node puts the element back in the queue; it resumes from its checkpoint.
        s.AppendLine("#SBATCH --requeue");
        s.AppendLine($"#SBATCH --output={Path.Combine(folder.Path, LogFolder, "%A_%a.out")}");
        s.AppendLine("#SBATCH --open-mode=append");
        if (options.Partition is { } p) s.AppendLine($"#SBATCH --partition={p}");
        if (options.Time is { } t) s.AppendLine($"#SBATCH --time={t}");
        if (options.CpusPerTask is int c) s.AppendLine($"#SBATCH --cpus-per-task={Invariant(c)}");
        if (options.Memory is { } m) s.AppendLine($"#SBATCH --mem={m}");
        s.AppendLine("# Written by 'spikelfp sweep slurm': array element i runs task i of tasks.jsonl in its own folder,");
        s.AppendLine("# continuing from the task's checkpoint when an earlier attempt was stopped.");
        s.AppendLine("exec " + launcher.ShellCommand(["sweep", "task", folder.Path, "--index"]) + " \"$SLURM_ARRAY_TASK_ID\"");
        return s.ToString();
    }

    /// <summary>Writes the script into the sweep folder (and the log folder sbatch needs); returns its path.</summary>
    public static string Write(SweepFolder folder, string script)
    {
        Directory.CreateDirectory(folder.Full(LogFolder));
        string path = folder.Full(ScriptName);
        AtomicFile.WriteAllText(path, script);
        return path;
    }

    /// <summary>
    /// Array indices of this sweep still pending or running in the queue (squeue), or why the queue could not be
    /// read (no squeue on PATH, no cluster).
    /// </summary>
    public static (IReadOnlySet<int> Indices, string? Problem) Queued(SweepFolder folder)
    {
        var (exit, output, error) = Execute("squeue", ["--noheader", "--array", "--name", JobName(folder), "--format", "%K"], required: false);
        if (exit is null) return (new HashSet<int>(), "squeue is not on PATH");
        if (exit != 0) return (new HashSet<int>(), $"squeue failed (exit {exit}): {FirstLine(error)}");
        var indices = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => int.TryParse(line, NumberStyles.None, CultureInfo.InvariantCulture, out int i) ? i : -1)
            .Where(i => i >= 0).ToHashSet();
        return (indices, null);
    }

    /// <summary>The cluster's MaxArraySize (array indices must be below it), or null when scontrol cannot tell.</summary>
    public static int? MaxArraySize()
    {
        var (exit, output, _) = Execute("scontrol", ["show", "config"], required: false);
        if (exit != 0) return null;
        var line = output.Split('\n').Select(l => l.Split('=', 2)).FirstOrDefault(p => p.Length == 2 && p[0].Trim() == "MaxArraySize");
        return line is not null && int.TryParse(line[1].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int max) ? max : null;
    }

    /// <summary>Submits the script with sbatch; returns the job id.</summary>
    public static string Submit(string scriptPath)
    {
        var (exit, output, error) = Execute("sbatch", ["--parsable", scriptPath], required: true);
        if (exit != 0) throw new SweepException($"sbatch refused {scriptPath} (exit {exit}): {FirstLine(error)}");
        return output.Trim().Split(';')[0];
    }

    private static (int? Exit, string Output, string Error) Execute(string program, string[] args, bool required)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in args) start.ArgumentList.Add(a);
        Process process;
        try { process = Process.Start(start)!; }
        catch (System.ComponentModel.Win32Exception)
        {
            if (!required) return (null, "", "");
            throw new SweepException($"{program} is not on PATH: --submit needs a SLURM client (or submit {ScriptName} on the cluster yourself).");
        }
        using (process)
        {
            var error = process.StandardError.ReadToEndAsync();
            string output = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            return (process.ExitCode, output, error.Result);
        }
    }

    private static string FirstLine(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "(no message)";

    private static string Invariant(int x) => x.ToString(CultureInfo.InvariantCulture);
}
