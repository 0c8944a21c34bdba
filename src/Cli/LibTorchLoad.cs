using System.Runtime.InteropServices;
using System.Text.RegularExpressions;

namespace SpikeLfp.Cli;

/// <summary>
/// When TorchSharp's native library (libtorch, used by the surrogate baseline and the bench) cannot be loaded: one
/// line naming the loader's reason and what to install on this platform, instead of TorchSharp's page-long trace.
/// </summary>
public static partial class LibTorchLoad
{
    /// <summary>The exit code of a command that needs libtorch where it cannot be loaded.</summary>
    public const int ExitCode = 4;

    /// <summary>Whether <paramref name="e"/> is TorchSharp failing to load its native library.</summary>
    public static bool IsLoadFailure(Exception e) => e switch
    {
        TypeInitializationException t => t.TypeName?.StartsWith("TorchSharp", StringComparison.Ordinal) == true,
        DllNotFoundException d => d.Message.Contains("TorchSharp", StringComparison.OrdinalIgnoreCase) || d.Message.Contains("torch", StringComparison.Ordinal),
        _ => false,
    };

    /// <summary>"libtorch cannot be loaded on RID (REASON); install ...": the loader's own reason and the remedy for this platform.</summary>
    public static string Explain()
    {
        string rid = RuntimeInformation.RuntimeIdentifier;
        return $"libtorch (TorchSharp's native library, needed by the surrogate baseline and bench) cannot be loaded on {rid} ({LoaderReason()}); "
            + Remedy() + " Commands that use LFP alone (train, simulate, plot, sweep) do not need it.";
    }

    /// <summary>What the operating system's loader says when asked for TorchSharp's native library next to the program.</summary>
    private static string LoaderReason()
    {
        string file = OperatingSystem.IsWindows() ? "LibTorchSharp.dll" : OperatingSystem.IsMacOS() ? "libLibTorchSharp.dylib" : "libLibTorchSharp.so";
        string path = Path.Combine(AppContext.BaseDirectory, file);
        if (!File.Exists(path)) return $"{file} is not installed next to spikelfp";
        try
        {
            NativeLibrary.Free(NativeLibrary.Load(path));
            return "TorchSharp's own loader failed";
        }
        catch (DllNotFoundException e)
        {
            // .NET's message starts with advice on diagnosing loads; the loader's own reason comes after its last "variable: ".
            string message = Whitespace().Replace(e.Message, " ").Trim();
            const string Marker = "variable: ";
            int reason = message.LastIndexOf(Marker, StringComparison.Ordinal);
            return reason >= 0 ? message[(reason + Marker.Length)..] : message;
        }
    }

    private static string Remedy()
    {
        if (OperatingSystem.IsWindows())
            return "install the Microsoft Visual C++ Redistributable 2015-2022 for x64 (https://aka.ms/vs/17/release/vc_redist.x64.exe), which libtorch needs.";
        if (OperatingSystem.IsLinux())
            return "install the C++ runtime of GCC 13 or newer (libstdc++6 as in Debian 13 or Ubuntu 24.04).";
        return "reinstall the tool (dotnet tool update -g spikelfp); TorchSharp-cpu ships libtorch for linux-x64, win-x64 and osx-arm64 only.";
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
