using SpikeLfp.Sweeps;

namespace SpikeLfp.Cli.Commands.Sweep;

/// <summary>How the running spikelfp starts itself again for a sweep's tasks.</summary>
public static class SelfLauncher
{
    /// <summary>
    /// The apphost when this process is one (./spikelfp); otherwise the dotnet host with spikelfp.dll (the process
    /// is "dotnet spikelfp.dll", or a test host that loaded the CLI as a library).
    /// </summary>
    public static Launcher Current()
    {
        string dll = typeof(CommandLine).Assembly.Location;
        string? process = Environment.ProcessPath;
        if (process is not null && Path.GetFileNameWithoutExtension(process) == Path.GetFileNameWithoutExtension(dll))
            return new Launcher(process, []);
        string host = process is not null && Path.GetFileNameWithoutExtension(process) == "dotnet" ? process
            : Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";
        return new Launcher(host, [dll]);
    }
}
