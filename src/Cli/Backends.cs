using SpikeLfp.Network.Backends;

namespace SpikeLfp.Cli;

/// <summary>Backend selection from the command line.</summary>
public static class Backends
{
    /// <summary>The CPU backend with --threads (default all cores).</summary>
    public static CpuBackend Cpu(Arguments a) => a.Has("threads") ? new CpuBackend(a.Int("threads", Environment.ProcessorCount, 1, 1024)) : CpuBackend.Shared;
}
